import type { Decider } from '../shared';
import type { CampaignCommand } from './commands';
import { decide } from './decide';
import type { CampaignFacts } from './decide';
import type { CampaignEvent } from './events';
import { evolve, initialState } from './state';
import type { Campaign } from './state';

export type * from './commands';
export * from './events';
export type { Campaign, CampaignDetails, CampaignSpendBatch, CampaignStatus, ExistingCampaign } from './state';
export { CAMPAIGN_FINAL_STATUSES } from './state';
export type { CampaignFactName, CampaignFacts } from './decide';
export { AD_LABEL_MAX_LENGTH, SPEND_PAUSE_REASONS, factsNeeded as campaignFactsNeeded } from './decide';
export { linkTargetAllowed } from './link-target';
export type { LinkTargetVerdict } from './link-target';

export const campaignStreamId = (campaignId: string): string => `campaign-${campaignId}`;

export const campaignDecider: Decider<CampaignCommand, CampaignEvent, Campaign, CampaignFacts> = {
  initialState,
  evolve,
  decide,
};
