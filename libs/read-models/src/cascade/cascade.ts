import { createHash } from 'node:crypto';
import { campaignStreamId, contractStreamId, type CampaignStatus, type ContractStatus } from '#domain';
import {
  contractStatusAfter,
  enabledLinksAfter,
  unknownEventType,
  type DomainEvent,
  type EventInterest,
} from '../engine/domain-events';

/*
 * The revocation cascade as a process manager: when something a link or a campaign depends on is
 * withdrawn, it disables the links and suspends the campaigns that depended on it. The link
 * permissions already deny in the same commit as the cause; these commands bring the contracts
 * and campaigns themselves in line, with the cause recorded as their causation.
 */

export interface CascadeContract {
  readonly contractId: string;
  readonly advertiserId: string;
  readonly status: Exclude<ContractStatus, 'None'>;
  readonly enabledLinks: Readonly<Record<string, readonly string[]>>;
}

export interface CascadeCampaign {
  readonly campaignId: string;
  readonly contractId: string;
  readonly advertiserId: string;
  readonly category: string;
  readonly linkPlatform: string | null;
  readonly status: CampaignStatus;
}

/** Campaigns the policy can still stop; suspended, rejected and completed ones need nothing. */
const OPEN_CAMPAIGN: ReadonlySet<CampaignStatus> = new Set(['Draft', 'Submitted', 'Approved', 'Live', 'Paused']);

export const evolveCascadeContract = (
  contract: CascadeContract | undefined,
  event: DomainEvent,
): CascadeContract | undefined => {
  if (event.type === 'ContractDrafted') {
    const { contractId, advertiserId } = event.data;
    return { contractId, advertiserId, status: 'Draft', enabledLinks: {} };
  }
  if (contract === undefined) return undefined;
  const status = contractStatusAfter(event);
  if (status !== undefined) return { ...contract, status };
  const enabledLinks = enabledLinksAfter(contract.enabledLinks, event);
  if (enabledLinks !== undefined) return { ...contract, enabledLinks };
  switch (event.type) {
    case 'ContractDraftRevised':
      return { ...contract, status: 'Draft' };
    default:
      return contract;
  }
};

export const evolveCascadeCampaign = (
  campaign: CascadeCampaign | undefined,
  event: DomainEvent,
): CascadeCampaign | undefined => {
  if (event.type === 'CampaignCreated') {
    const { campaignId, contractId, advertiserId, category, linkTarget } = event.data;
    return {
      campaignId,
      contractId,
      advertiserId,
      category,
      linkPlatform: linkTarget?.platform ?? null,
      status: 'Draft',
    };
  }
  if (campaign === undefined) return undefined;
  const status = CAMPAIGN_STATUS_AFTER[event.type];
  return status === undefined ? campaign : { ...campaign, status };
};

const CAMPAIGN_STATUS_AFTER: Readonly<Record<string, CampaignStatus>> = {
  CampaignSubmitted: 'Submitted',
  CampaignApproved: 'Approved',
  CampaignRejected: 'Rejected',
  CampaignLaunched: 'Live',
  CampaignPaused: 'Paused',
  CampaignResumed: 'Live',
  CampaignSuspendedByPolicy: 'PolicySuspended',
  CampaignCompleted: 'Completed',
};

/**
 * What the cascade follows: the causes it reacts to (causeOf) and the contracts' and campaigns'
 * status and links it keeps to find what depends on a cause (cascadeSubjectOf).
 */
export const CASCADE_EVENTS: EventInterest = {
  LinkPlatformRegistered: 'ignores',
  LinkPlatformDomainsChanged: 'ignores',
  LinkPlatformSuspended: 'handles',
  LinkPlatformReinstated: 'ignores',
  LinkEligibleCategoryAdded: 'ignores',
  LinkEligibleCategoryRemoved: 'ignores',
  CommercialLoadCapSet: 'ignores',
  AdvertiserRegistered: 'ignores',
  AdvertiserVerified: 'ignores',
  AdvertiserVerificationRejected: 'ignores',
  KaTierChanged: 'ignores',
  AdvertiserSuspended: 'handles',
  AdvertiserReinstated: 'ignores',
  CategoryApprovalRequested: 'ignores',
  CategoryApproved: 'ignores',
  CategoryApprovalRejected: 'ignores',
  CategoryApprovalRevoked: 'handles',
  CategoryApprovalExpired: 'handles',
  ContractDrafted: 'handles',
  ContractDraftRevised: 'handles',
  ContractSubmitted: 'handles',
  ContractApproved: 'handles',
  ContractRejected: 'handles',
  ContractSigned: 'handles',
  ContractAmendmentProposed: 'ignores',
  ContractAmendmentApproved: 'ignores',
  ContractAmendmentRejected: 'ignores',
  ExternalLinkEnabled: 'handles',
  ExternalLinkDisabled: 'handles',
  CampaignBudgetAllocated: 'ignores',
  CampaignBudgetReleased: 'ignores',
  ContractSuspended: 'handles',
  ContractResumed: 'handles',
  ContractTerminated: 'handles',
  ContractExpired: 'handles',
  CampaignCreated: 'handles',
  CampaignSubmitted: 'handles',
  CampaignApproved: 'handles',
  CampaignRejected: 'handles',
  CampaignLaunched: 'handles',
  CampaignPaused: 'handles',
  CampaignResumed: 'handles',
  CampaignBudgetChanged: 'ignores',
  CampaignSpendReported: 'ignores',
  CampaignSuspendedByPolicy: 'handles',
  CampaignCompleted: 'handles',
};

/** Which contract or campaign an event changes in the cascade's own state. */
export const cascadeSubjectOf = (
  event: DomainEvent,
): { readonly kind: 'contract' | 'campaign'; readonly id: string } | undefined => {
  switch (event.type) {
    case 'ContractDrafted':
    case 'ContractDraftRevised':
    case 'ContractSubmitted':
    case 'ContractApproved':
    case 'ContractRejected':
    case 'ContractSigned':
    case 'ContractSuspended':
    case 'ContractResumed':
    case 'ContractTerminated':
    case 'ContractExpired':
    case 'ExternalLinkEnabled':
    case 'ExternalLinkDisabled':
      return { kind: 'contract', id: event.data.contractId };
    case 'CampaignCreated':
    case 'CampaignSubmitted':
    case 'CampaignApproved':
    case 'CampaignRejected':
    case 'CampaignLaunched':
    case 'CampaignPaused':
    case 'CampaignResumed':
    case 'CampaignSuspendedByPolicy':
    case 'CampaignCompleted':
      return { kind: 'campaign', id: event.data.campaignId };
    case 'LinkPlatformRegistered':
    case 'LinkPlatformDomainsChanged':
    case 'LinkPlatformSuspended':
    case 'LinkPlatformReinstated':
    case 'LinkEligibleCategoryAdded':
    case 'LinkEligibleCategoryRemoved':
    case 'CommercialLoadCapSet':
    case 'AdvertiserRegistered':
    case 'AdvertiserVerified':
    case 'AdvertiserVerificationRejected':
    case 'KaTierChanged':
    case 'AdvertiserSuspended':
    case 'AdvertiserReinstated':
    case 'CategoryApprovalRequested':
    case 'CategoryApproved':
    case 'CategoryApprovalRejected':
    case 'CategoryApprovalRevoked':
    case 'CategoryApprovalExpired':
    case 'ContractAmendmentProposed':
    case 'ContractAmendmentApproved':
    case 'ContractAmendmentRejected':
    case 'CampaignBudgetAllocated':
    case 'CampaignBudgetReleased':
    case 'CampaignBudgetChanged':
    case 'CampaignSpendReported':
      return undefined;
    default:
      return unknownEventType(event);
  }
};

/** Something withdrawn that links or campaigns depended on. */
export type Cause =
  | { readonly kind: 'category'; readonly advertiserId: string; readonly category: string; readonly why: string }
  | { readonly kind: 'platform'; readonly platform: string; readonly why: string }
  | { readonly kind: 'advertiser'; readonly advertiserId: string; readonly why: string }
  | { readonly kind: 'contract'; readonly contractId: string; readonly why: string };

// Expiries recorded before they carried a reason, or given none, are worded as before.
const withReason = (what: string, reason: string | undefined): string =>
  reason === undefined ? what : `${what}: ${reason}`;

export const causeOf = (event: DomainEvent): Cause | undefined => {
  switch (event.type) {
    case 'CategoryApprovalRevoked': {
      const { advertiserId, category, reason } = event.data;
      return { kind: 'category', advertiserId, category, why: `approval of category ${category} revoked: ${reason}` };
    }
    case 'CategoryApprovalExpired': {
      const { advertiserId, category, reason } = event.data;
      return {
        kind: 'category',
        advertiserId,
        category,
        why: withReason(`approval of category ${category} expired`, reason),
      };
    }
    case 'LinkPlatformSuspended':
      return {
        kind: 'platform',
        platform: event.data.platform,
        why: `platform ${event.data.platform} suspended: ${event.data.reason}`,
      };
    case 'AdvertiserSuspended':
      return {
        kind: 'advertiser',
        advertiserId: event.data.advertiserId,
        why: `advertiser suspended: ${event.data.reason}`,
      };
    case 'ContractSuspended':
      return { kind: 'contract', contractId: event.data.contractId, why: `contract suspended: ${event.data.reason}` };
    case 'ContractTerminated':
      return { kind: 'contract', contractId: event.data.contractId, why: `contract terminated: ${event.data.reason}` };
    case 'ContractExpired':
      return {
        kind: 'contract',
        contractId: event.data.contractId,
        why: withReason('contract expired', event.data.reason),
      };
    // A withdrawal undone (a reinstatement, a new approval) gives back nothing by itself: compliance
    // enables links again and sales creates or resumes campaigns deliberately.
    case 'LinkPlatformRegistered':
    case 'LinkPlatformDomainsChanged':
    case 'LinkPlatformReinstated':
    case 'LinkEligibleCategoryAdded':
    case 'LinkEligibleCategoryRemoved':
    case 'CommercialLoadCapSet':
    case 'AdvertiserRegistered':
    case 'AdvertiserVerified':
    case 'AdvertiserVerificationRejected':
    case 'KaTierChanged':
    case 'AdvertiserReinstated':
    case 'CategoryApprovalRequested':
    case 'CategoryApproved':
    case 'CategoryApprovalRejected':
    case 'ContractDrafted':
    case 'ContractDraftRevised':
    case 'ContractSubmitted':
    case 'ContractApproved':
    case 'ContractRejected':
    case 'ContractSigned':
    case 'ContractAmendmentProposed':
    case 'ContractAmendmentApproved':
    case 'ContractAmendmentRejected':
    case 'ExternalLinkEnabled':
    case 'ExternalLinkDisabled':
    case 'CampaignBudgetAllocated':
    case 'CampaignBudgetReleased':
    case 'ContractResumed':
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

/**
 * Whether a later event on the cause's own stream withdrew the cause before the cascade acted on it
 * (a reactor catching up after downtime must not disable what compliance has since re-approved).
 */
export const undoes = (cause: DomainEvent, later: DomainEvent): boolean => {
  switch (cause.type) {
    case 'CategoryApprovalRevoked':
    case 'CategoryApprovalExpired':
      return later.type === 'CategoryApproved';
    case 'LinkPlatformSuspended':
      return later.type === 'LinkPlatformReinstated' && later.data.platform === cause.data.platform;
    case 'AdvertiserSuspended':
      return later.type === 'AdvertiserReinstated';
    case 'ContractSuspended':
      return later.type === 'ContractResumed';
    default:
      return false;
  }
};

export type CascadeCommand =
  | {
      readonly type: 'DisableExternalLink';
      readonly data: { readonly contractId: string; readonly platform: string; readonly reason: string };
    }
  | {
      readonly type: 'SuspendCampaignByPolicy';
      readonly data: { readonly campaignId: string; readonly cause: string };
    };

export interface Reaction {
  readonly targetStream: string;
  readonly command: CascadeCommand;
}

/**
 * The commands a cause calls for, given the contracts and campaigns that might depend on it (the
 * shell may pass more than necessary; this decides exactly). Whole-platform disabling is the only
 * tool for a revoked category: DisableExternalLink withdraws a platform's link with every category
 * on it, and the link can be enabled again for the categories still approved.
 */
export const reactionsTo = (
  cause: Cause,
  contracts: readonly CascadeContract[],
  campaigns: readonly CascadeCampaign[],
): Reaction[] => {
  const linkDepends = (contract: CascadeContract, platform: string, categories: readonly string[]): boolean => {
    switch (cause.kind) {
      case 'category':
        return contract.advertiserId === cause.advertiserId && categories.includes(cause.category);
      case 'platform':
        return platform === cause.platform;
      case 'advertiser':
        return contract.advertiserId === cause.advertiserId;
      case 'contract':
        return contract.contractId === cause.contractId;
    }
  };
  const campaignDepends = (campaign: CascadeCampaign): boolean => {
    switch (cause.kind) {
      case 'category':
        return campaign.advertiserId === cause.advertiserId && campaign.category === cause.category;
      case 'platform':
        return campaign.linkPlatform === cause.platform;
      case 'advertiser':
        return campaign.advertiserId === cause.advertiserId;
      case 'contract':
        return campaign.contractId === cause.contractId;
    }
  };
  const reactions: Reaction[] = [];
  for (const contract of [...contracts].sort((a, b) => compare(a.contractId, b.contractId))) {
    for (const platform of Object.keys(contract.enabledLinks).sort(compare)) {
      if (!linkDepends(contract, platform, contract.enabledLinks[platform]!)) continue;
      reactions.push({
        targetStream: contractStreamId(contract.contractId),
        command: {
          type: 'DisableExternalLink',
          data: { contractId: contract.contractId, platform, reason: cause.why },
        },
      });
    }
  }
  for (const campaign of [...campaigns].sort((a, b) => compare(a.campaignId, b.campaignId))) {
    if (!OPEN_CAMPAIGN.has(campaign.status) || !campaignDepends(campaign)) continue;
    reactions.push({
      targetStream: campaignStreamId(campaign.campaignId),
      command: { type: 'SuspendCampaignByPolicy', data: { campaignId: campaign.campaignId, cause: cause.why } },
    });
  }
  return reactions;
};

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const NAMESPACE = Buffer.from('3f0d8c1e5b7a4e2f9c6d1a0b8e7f6a5d', 'hex');

/**
 * RFC 9562 version 5 UUID of (reactor, causing event, target stream, link platform): a replay after
 * a crash issues the same command id, which the command executor recognises on the target stream.
 * The platform is part of it because one cause may disable several links on one contract stream.
 */
export const reactionCommandId = (reactor: string, causeEventId: string, reaction: Reaction): string => {
  const platform = reaction.command.type === 'DisableExternalLink' ? reaction.command.data.platform : '';
  const bytes = createHash('sha1')
    .update(NAMESPACE)
    .update(`${reactor}\n${causeEventId}\n${reaction.targetStream}\n${platform}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
