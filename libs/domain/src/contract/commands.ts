import type { Command } from '../shared';
import type { SalesChannel } from './events';
import type { AmendmentChanges, ContractTerms, TermChanges } from './terms';

interface OfContract {
  readonly contractId: string;
}

interface WithReason extends OfContract {
  readonly reason: string;
}

interface OfCampaign extends OfContract {
  readonly campaignId: string;
}

/** `channel` defaults to direct. */
export type DraftContract = Command<
  'DraftContract',
  OfContract & { readonly advertiserId: string; readonly channel?: SalesChannel } & ContractTerms
>;
/** Lists only the terms to change; the advertiser is not among them. */
export type ReviseContractDraft = Command<'ReviseContractDraft', OfContract & { readonly changes: TermChanges }>;
export type SubmitContract = Command<'SubmitContract', OfContract>;
export type ApproveContract = Command<'ApproveContract', OfContract>;
export type RejectContract = Command<'RejectContract', WithReason>;
export type SignContract = Command<'SignContract', OfContract>;

export type ProposeAmendment = Command<'ProposeAmendment', OfContract & { readonly changes: AmendmentChanges }>;
/** `version` names the amendment the approver reviewed, so a decision never lands on a different one. */
export type ApproveAmendment = Command<'ApproveAmendment', OfContract & { readonly version: number }>;
export type RejectAmendment = Command<'RejectAmendment', WithReason & { readonly version: number }>;

export type EnableExternalLink = Command<
  'EnableExternalLink',
  OfContract & { readonly platform: string; readonly categories: readonly string[] }
>;
export type DisableExternalLink = Command<'DisableExternalLink', WithReason & { readonly platform: string }>;

/** Reserves budget for a campaign that holds none yet. */
export type AllocateCampaignBudget = Command<'AllocateCampaignBudget', OfCampaign & { readonly amountMinor: string }>;
/** Gives back part or all of what a campaign holds. */
export type ReleaseCampaignBudget = Command<'ReleaseCampaignBudget', OfCampaign & { readonly amountMinor: string }>;
/**
 * Sets what a campaign holds to `budgetMinor` in one step, so a changed campaign budget never has to
 * release everything first and risk another campaign taking the room before it re-allocates.
 */
export type AdjustCampaignBudget = Command<'AdjustCampaignBudget', OfCampaign & { readonly budgetMinor: string }>;

export type SuspendContract = Command<'SuspendContract', WithReason>;
export type ResumeContract = Command<'ResumeContract', OfContract>;
export type TerminateContract = Command<'TerminateContract', WithReason>;
/** `reason` says why it expired now, such as the end date the scheduler saw pass. */
export type ExpireContract = Command<'ExpireContract', OfContract & { readonly reason?: string }>;

export type ContractCommand =
  | DraftContract
  | ReviseContractDraft
  | SubmitContract
  | ApproveContract
  | RejectContract
  | SignContract
  | ProposeAmendment
  | ApproveAmendment
  | RejectAmendment
  | EnableExternalLink
  | DisableExternalLink
  | AllocateCampaignBudget
  | ReleaseCampaignBudget
  | AdjustCampaignBudget
  | SuspendContract
  | ResumeContract
  | TerminateContract
  | ExpireContract;
