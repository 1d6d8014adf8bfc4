import { advertiserDecider } from './advertiser';
import { campaignDecider } from './campaign';
import { categoryApprovalDecider } from './category-approval';
import { contractDecider } from './contract';
import { COMMAND_ROLES, type DomainCommandType } from './permissions';
import { platformPolicyDecider } from './platform-policy';
import { NotPermitted, ROLES, type Command, type Decider, type Role } from './shared';

type AnyDecider = Decider<Command, never, unknown, unknown>;

const DECIDERS: readonly [string, AnyDecider, readonly DomainCommandType[]][] = [
  [
    'platform policy',
    platformPolicyDecider as unknown as AnyDecider,
    [
      'RegisterLinkPlatform',
      'ChangeLinkPlatformDomains',
      'SuspendLinkPlatform',
      'ReinstateLinkPlatform',
      'AddLinkEligibleCategory',
      'RemoveLinkEligibleCategory',
      'SetCommercialLoadCap',
    ],
  ],
  [
    'advertiser',
    advertiserDecider as unknown as AnyDecider,
    ['RegisterAdvertiser', 'VerifyAdvertiser', 'ChangeKaTier', 'SuspendAdvertiser', 'ReinstateAdvertiser'],
  ],
  [
    'category approval',
    categoryApprovalDecider as unknown as AnyDecider,
    [
      'RequestCategoryApproval',
      'ApproveCategory',
      'RejectCategory',
      'RevokeCategoryApproval',
      'ExpireCategoryApproval',
    ],
  ],
  [
    'contract',
    contractDecider as unknown as AnyDecider,
    [
      'DraftContract',
      'ReviseContractDraft',
      'SubmitContract',
      'ApproveContract',
      'RejectContract',
      'SignContract',
      'ProposeAmendment',
      'ApproveAmendment',
      'RejectAmendment',
      'EnableExternalLink',
      'DisableExternalLink',
      'AllocateCampaignBudget',
      'ReleaseCampaignBudget',
      'AdjustCampaignBudget',
      'SuspendContract',
      'ResumeContract',
      'TerminateContract',
      'ExpireContract',
    ],
  ],
  [
    'campaign',
    campaignDecider as unknown as AnyDecider,
    [
      'CreateCampaign',
      'SubmitCampaign',
      'ApproveCampaign',
      'RejectCampaign',
      'LaunchCampaign',
      'PauseCampaign',
      'ResumeCampaign',
      'ChangeCampaignBudget',
      'ReportCampaignSpend',
      'SuspendCampaignByPolicy',
      'CompleteCampaign',
    ],
  ],
];

/** Whether the decider turns the actor away for its role, whatever else it thinks of the command. */
const refusesForRole = (decider: AnyDecider, type: DomainCommandType, role: Role): boolean => {
  const command = { type, data: {}, metadata: { actor: { userId: 'u', roles: [role] }, now: '2026-01-01T00:00:00Z' } };
  try {
    decider.decide(command, decider.initialState, {});
    return false;
  } catch (error) {
    return error instanceof NotPermitted && error.code === 'ROLE_REQUIRED';
  }
};

describe('COMMAND_ROLES: one table of who may issue what', () => {
  it('lists every command of every decider, once', () => {
    const listed = DECIDERS.flatMap(([, , types]) => types);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(Object.keys(COMMAND_ROLES).sort());
  });

  describe.each(DECIDERS)('the %s decider enforces exactly the table', (_, decider, types) => {
    it.each(types)('%s', (type) => {
      const refused = ROLES.filter((role) => refusesForRole(decider, type, role));
      expect(refused).toEqual(ROLES.filter((role) => !COMMAND_ROLES[type].includes(role)));
    });
  });
});
