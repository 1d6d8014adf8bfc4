import type { Instant, Recorded } from '../shared';
import { putOwn } from '../shared';
import type { CampaignEvent, CampaignLinkTarget } from './events';

export type CampaignStatus =
  'Draft' | 'Submitted' | 'Approved' | 'Rejected' | 'Live' | 'Paused' | 'PolicySuspended' | 'Completed';

export interface CampaignSpendBatch {
  readonly amountMinor: string;
  readonly periodStart: Instant;
  readonly periodEnd: Instant;
}

export interface CampaignDetails {
  readonly campaignId: string;
  readonly contractId: string;
  readonly advertiserId: string;
  readonly category: string;
  readonly budgetMinor: string;
  readonly startsAt: Instant;
  readonly endsAt: Instant;
  readonly linkTarget?: CampaignLinkTarget;
  readonly adLabel: string;
  /** Four eyes: neither the creator nor the submitter may review the campaign. */
  readonly createdBy: string;
  readonly submittedBy?: string;
  /** Billable spend: never more than the budget, which the contract allocated to the campaign. */
  readonly spentMinor: string;
  /** Delivery reported beyond the budget: recorded for finance, not billable. */
  readonly overdeliveredMinor: string;
  /** Recorded spend batches by batchId, so a retried report is recognised (and a conflicting one refused). */
  readonly spendBatches: Readonly<Record<string, CampaignSpendBatch>>;
  /**
   * When the campaign was serving, oldest first: from each launch or resumption to the pause,
   * suspension or completion that ended it (`until` absent while it is live). Spend is accepted
   * for a period that overlaps one of them, however late it is reported.
   */
  readonly liveIntervals: readonly LiveInterval[];
}

export interface LiveInterval {
  readonly from: Instant;
  readonly until?: Instant;
}

export type Campaign = { readonly status: 'None' } | (CampaignDetails & { readonly status: CampaignStatus });

export type ExistingCampaign = Exclude<Campaign, { status: 'None' }>;

export const CAMPAIGN_FINAL_STATUSES: readonly CampaignStatus[] = ['Rejected', 'Completed'];

export const initialState: Campaign = { status: 'None' };

// A stream whose first event is not CampaignCreated is corrupt, not a business situation.
const existing = (state: Campaign, event: Recorded<CampaignEvent>): ExistingCampaign => {
  if (state.status === 'None') throw new Error(`${event.type} cannot precede CampaignCreated in a campaign stream`);
  return state;
};

/**
 * Linear in the events: the spend batches and live intervals are the fold's own (see
 * Decider.evolve) and grow in place, so a campaign with years of hourly spend reports folds
 * without copying them per event.
 */
export const evolve = (state: Campaign, event: Recorded<CampaignEvent>): Campaign => {
  const at = event.metadata.recordedAt;
  switch (event.type) {
    case 'CampaignCreated':
      return {
        ...event.data,
        status: 'Draft',
        createdBy: event.metadata.actor.userId,
        spentMinor: '0',
        overdeliveredMinor: '0',
        spendBatches: {},
        liveIntervals: [],
      };
    case 'CampaignSubmitted':
      return { ...existing(state, event), status: 'Submitted', submittedBy: event.metadata.actor.userId };
    case 'CampaignApproved':
      return { ...existing(state, event), status: 'Approved' };
    case 'CampaignRejected':
      return { ...existing(state, event), status: 'Rejected' };
    case 'CampaignLaunched':
    case 'CampaignResumed':
      return goLive(existing(state, event), at);
    case 'CampaignPaused':
      return stopServing(existing(state, event), 'Paused', at);
    case 'CampaignSuspendedByPolicy':
      return stopServing(existing(state, event), 'PolicySuspended', at);
    case 'CampaignCompleted':
      return stopServing(existing(state, event), 'Completed', at);
    case 'CampaignBudgetChanged':
      return { ...existing(state, event), budgetMinor: event.data.budgetMinor };
    case 'CampaignSpendReported': {
      const campaign = existing(state, event);
      const { batchId, amountMinor, periodStart, periodEnd } = event.data;
      // Reports recorded before spend was split count as billable in full, as they were then.
      const billable = event.data.billableMinor ?? amountMinor;
      const overdelivered = event.data.overdeliveredMinor ?? '0';
      putOwn(campaign.spendBatches, batchId, { amountMinor, periodStart, periodEnd });
      return {
        ...campaign,
        spentMinor: (BigInt(campaign.spentMinor) + BigInt(billable)).toString(),
        overdeliveredMinor: (BigInt(campaign.overdeliveredMinor) + BigInt(overdelivered)).toString(),
      };
    }
  }
};

const goLive = (campaign: ExistingCampaign, at: Instant): ExistingCampaign => {
  const last = campaign.liveIntervals[campaign.liveIntervals.length - 1];
  if (last === undefined || last.until !== undefined) (campaign.liveIntervals as LiveInterval[]).push({ from: at });
  return { ...campaign, status: 'Live' };
};

const stopServing = (campaign: ExistingCampaign, status: CampaignStatus, at: Instant): ExistingCampaign => {
  const intervals = campaign.liveIntervals as LiveInterval[];
  const last = intervals[intervals.length - 1];
  if (last !== undefined && last.until === undefined) intervals[intervals.length - 1] = { from: last.from, until: at };
  return { ...campaign, status };
};
