import { fold } from '../shared';
import { NOW, metadataOf, recorded } from '../shared/testing/decider-spec';
import type { ContractCommand } from '.';
import { contractDecider, contractFactsNeeded, contractStanding, contractStreamId } from '.';
import {
  ADVERTISER_ID,
  CONTRACT_ID,
  TERMS,
  amendmentApproved,
  amendmentProposed,
  budgetAllocated,
  budgetReleased,
  cleo,
  command,
  drafted,
  inActive,
  linkDisabled,
  linkEnabled,
  sam,
  sara,
  submitted,
  suspended,
} from './testing/contract-builders';

describe('contractStreamId', () => {
  it('puts the contract in the contract stream category', () => expect(contractStreamId('42')).toBe('contract-42'));
});

describe('contractStanding', () => {
  it('reports a contract that was never drafted as None', () =>
    expect(contractStanding(contractDecider.initialState)).toMatchObject({
      status: 'None',
      allocatedMinor: '0',
      categories: [],
      enabledLinks: {},
    }));

  it('reports the current terms, the total allocated and the enabled links', () =>
    expect(
      contractStanding(
        fold(contractDecider, [
          ...inActive(),
          amendmentProposed({ totalValueMinor: '2000000' }),
          amendmentApproved({ totalValueMinor: '2000000' }),
          budgetAllocated('cmp1', '700000'),
          budgetAllocated('cmp2', '300000'),
          budgetReleased('cmp1', '100000'),
          linkEnabled('taobao', ['skincare']),
          linkEnabled('jd', ['fashion', 'skincare']),
          suspended(),
        ]),
      ),
    ).toEqual({
      contractId: CONTRACT_ID,
      status: 'Suspended',
      advertiserId: ADVERTISER_ID,
      currency: 'EUR',
      totalValueMinor: '2000000',
      allocatedMinor: '900000',
      startsOn: TERMS.startsOn,
      endsOn: TERMS.endsOn,
      categories: TERMS.categories,
      enabledLinks: { taobao: ['skincare'], jd: ['fashion', 'skincare'] },
    }));
});

describe('evolve', () => {
  it('refuses a stream that does not start with ContractDrafted', () =>
    expect(() =>
      fold(contractDecider, [recorded({ type: 'ContractSigned', data: { contractId: CONTRACT_ID } }, sam)]),
    ).toThrow('recorded before ContractDrafted'));

  it('folds 10,000 allocations and releases into what each campaign holds and their total', () => {
    const campaigns = Array.from({ length: 10_000 }, (_, n) => `cmp${n}`);
    const state = fold(contractDecider, [
      ...inActive(),
      ...campaigns.map((id) => budgetAllocated(id, '100')),
      // Every other campaign gives all of it back; the others give back a part and take more.
      ...campaigns.map((id, n) => budgetReleased(id, n % 2 === 0 ? '100' : '30')),
      ...campaigns.filter((_, n) => n % 2 === 1).map((id) => budgetAllocated(id, '5')),
    ]);
    if (state.status === 'None') throw new Error('the contract was drafted');
    expect(Object.keys(state.allocations)).toHaveLength(5_000);
    expect(state.allocations).not.toHaveProperty('cmp0');
    expect(state.allocations.cmp1).toBe('75');
    expect(state.allocations.cmp9999).toBe('75');
    expect(contractStanding(state).allocatedMinor).toBe((5_000 * 75).toString());
  });

  it('keeps the enabled links and the authors of the fold in step with the events', () => {
    const state = fold(contractDecider, [
      drafted(sam),
      submitted(sara),
      submitted(sam),
      linkEnabled('taobao', ['skincare']),
      linkEnabled('jd', ['fashion']),
      linkDisabled('taobao'),
      linkEnabled('jd', ['skincare']),
    ]);
    if (state.status === 'None') throw new Error('the contract was drafted');
    expect(state.authors).toEqual(['sam', 'sara']);
    expect(state.enabledLinks).toEqual({ jd: ['skincare'] });
  });

  it('starts every fold afresh: folding one history leaves the next fold untouched', () => {
    fold(contractDecider, [...inActive(), budgetAllocated('cmp1', '100'), linkEnabled('jd', ['fashion'])]);
    const other = fold(contractDecider, inActive());
    expect(contractStanding(other)).toMatchObject({ allocatedMinor: '0', enabledLinks: {} });
    expect(contractDecider.initialState).toEqual({ status: 'None' });
  });
});

describe('contractFactsNeeded', () => {
  const metadata = metadataOf(sam, NOW);
  const of = (type: ContractCommand['type']) => contractFactsNeeded({ type, data: {}, metadata } as ContractCommand);

  it.each(['DraftContract', 'ApproveContract', 'SignContract'] as const)('asks for the advertiser to %s', (type) =>
    expect(of(type)).toEqual(['advertiser']),
  );

  it('asks for the link policy and category approvals to enable a link', () =>
    expect(
      contractFactsNeeded(command('EnableExternalLink', { platform: 'jd', categories: ['skincare'] }, cleo)),
    ).toEqual(['policy', 'categoryApprovals']));

  it.each([
    'ReviseContractDraft',
    'SubmitContract',
    'RejectContract',
    'ProposeAmendment',
    'ApproveAmendment',
    'RejectAmendment',
    'DisableExternalLink',
    'AllocateCampaignBudget',
    'ReleaseCampaignBudget',
    'AdjustCampaignBudget',
    'SuspendContract',
    'ResumeContract',
    'TerminateContract',
    'ExpireContract',
  ] as const)('asks for nothing to %s', (type) => expect(of(type)).toEqual([]));
});
