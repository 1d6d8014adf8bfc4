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
  inActive,
  linkEnabled,
  sam,
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
