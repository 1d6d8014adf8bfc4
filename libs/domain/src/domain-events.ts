import { ADVERTISER_EVENT_TYPES, type AdvertiserEvent } from './advertiser';
import { CAMPAIGN_EVENT_TYPES, type CampaignEvent } from './campaign';
import { CATEGORY_APPROVAL_EVENT_TYPES, type CategoryApprovalEvent } from './category-approval';
import { CONTRACT_EVENT_TYPES, type ContractEvent } from './contract';
import { PLATFORM_POLICY_EVENT_TYPES, type PlatformPolicyEvent } from './platform-policy';

/** Every event the deciders record, of every aggregate. */
export type DomainEvent = PlatformPolicyEvent | AdvertiserEvent | CategoryApprovalEvent | ContractEvent | CampaignEvent;

export type DomainEventType = DomainEvent['type'];

/** Every stored event type name, aggregate by aggregate: what read models must each handle or ignore. */
export const DOMAIN_EVENT_TYPES: readonly DomainEventType[] = [
  ...PLATFORM_POLICY_EVENT_TYPES,
  ...ADVERTISER_EVENT_TYPES,
  ...CATEGORY_APPROVAL_EVENT_TYPES,
  ...CONTRACT_EVENT_TYPES,
  ...CAMPAIGN_EVENT_TYPES,
];
