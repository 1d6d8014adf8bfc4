import type { ContractStanding, ContractStatus, Recorded } from '../shared';
import { dropOwn, ownValue, putOwn } from '../shared';
import type { ContractEvent, SalesChannel } from './events';
import type { AmendmentChanges, ContractTerms } from './terms';
import { termsOf, withChanges } from './terms';

export interface PendingAmendment {
  readonly version: number;
  readonly changes: AmendmentChanges;
  readonly proposedBy: string;
}

export interface ExistingContract {
  readonly status: Exclude<ContractStatus, 'None'>;
  readonly contractId: string;
  readonly advertiserId: string;
  readonly channel: SalesChannel;
  readonly terms: ContractTerms;
  /** 1 for the terms as first approved; each approved amendment is the next version. */
  readonly version: number;
  /** Everyone who drafted, revised or submitted it: four eyes bars them from approving or rejecting it. */
  readonly authors: readonly string[];
  readonly pendingAmendment: PendingAmendment | null;
  /** Platform → categories enabled for external links. */
  readonly enabledLinks: Readonly<Record<string, readonly string[]>>;
  /** Campaign → minor units it holds, as decimal strings so the state stays JSON-serialisable. */
  readonly allocations: Readonly<Record<string, string>>;
  /** The sum of `allocations`, kept as they change so no decision adds up every campaign. */
  readonly allocatedMinor: string;
}

export type Contract = { readonly status: 'None' } | ExistingContract;

export const initialState: Contract = { status: 'None' };

export const evolve = (state: Contract, event: Recorded<ContractEvent>): Contract => {
  const by = event.metadata.actor.userId;
  switch (event.type) {
    case 'ContractDrafted':
      return {
        status: 'Draft',
        contractId: event.data.contractId,
        advertiserId: event.data.advertiserId,
        channel: event.data.channel,
        terms: termsOf(event.data),
        version: 1,
        authors: [by],
        pendingAmendment: null,
        enabledLinks: {},
        allocations: {},
        allocatedMinor: '0',
      };
    case 'ContractDraftRevised': {
      const contract = existing(state, event);
      return {
        ...contract,
        status: 'Draft',
        terms: withChanges(contract.terms, event.data),
        authors: withAuthor(contract.authors, by),
      };
    }
    case 'ContractSubmitted': {
      const contract = existing(state, event);
      return { ...contract, status: 'Submitted', authors: withAuthor(contract.authors, by) };
    }
    case 'ContractApproved':
      return { ...existing(state, event), status: 'Approved' };
    case 'ContractRejected':
      return { ...existing(state, event), status: 'Rejected' };
    case 'ContractSigned':
      return { ...existing(state, event), status: 'Active' };
    case 'ContractAmendmentProposed':
      return {
        ...existing(state, event),
        pendingAmendment: { version: event.data.version, changes: event.data.changes, proposedBy: by },
      };
    case 'ContractAmendmentApproved':
      return {
        ...existing(state, event),
        terms: termsOf(event.data),
        version: event.data.version,
        pendingAmendment: null,
      };
    case 'ContractAmendmentRejected':
      return { ...existing(state, event), pendingAmendment: null };
    // The maps are the fold's own (see Decider.evolve): changed in place, so a contract with
    // thousands of campaigns folds in linear time.
    case 'ExternalLinkEnabled': {
      const contract = existing(state, event);
      putOwn(contract.enabledLinks, event.data.platform, event.data.categories);
      return contract;
    }
    case 'ExternalLinkDisabled': {
      const contract = existing(state, event);
      dropOwn(contract.enabledLinks, event.data.platform);
      return contract;
    }
    case 'CampaignBudgetAllocated':
      return moveBudget(existing(state, event), event.data.campaignId, BigInt(event.data.amountMinor));
    case 'CampaignBudgetReleased':
      return moveBudget(existing(state, event), event.data.campaignId, -BigInt(event.data.amountMinor));
    case 'ContractSuspended':
      return { ...existing(state, event), status: 'Suspended' };
    case 'ContractResumed':
      return { ...existing(state, event), status: 'Active' };
    case 'ContractTerminated':
      return { ...existing(state, event), status: 'Terminated' };
    case 'ContractExpired':
      return { ...existing(state, event), status: 'Expired' };
  }
};

/** What the campaign aggregate may know about a contract. */
export const contractStanding = (state: Contract): ContractStanding => {
  if (state.status === 'None') {
    return {
      contractId: '',
      status: 'None',
      advertiserId: '',
      currency: '',
      totalValueMinor: '0',
      allocatedMinor: '0',
      startsOn: '',
      endsOn: '',
      categories: [],
      enabledLinks: {},
    };
  }
  return {
    contractId: state.contractId,
    status: state.status,
    advertiserId: state.advertiserId,
    currency: state.terms.currency,
    totalValueMinor: state.terms.totalValueMinor,
    allocatedMinor: allocatedMinor(state).toString(),
    startsOn: state.terms.startsOn,
    endsOn: state.terms.endsOn,
    categories: state.terms.categories,
    enabledLinks: state.enabledLinks,
  };
};

export const heldBy = (contract: ExistingContract, campaignId: string): bigint =>
  BigInt(ownValue(contract.allocations, campaignId) ?? '0');

export const allocatedMinor = (contract: ExistingContract): bigint => BigInt(contract.allocatedMinor);

const moveBudget = (contract: ExistingContract, campaignId: string, amount: bigint): ExistingContract => {
  const held = heldBy(contract, campaignId) + amount;
  // A campaign that holds nothing is gone from the map, so it may allocate afresh.
  if (held === 0n) dropOwn(contract.allocations, campaignId);
  else putOwn(contract.allocations, campaignId, held.toString());
  return { ...contract, allocatedMinor: (BigInt(contract.allocatedMinor) + amount).toString() };
};

/** Only a stream that does not start with ContractDrafted gets here: a corrupt stream, not a user error. */
const existing = (state: Contract, event: Recorded<ContractEvent>): ExistingContract => {
  if (state.status === 'None') {
    throw new Error(`${event.type} for contract ${event.data.contractId} was recorded before ContractDrafted`);
  }
  return state;
};

/** Appends in place (the list is the fold's own); a contract has a handful of authors. */
const withAuthor = (authors: readonly string[], userId: string): readonly string[] => {
  if (!authors.includes(userId)) (authors as string[]).push(userId);
  return authors;
};
