import type { AdvertiserCommand } from './advertiser/commands';
import type { CampaignCommand } from './campaign/commands';
import type { CategoryApprovalCommand } from './category-approval/commands';
import type { ContractCommand } from './contract/commands';
import type { PlatformPolicyCommand } from './platform-policy/commands';
import type { Role } from './shared/messages';

export type DomainCommandType =
  | AdvertiserCommand['type']
  | CampaignCommand['type']
  | CategoryApprovalCommand['type']
  | ContractCommand['type']
  | PlatformPolicyCommand['type'];

/**
 * Who may issue each command: the one table the deciders enforce, the HTTP route guard checks and
 * the OpenAPI document lists (x-roles). Listing a new command is required by the type. `service` is
 * the system acting on its own (reactors, the budget process, downstream spend reports).
 */
export const COMMAND_ROLES: { readonly [T in DomainCommandType]: readonly Role[] } = {
  RegisterLinkPlatform: ['platform_admin'],
  ChangeLinkPlatformDomains: ['platform_admin'],
  SuspendLinkPlatform: ['platform_admin'],
  ReinstateLinkPlatform: ['platform_admin'],
  AddLinkEligibleCategory: ['platform_admin'],
  RemoveLinkEligibleCategory: ['platform_admin'],
  SetCommercialLoadCap: ['platform_admin'],

  RegisterAdvertiser: ['sales'],
  VerifyAdvertiser: ['compliance'],
  ChangeKaTier: ['sales', 'deal_approver'],
  SuspendAdvertiser: ['compliance'],
  ReinstateAdvertiser: ['compliance'],

  RequestCategoryApproval: ['sales'],
  ApproveCategory: ['compliance'],
  RejectCategory: ['compliance'],
  RevokeCategoryApproval: ['compliance'],
  ExpireCategoryApproval: ['compliance', 'service'],

  DraftContract: ['sales'],
  ReviseContractDraft: ['sales'],
  SubmitContract: ['sales'],
  ApproveContract: ['deal_approver'],
  RejectContract: ['deal_approver'],
  SignContract: ['sales'],
  ProposeAmendment: ['sales'],
  ApproveAmendment: ['deal_approver'],
  RejectAmendment: ['deal_approver'],
  EnableExternalLink: ['compliance'],
  DisableExternalLink: ['compliance', 'service'],
  AllocateCampaignBudget: ['sales', 'service'],
  ReleaseCampaignBudget: ['sales', 'service'],
  AdjustCampaignBudget: ['sales', 'service'],
  SuspendContract: ['deal_approver', 'compliance'],
  ResumeContract: ['deal_approver', 'compliance'],
  TerminateContract: ['deal_approver', 'compliance'],
  ExpireContract: ['service', 'deal_approver'],

  CreateCampaign: ['sales'],
  SubmitCampaign: ['sales'],
  ApproveCampaign: ['compliance'],
  RejectCampaign: ['compliance'],
  LaunchCampaign: ['sales', 'service'],
  PauseCampaign: ['sales', 'compliance', 'service'],
  ResumeCampaign: ['sales', 'compliance', 'service'],
  ChangeCampaignBudget: ['sales'],
  ReportCampaignSpend: ['service'],
  SuspendCampaignByPolicy: ['service', 'compliance'],
  CompleteCampaign: ['sales', 'service'],
};
