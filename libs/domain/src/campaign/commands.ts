import type { Command, Instant } from '../shared';
import type { CampaignLinkTarget } from './events';

export type CreateCampaign = Command<
  'CreateCampaign',
  {
    readonly campaignId: string;
    readonly contractId: string;
    readonly advertiserId: string;
    readonly category: string;
    readonly budgetMinor: string;
    readonly startsAt: Instant;
    readonly endsAt: Instant;
    readonly linkTarget?: CampaignLinkTarget;
    readonly adLabel: string;
  }
>;
export type SubmitCampaign = Command<'SubmitCampaign', { readonly campaignId: string }>;
export type ApproveCampaign = Command<'ApproveCampaign', { readonly campaignId: string }>;
export type RejectCampaign = Command<'RejectCampaign', { readonly campaignId: string; readonly reason: string }>;
export type LaunchCampaign = Command<'LaunchCampaign', { readonly campaignId: string }>;
export type PauseCampaign = Command<'PauseCampaign', { readonly campaignId: string; readonly reason: string }>;
export type ResumeCampaign = Command<'ResumeCampaign', { readonly campaignId: string }>;
export type ChangeCampaignBudget = Command<
  'ChangeCampaignBudget',
  { readonly campaignId: string; readonly budgetMinor: string }
>;
export type ReportCampaignSpend = Command<
  'ReportCampaignSpend',
  {
    readonly campaignId: string;
    readonly batchId: string;
    readonly amountMinor: string;
    readonly periodStart: Instant;
    readonly periodEnd: Instant;
  }
>;
export type SuspendCampaignByPolicy = Command<
  'SuspendCampaignByPolicy',
  { readonly campaignId: string; readonly cause: string }
>;
/** `reason` says why it completed now, such as the end the scheduler saw pass. */
export type CompleteCampaign = Command<'CompleteCampaign', { readonly campaignId: string; readonly reason?: string }>;

export type CampaignCommand =
  | CreateCampaign
  | SubmitCampaign
  | ApproveCampaign
  | RejectCampaign
  | LaunchCampaign
  | PauseCampaign
  | ResumeCampaign
  | ChangeCampaignBudget
  | ReportCampaignSpend
  | SuspendCampaignByPolicy
  | CompleteCampaign;
