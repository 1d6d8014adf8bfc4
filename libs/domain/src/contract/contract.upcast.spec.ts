import { BusinessRuleViolation } from '../shared';
import { UPCASTERS } from '../upcasters';
import { contractDraftedV1ToV2 } from './upcasters';
import { contractDecider } from '.';
import type { ContractDrafted } from './events';
import {
  ADVERTISER_ID,
  CONTRACT_ID,
  TERMS,
  advertiserFacts,
  approved,
  command,
  contract,
  emitted,
  sam,
  submitted,
} from './testing/contract-builders';
import { recorded } from '../shared/testing/decider-spec';

/** ContractDrafted as version 1 stored it: no channel. */
const draftedV1 = { contractId: CONTRACT_ID, advertiserId: ADVERTISER_ID, ...TERMS };

describe('ContractDrafted v1 -> v2', () => {
  it('makes a version-1 draft a direct deal', () =>
    expect(contractDraftedV1ToV2.upcast(draftedV1)).toEqual({ ...draftedV1, channel: 'direct' }));

  it('keeps the channel of an event already in the new shape', () =>
    expect(contractDraftedV1ToV2.upcast({ ...draftedV1, channel: 'agency' })).toEqual({
      ...draftedV1,
      channel: 'agency',
    }));

  it('is the registered upcaster of ContractDrafted', () =>
    expect(UPCASTERS.filter((upcaster) => upcaster.type === 'ContractDrafted')).toEqual([contractDraftedV1ToV2]));

  it('folds a version-1 history once upcast, and decides on it as on a new one', () => {
    const drafted = recorded(
      { type: 'ContractDrafted', data: contractDraftedV1ToV2.upcast(draftedV1) } as unknown as ContractDrafted,
      sam,
    );
    const history = [drafted, submitted(), approved()];
    expect(history.reduce(contractDecider.evolve, contractDecider.initialState)).toMatchObject({
      status: 'Approved',
      channel: 'direct',
      terms: TERMS,
    });
    contract
      .given(history)
      .when(command('SignContract', {}, sam), advertiserFacts())
      .then([emitted('ContractSigned', {})]);
  });

  it('records the channel of a new draft, direct unless told otherwise, and refuses an unknown one', () => {
    contract
      .given([])
      .when(
        command('DraftContract', { advertiserId: ADVERTISER_ID, ...TERMS, channel: 'agency' }, sam),
        advertiserFacts(),
      )
      .then([emitted('ContractDrafted', { advertiserId: ADVERTISER_ID, channel: 'agency', ...TERMS })]);
    contract
      .given([])
      .when(
        command('DraftContract', { advertiserId: ADVERTISER_ID, ...TERMS, channel: 'reseller' as never }, sam),
        advertiserFacts(),
      )
      .thenThrows(BusinessRuleViolation, 'INVALID_CHANNEL');
  });
});
