import { eventTypesOf, type Event, type Instant } from '../shared';

export interface CampaignLinkTarget {
  readonly platform: string;
  readonly url: string;
}

export type CampaignCreated = Event<
  'CampaignCreated',
  {
    readonly campaignId: string;
    readonly contractId: string;
    readonly advertiserId: string;
    readonly category: string;
    /** Decimal string of integer minor units, in the contract's currency. */
    readonly budgetMinor: string;
    readonly startsAt: Instant;
    readonly endsAt: Instant;
    readonly linkTarget?: CampaignLinkTarget;
    readonly adLabel: string;
  }
>;
export type CampaignSubmitted = Event<'CampaignSubmitted', { readonly campaignId: string }>;
export type CampaignApproved = Event<'CampaignApproved', { readonly campaignId: string }>;
/** Carries the budget so the shell can release the whole allocation on the contract. */
export type CampaignRejected = Event<
  'CampaignRejected',
  { readonly campaignId: string; readonly reason: string; readonly budgetMinor: string }
>;
export type CampaignLaunched = Event<'CampaignLaunched', { readonly campaignId: string }>;
export type CampaignPaused = Event<'CampaignPaused', { readonly campaignId: string; readonly reason: string }>;
export type CampaignResumed = Event<'CampaignResumed', { readonly campaignId: string }>;
/** Carries both amounts so the shell can re-allocate the difference on the contract. */
export type CampaignBudgetChanged = Event<
  'CampaignBudgetChanged',
  { readonly campaignId: string; readonly budgetMinor: string; readonly previousBudgetMinor: string }
>;
/**
 * Delivery ad serving reported: `amountMinor` = `billableMinor` + `overdeliveredMinor`. The split is
 * always recorded now; a report stored before it existed lacks both and was billable in full.
 */
export type CampaignSpendReported = Event<
  'CampaignSpendReported',
  {
    readonly campaignId: string;
    readonly batchId: string;
    readonly amountMinor: string;
    readonly periodStart: Instant;
    readonly periodEnd: Instant;
    /** The part within the campaign's remaining budget. */
    readonly billableMinor?: string;
    /** The part beyond it: recorded for finance, never billed. */
    readonly overdeliveredMinor?: string;
  }
>;
export type CampaignSuspendedByPolicy = Event<
  'CampaignSuspendedByPolicy',
  { readonly campaignId: string; readonly cause: string }
>;
/**
 * Carries the unspent budget so the shell can release it on the contract. `reason` is absent from
 * completions recorded before it existed, and from those given none.
 */
export type CampaignCompleted = Event<
  'CampaignCompleted',
  {
    readonly campaignId: string;
    readonly spentMinor: string;
    readonly unspentMinor: string;
    readonly reason?: string;
  }
>;

export type CampaignEvent =
  | CampaignCreated
  | CampaignSubmitted
  | CampaignApproved
  | CampaignRejected
  | CampaignLaunched
  | CampaignPaused
  | CampaignResumed
  | CampaignBudgetChanged
  | CampaignSpendReported
  | CampaignSuspendedByPolicy
  | CampaignCompleted;

/** Every CampaignEvent type name. */
export const CAMPAIGN_EVENT_TYPES = eventTypesOf<CampaignEvent>({
  CampaignCreated: true,
  CampaignSubmitted: true,
  CampaignApproved: true,
  CampaignRejected: true,
  CampaignLaunched: true,
  CampaignPaused: true,
  CampaignResumed: true,
  CampaignBudgetChanged: true,
  CampaignSpendReported: true,
  CampaignSuspendedByPolicy: true,
  CampaignCompleted: true,
});
