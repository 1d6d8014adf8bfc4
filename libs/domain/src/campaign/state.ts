import type { Instant, Recorded } from '../shared';
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
  readonly spentMinor: string;
  /** Recorded spend batches by batchId, so a retried report is recognised (and a conflicting one refused). */
  readonly spendBatches: Readonly<Record<string, CampaignSpendBatch>>;
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

export const evolve = (state: Campaign, event: Recorded<CampaignEvent>): Campaign => {
  switch (event.type) {
    case 'CampaignCreated':
      return {
        ...event.data,
        status: 'Draft',
        createdBy: event.metadata.actor.userId,
        spentMinor: '0',
        spendBatches: {},
      };
    case 'CampaignSubmitted':
      return { ...existing(state, event), status: 'Submitted', submittedBy: event.metadata.actor.userId };
    case 'CampaignApproved':
      return { ...existing(state, event), status: 'Approved' };
    case 'CampaignRejected':
      return { ...existing(state, event), status: 'Rejected' };
    case 'CampaignLaunched':
      return { ...existing(state, event), status: 'Live' };
    case 'CampaignPaused':
      return { ...existing(state, event), status: 'Paused' };
    case 'CampaignResumed':
      return { ...existing(state, event), status: 'Live' };
    case 'CampaignBudgetChanged':
      return { ...existing(state, event), budgetMinor: event.data.budgetMinor };
    case 'CampaignSpendReported': {
      const campaign = existing(state, event);
      const { batchId, amountMinor, periodStart, periodEnd } = event.data;
      return {
        ...campaign,
        spentMinor: (BigInt(campaign.spentMinor) + BigInt(amountMinor)).toString(),
        spendBatches: { ...campaign.spendBatches, [batchId]: { amountMinor, periodStart, periodEnd } },
      };
    }
    case 'CampaignSuspendedByPolicy':
      return { ...existing(state, event), status: 'PolicySuspended' };
    case 'CampaignCompleted':
      return { ...existing(state, event), status: 'Completed' };
  }
};
