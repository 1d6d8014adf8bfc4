import type { Decider } from '../shared';
import type { ContractCommand } from './commands';
import type { ContractFacts } from './decide';
import { decide } from './decide';
import type { ContractEvent } from './events';
import type { Contract } from './state';
import { evolve, initialState } from './state';

export * from './commands';
export * from './events';
export { termsOf } from './terms';
export { contractUpcasters } from './upcasters';
export type { ContractFactName, ContractFacts } from './decide';
export { contractFactsNeeded } from './decide';
export type { Contract, ExistingContract, PendingAmendment } from './state';
export { contractStanding, heldBy } from './state';
export type { AmendmentChanges, ContractTerms, TermChanges } from './terms';

export const contractStreamId = (contractId: string): string => `contract-${contractId}`;

export const contractDecider: Decider<ContractCommand, ContractEvent, Contract, ContractFacts> = {
  initialState,
  evolve,
  decide,
};
