import type { ContractStatus } from '#domain';
import {
  contractStatusAfter,
  enabledLinksAfter,
  unknownEventType,
  type EventInterest,
  type ProjectedEvent,
} from '../engine/domain-events';
import type { CategoryApprovalStatus } from '../ka-clients/ka-client';

/*
 * The inputs a link permission depends on, one small record per aggregate, each folded from its own
 * events by a pure function. The projection keeps them in helper tables so that a change to any
 * one input (a revoked category, a suspended platform) can recompute exactly the permissions that
 * depend on it, in the same transaction as the event.
 */

export interface PlatformInput {
  readonly platform: string;
  readonly allowedDomains: readonly string[];
  readonly suspended: boolean;
}

export interface EligibleCategoryInput {
  readonly category: string;
  readonly regulated: boolean;
}

export interface AdvertiserInput {
  readonly advertiserId: string;
  readonly verified: boolean;
  readonly suspended: boolean;
}

export interface ApprovalInput {
  readonly advertiserId: string;
  readonly category: string;
  readonly status: CategoryApprovalStatus;
  readonly validUntil: string;
  readonly licenceRef: string;
}

export interface ContractInput {
  readonly contractId: string;
  readonly advertiserId: string;
  readonly status: Exclude<ContractStatus, 'None'>;
  readonly startsOn: string;
  readonly endsOn: string;
  readonly categories: readonly string[];
  readonly platforms: readonly string[];
  readonly enabledLinks: Readonly<Record<string, readonly string[]>>;
}

/**
 * The events that change an input a link permission depends on. The load cap, the KA tier,
 * amendments still in discussion, budgets and campaigns change none: a link permission is about
 * the advertiser, the category, the contract and the platform, not about campaigns.
 */
export const LINK_PERMISSIONS_EVENTS: EventInterest = {
  LinkPlatformRegistered: 'handles',
  LinkPlatformDomainsChanged: 'handles',
  LinkPlatformSuspended: 'handles',
  LinkPlatformReinstated: 'handles',
  LinkEligibleCategoryAdded: 'handles',
  LinkEligibleCategoryRemoved: 'handles',
  CommercialLoadCapSet: 'ignores',
  AdvertiserRegistered: 'handles',
  AdvertiserVerified: 'handles',
  AdvertiserVerificationRejected: 'handles',
  KaTierChanged: 'ignores',
  AdvertiserSuspended: 'handles',
  AdvertiserReinstated: 'handles',
  CategoryApprovalRequested: 'handles',
  CategoryApproved: 'handles',
  CategoryApprovalRejected: 'handles',
  CategoryApprovalRevoked: 'handles',
  CategoryApprovalExpired: 'handles',
  ContractDrafted: 'handles',
  ContractDraftRevised: 'handles',
  ContractSubmitted: 'handles',
  ContractApproved: 'handles',
  ContractRejected: 'handles',
  ContractSigned: 'handles',
  ContractAmendmentProposed: 'ignores',
  ContractAmendmentApproved: 'handles',
  ContractAmendmentRejected: 'ignores',
  ExternalLinkEnabled: 'handles',
  ExternalLinkDisabled: 'handles',
  CampaignBudgetAllocated: 'ignores',
  CampaignBudgetReleased: 'ignores',
  ContractSuspended: 'handles',
  ContractResumed: 'handles',
  ContractTerminated: 'handles',
  ContractExpired: 'handles',
  CampaignCreated: 'ignores',
  CampaignSubmitted: 'ignores',
  CampaignApproved: 'ignores',
  CampaignRejected: 'ignores',
  CampaignLaunched: 'ignores',
  CampaignPaused: 'ignores',
  CampaignResumed: 'ignores',
  CampaignBudgetChanged: 'ignores',
  CampaignSpendReported: 'ignores',
  CampaignSuspendedByPolicy: 'ignores',
  CampaignCompleted: 'ignores',
};

/** Which input an event changes; undefined for the events LINK_PERMISSIONS_EVENTS ignores. */
export type InputKey =
  | { readonly kind: 'platform'; readonly platform: string }
  | { readonly kind: 'eligibleCategory'; readonly category: string }
  | { readonly kind: 'advertiser'; readonly advertiserId: string }
  | { readonly kind: 'approval'; readonly advertiserId: string; readonly category: string }
  | { readonly kind: 'contract'; readonly contractId: string };

export const inputKeyOf = (event: ProjectedEvent): InputKey | undefined => {
  switch (event.type) {
    case 'LinkPlatformRegistered':
    case 'LinkPlatformDomainsChanged':
    case 'LinkPlatformSuspended':
    case 'LinkPlatformReinstated':
      return { kind: 'platform', platform: event.data.platform };
    case 'LinkEligibleCategoryAdded':
    case 'LinkEligibleCategoryRemoved':
      return { kind: 'eligibleCategory', category: event.data.category };
    case 'AdvertiserRegistered':
    case 'AdvertiserVerified':
    case 'AdvertiserVerificationRejected':
    case 'AdvertiserSuspended':
    case 'AdvertiserReinstated':
      return { kind: 'advertiser', advertiserId: event.data.advertiserId };
    case 'CategoryApprovalRequested':
    case 'CategoryApproved':
    case 'CategoryApprovalRejected':
    case 'CategoryApprovalRevoked':
    case 'CategoryApprovalExpired':
      return { kind: 'approval', advertiserId: event.data.advertiserId, category: event.data.category };
    case 'ContractDrafted':
    case 'ContractDraftRevised':
    case 'ContractSubmitted':
    case 'ContractApproved':
    case 'ContractRejected':
    case 'ContractSigned':
    case 'ContractAmendmentApproved':
    case 'ExternalLinkEnabled':
    case 'ExternalLinkDisabled':
    case 'ContractSuspended':
    case 'ContractResumed':
    case 'ContractTerminated':
    case 'ContractExpired':
      return { kind: 'contract', contractId: event.data.contractId };
    case 'CommercialLoadCapSet':
    case 'KaTierChanged':
    case 'ContractAmendmentProposed':
    case 'ContractAmendmentRejected':
    case 'CampaignBudgetAllocated':
    case 'CampaignBudgetReleased':
    case 'CampaignCreated':
    case 'CampaignSubmitted':
    case 'CampaignApproved':
    case 'CampaignRejected':
    case 'CampaignLaunched':
    case 'CampaignPaused':
    case 'CampaignResumed':
    case 'CampaignBudgetChanged':
    case 'CampaignSpendReported':
    case 'CampaignSuspendedByPolicy':
    case 'CampaignCompleted':
      return undefined;
    default:
      return unknownEventType(event);
  }
};

/** Events whose input does not depend on what came before: a batch that starts with one need not read the old row. */
export const startsInput = (event: ProjectedEvent): boolean =>
  event.type === 'AdvertiserRegistered' ||
  event.type === 'CategoryApprovalRequested' ||
  event.type === 'ContractDrafted' ||
  event.type === 'LinkPlatformRegistered' ||
  event.type === 'LinkEligibleCategoryAdded';

export const evolvePlatform = (
  platform: PlatformInput | undefined,
  event: ProjectedEvent,
): PlatformInput | undefined => {
  switch (event.type) {
    case 'LinkPlatformRegistered':
      return { platform: event.data.platform, allowedDomains: event.data.allowedDomains, suspended: false };
    case 'LinkPlatformDomainsChanged':
      return platform && { ...platform, allowedDomains: event.data.allowedDomains };
    case 'LinkPlatformSuspended':
      return platform && { ...platform, suspended: true };
    case 'LinkPlatformReinstated':
      return platform && { ...platform, suspended: false };
    default:
      return platform;
  }
};

/** Undefined means not link-eligible: removal deletes the helper row. */
export const evolveEligibleCategory = (
  category: EligibleCategoryInput | undefined,
  event: ProjectedEvent,
): EligibleCategoryInput | undefined => {
  switch (event.type) {
    case 'LinkEligibleCategoryAdded':
      return { category: event.data.category, regulated: event.data.regulated };
    case 'LinkEligibleCategoryRemoved':
      return undefined;
    default:
      return category;
  }
};

export const evolveAdvertiser = (
  advertiser: AdvertiserInput | undefined,
  event: ProjectedEvent,
): AdvertiserInput | undefined => {
  switch (event.type) {
    case 'AdvertiserRegistered':
      return { advertiserId: event.data.advertiserId, verified: false, suspended: false };
    case 'AdvertiserVerified':
      return advertiser && { ...advertiser, verified: true };
    case 'AdvertiserVerificationRejected':
      return advertiser && { ...advertiser, verified: false };
    case 'AdvertiserSuspended':
      return advertiser && { ...advertiser, suspended: true };
    case 'AdvertiserReinstated':
      return advertiser && { ...advertiser, suspended: false };
    default:
      return advertiser;
  }
};

export const evolveApproval = (
  approval: ApprovalInput | undefined,
  event: ProjectedEvent,
): ApprovalInput | undefined => {
  switch (event.type) {
    case 'CategoryApprovalRequested': {
      const { advertiserId, category, validUntil, licenceRef } = event.data;
      return { advertiserId, category, status: 'Requested', validUntil, licenceRef };
    }
    case 'CategoryApproved':
      return approval && { ...approval, status: 'Approved', validUntil: event.data.validUntil };
    case 'CategoryApprovalRejected':
      return approval && { ...approval, status: 'Rejected' };
    case 'CategoryApprovalRevoked':
      return approval && { ...approval, status: 'Revoked' };
    case 'CategoryApprovalExpired':
      return approval && { ...approval, status: 'Expired' };
    default:
      return approval;
  }
};

export const evolveContract = (
  contract: ContractInput | undefined,
  event: ProjectedEvent,
): ContractInput | undefined => {
  if (event.type === 'ContractDrafted') {
    const { contractId, advertiserId, startsOn, endsOn, categories, platforms } = event.data;
    return { contractId, advertiserId, status: 'Draft', startsOn, endsOn, categories, platforms, enabledLinks: {} };
  }
  if (contract === undefined) return undefined;
  const status = contractStatusAfter(event);
  if (status !== undefined) return { ...contract, status };
  const enabledLinks = enabledLinksAfter(contract.enabledLinks, event);
  if (enabledLinks !== undefined) return { ...contract, enabledLinks };
  switch (event.type) {
    case 'ContractDraftRevised': {
      const { startsOn, endsOn, categories, platforms } = event.data;
      return {
        ...contract,
        status: 'Draft',
        startsOn: startsOn ?? contract.startsOn,
        endsOn: endsOn ?? contract.endsOn,
        categories: categories ?? contract.categories,
        platforms: platforms ?? contract.platforms,
      };
    }
    case 'ContractAmendmentApproved': {
      const { startsOn, endsOn, categories, platforms } = event.data;
      return { ...contract, startsOn, endsOn, categories, platforms };
    }
    default:
      return contract;
  }
};
