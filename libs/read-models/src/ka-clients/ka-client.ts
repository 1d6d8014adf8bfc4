import { termsOf, type CampaignStatus, type ContractStatus, type KaTier } from '#domain';
import {
  contractStatusAfter,
  unknownEventType,
  type EventInterest,
  type ProjectedEvent,
} from '../engine/domain-events';

export type Verification = 'Pending' | 'Verified' | 'Rejected';
export type CategoryApprovalStatus = 'Requested' | 'Approved' | 'Rejected' | 'Revoked' | 'Expired';

export interface KaClientCategory {
  readonly status: CategoryApprovalStatus;
  /** The licence's last valid day; kept through revocation so the history reads naturally. */
  readonly validUntil: string;
  readonly licenceRef: string;
}

export interface KaClientContract {
  readonly contractId: string;
  readonly status: Exclude<ContractStatus, 'None'>;
  /** 1 for the terms as first approved; each approved amendment is the next version. */
  readonly version: number;
  readonly pendingAmendmentVersion: number | null;
  readonly currency: string;
  readonly totalValueMinor: string;
  /** Budget campaigns hold on the contract. */
  readonly allocatedMinor: string;
  /** Billable spend reported by the contract's campaigns: never more than their budgets. */
  readonly spentMinor: string;
  /** Delivery reported beyond the campaigns' budgets: recorded for finance, not billable. */
  readonly overdeliveredMinor: string;
  /** Value not yet spent: totalValueMinor - spentMinor. */
  readonly remainingMinor: string;
  /** Value no campaign holds yet: totalValueMinor - allocatedMinor. */
  readonly unallocatedMinor: string;
  readonly startsOn: string;
  readonly endsOn: string;
  readonly categories: readonly string[];
  readonly platforms: readonly string[];
  /** Platform -> categories with external links enabled. */
  readonly enabledLinks: Readonly<Record<string, readonly string[]>>;
}

/**
 * What the projection needs to know about each campaign to count them and route their spend: a row
 * of its own (ka_client_campaigns), so a campaign event reads and writes one campaign, never the
 * client's whole list.
 */
export interface KaClientCampaign {
  readonly campaignId: string;
  readonly advertiserId: string;
  readonly contractId: string;
  readonly category: string;
  readonly status: CampaignStatus;
  /** Position of the last event that changed the campaign. */
  readonly position: string;
}

/** One per KA advertiser: everything a downstream service or a salesperson asks about a client. */
export interface KaClient {
  readonly advertiserId: string;
  readonly legalName: string;
  readonly registrationNumber: string;
  readonly kaTier: KaTier;
  readonly salesOwnerId: string;
  readonly verification: Verification;
  readonly verificationRejectedReason: string | null;
  readonly suspended: boolean;
  readonly suspensionReason: string | null;
  readonly categories: Readonly<Record<string, KaClientCategory>>;
  readonly contracts: Readonly<Record<string, KaClientContract>>;
  /** Kept by ±1 as campaigns are created and change status: never recounted. */
  readonly campaignCounts: Readonly<Partial<Record<CampaignStatus, number>>>;
  readonly registeredAt: string;
  readonly updatedAt: string;
  /** Position of the last event that changed the row. */
  readonly position: string;
}

/**
 * The client's own row: everything but its contracts, which are rows of their own
 * (ka_client_contracts), so a contract event reads and writes one contract, never the client's
 * whole list (a key account signs many over the years).
 */
export type KaClientRow = Omit<KaClient, 'contracts'>;

/** How an event finds its row: by advertiser directly, or through the contract or campaign it names. */
export type KaClientRoute =
  { readonly by: 'advertiser'; readonly id: string } | { readonly by: 'contract' | 'campaign'; readonly id: string };

/**
 * What the client rows show: everything about the client but the platform policy, which is about no
 * single client, and campaign budget changes, since the budget lives on the contract as allocations.
 */
export const KA_CLIENTS_EVENTS: EventInterest = {
  LinkPlatformRegistered: 'ignores',
  LinkPlatformDomainsChanged: 'ignores',
  LinkPlatformSuspended: 'ignores',
  LinkPlatformReinstated: 'ignores',
  LinkEligibleCategoryAdded: 'ignores',
  LinkEligibleCategoryRemoved: 'ignores',
  CommercialLoadCapSet: 'ignores',
  AdvertiserRegistered: 'handles',
  AdvertiserVerified: 'handles',
  AdvertiserVerificationRejected: 'handles',
  KaTierChanged: 'handles',
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
  ContractAmendmentProposed: 'handles',
  ContractAmendmentApproved: 'handles',
  ContractAmendmentRejected: 'handles',
  ExternalLinkEnabled: 'handles',
  ExternalLinkDisabled: 'handles',
  CampaignBudgetAllocated: 'handles',
  CampaignBudgetReleased: 'handles',
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
  CampaignSpendReported: 'handles',
  CampaignSuspendedByPolicy: 'handles',
  CampaignCompleted: 'handles',
};

/** The row an event belongs to, or undefined for the events KA_CLIENTS_EVENTS ignores. */
export const routeOf = (event: ProjectedEvent): KaClientRoute | undefined => {
  switch (event.type) {
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
    case 'ContractDrafted':
    case 'CampaignCreated':
      return { by: 'advertiser', id: event.data.advertiserId };
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
    case 'ContractSuspended':
    case 'ContractResumed':
    case 'ContractTerminated':
    case 'ContractExpired':
      return { by: 'contract', id: event.data.contractId };
    case 'CampaignSubmitted':
    case 'CampaignApproved':
    case 'CampaignRejected':
    case 'CampaignLaunched':
    case 'CampaignPaused':
    case 'CampaignResumed':
    case 'CampaignSpendReported':
    case 'CampaignSuspendedByPolicy':
    case 'CampaignCompleted':
      return { by: 'campaign', id: event.data.campaignId };
    case 'LinkPlatformRegistered':
    case 'LinkPlatformDomainsChanged':
    case 'LinkPlatformSuspended':
    case 'LinkPlatformReinstated':
    case 'LinkEligibleCategoryAdded':
    case 'LinkEligibleCategoryRemoved':
    case 'CommercialLoadCapSet':
    case 'CampaignBudgetChanged':
      return undefined;
    default:
      return unknownEventType(event);
  }
};

/** A contract or campaign a later event will be routed through, and the client it belongs to. */
export interface CreatedRoute {
  readonly by: 'contract' | 'campaign';
  readonly id: string;
  readonly advertiserId: string;
}

/** Contracts and campaigns enter the routing table with the event that creates them. */
export const routeCreatedBy = (event: ProjectedEvent): CreatedRoute | undefined => {
  if (event.type === 'ContractDrafted') {
    return { by: 'contract', id: event.data.contractId, advertiserId: event.data.advertiserId };
  }
  if (event.type === 'CampaignCreated') {
    return { by: 'campaign', id: event.data.campaignId, advertiserId: event.data.advertiserId };
  }
  return undefined;
};

/** The campaign an event is about, for the events that create or change one. */
export const campaignIdOf = (event: ProjectedEvent): string | undefined => {
  if (event.type === 'CampaignCreated') return event.data.campaignId;
  const route = routeOf(event);
  return route?.by === 'campaign' ? route.id : undefined;
};

/**
 * The contract an event changes, for the events that create or change one; a spend report names its
 * campaign's (`campaign`, as stored before the report).
 */
export const contractIdOf = (event: ProjectedEvent, campaign: KaClientCampaign | undefined): string | undefined => {
  if (event.type === 'ContractDrafted') return event.data.contractId;
  if (event.type === 'CampaignSpendReported') return campaign?.contractId;
  const route = routeOf(event);
  return route?.by === 'contract' ? route.id : undefined;
};

/** A client row and the campaign and contract an event names, before or after the event. */
export interface KaClientFold {
  readonly row: KaClientRow | undefined;
  readonly campaign: KaClientCampaign | undefined;
  readonly contract: KaClientContract | undefined;
}

/**
 * The row, the campaign and the contract after `event`, given the campaign `campaignIdOf(event)`
 * and the contract `contractIdOf(event, campaign)` name as stored before it. Pure: the SQL shell
 * loads what a batch touches, folds the batch through this, and writes back what changed
 * (unchanged values come back as the same objects). A change to a campaign or a contract is a
 * change of the client too (its updatedAt and position move). An event for a client not
 * registered (yet) changes nothing.
 */
export const applyKaClient = (
  row: KaClientRow | undefined,
  event: ProjectedEvent,
  campaign?: KaClientCampaign,
  contract?: KaClientContract,
): KaClientFold => {
  if (event.type === 'AdvertiserRegistered') {
    const { advertiserId, legalName, registrationNumber, kaTier, salesOwnerId } = event.data;
    return {
      row: {
        advertiserId,
        legalName,
        registrationNumber,
        kaTier,
        salesOwnerId,
        verification: 'Pending',
        verificationRejectedReason: null,
        suspended: false,
        suspensionReason: null,
        categories: {},
        campaignCounts: {},
        registeredAt: event.recordedAt,
        updatedAt: event.recordedAt,
        position: event.position,
      },
      campaign,
      contract,
    };
  }
  if (row === undefined) return { row, campaign, contract };
  const nextCampaign = campaignAfter(row, campaign, event);
  const nextContract = contractAfter(contract, event, campaign);
  const change =
    nextCampaign !== campaign
      ? { campaignCounts: recount(row.campaignCounts, campaign?.status, nextCampaign!.status) }
      : nextContract !== contract
        ? {}
        : changeOf(row, event);
  // One copy of the row per event: a batch folds hundreds of thousands of them.
  return {
    row: change === undefined ? row : { ...row, ...change, updatedAt: event.recordedAt, position: event.position },
    campaign: nextCampaign,
    contract: nextContract,
  };
};

/** The campaign after `event`: a new status, or the same object when the event changes none. */
const campaignAfter = (
  row: KaClientRow,
  campaign: KaClientCampaign | undefined,
  event: ProjectedEvent,
): KaClientCampaign | undefined => {
  const status = (next: CampaignStatus): KaClientCampaign | undefined =>
    campaign === undefined ? undefined : { ...campaign, status: next, position: event.position };
  switch (event.type) {
    case 'CampaignCreated': {
      const { campaignId, contractId, category } = event.data;
      return {
        campaignId,
        advertiserId: row.advertiserId,
        contractId,
        category,
        status: 'Draft',
        position: event.position,
      };
    }
    case 'CampaignSubmitted':
      return status('Submitted');
    case 'CampaignApproved':
      return status('Approved');
    case 'CampaignRejected':
      return status('Rejected');
    case 'CampaignLaunched':
    case 'CampaignResumed':
      return status('Live');
    case 'CampaignPaused':
      return status('Paused');
    case 'CampaignSuspendedByPolicy':
      return status('PolicySuspended');
    case 'CampaignCompleted':
      return status('Completed');
    default:
      return campaign;
  }
};

/** The counts after one campaign moved from `from` (none when new) to `to`: O(1) in the campaigns. */
const recount = (
  counts: KaClient['campaignCounts'],
  from: CampaignStatus | undefined,
  to: CampaignStatus,
): KaClient['campaignCounts'] => {
  const next: Partial<Record<CampaignStatus, number>> = { ...counts };
  if (from !== undefined) {
    const left = (next[from] ?? 0) - 1;
    // Statuses with none are left out, as readers expect.
    if (left > 0) next[from] = left;
    else delete next[from];
  }
  next[to] = (next[to] ?? 0) + 1;
  return next;
};

type Change = Partial<KaClientRow> | undefined;

/** What `event` changes in the client's own row; undefined when nothing (campaign and contract events). */
const changeOf = (row: KaClientRow, event: ProjectedEvent): Change => {
  switch (event.type) {
    case 'AdvertiserVerified':
      return { verification: 'Verified', verificationRejectedReason: null };
    case 'AdvertiserVerificationRejected':
      return { verification: 'Rejected', verificationRejectedReason: event.data.reason };
    case 'KaTierChanged':
      return { kaTier: event.data.kaTier };
    case 'AdvertiserSuspended':
      return { suspended: true, suspensionReason: event.data.reason };
    case 'AdvertiserReinstated':
      return { suspended: false, suspensionReason: null };

    case 'CategoryApprovalRequested':
      return withCategory(row, event.data.category, {
        status: 'Requested',
        validUntil: event.data.validUntil,
        licenceRef: event.data.licenceRef,
      });
    case 'CategoryApproved':
      return updateCategory(row, event.data.category, { status: 'Approved', validUntil: event.data.validUntil });
    case 'CategoryApprovalRejected':
      return updateCategory(row, event.data.category, { status: 'Rejected' });
    case 'CategoryApprovalRevoked':
      return updateCategory(row, event.data.category, { status: 'Revoked' });
    case 'CategoryApprovalExpired':
      return updateCategory(row, event.data.category, { status: 'Expired' });

    // contractAfter and campaignAfter change these; they reach here only for a contract or campaign
    // the projection never saw created, and change nothing. Registration creates the row before
    // this is asked; routeOf gives the policy events no row.
    case 'ContractDrafted':
    case 'ContractDraftRevised':
    case 'ContractSubmitted':
    case 'ContractApproved':
    case 'ContractRejected':
    case 'ContractSigned':
    case 'ContractResumed':
    case 'ContractSuspended':
    case 'ContractTerminated':
    case 'ContractExpired':
    case 'ContractAmendmentProposed':
    case 'ContractAmendmentApproved':
    case 'ContractAmendmentRejected':
    case 'ExternalLinkEnabled':
    case 'ExternalLinkDisabled':
    case 'CampaignBudgetAllocated':
    case 'CampaignBudgetReleased':
    case 'CampaignCreated':
    case 'CampaignSubmitted':
    case 'CampaignApproved':
    case 'CampaignRejected':
    case 'CampaignLaunched':
    case 'CampaignResumed':
    case 'CampaignPaused':
    case 'CampaignSuspendedByPolicy':
    case 'CampaignCompleted':
    case 'CampaignSpendReported':
    case 'AdvertiserRegistered':
    case 'LinkPlatformRegistered':
    case 'LinkPlatformDomainsChanged':
    case 'LinkPlatformSuspended':
    case 'LinkPlatformReinstated':
    case 'LinkEligibleCategoryAdded':
    case 'LinkEligibleCategoryRemoved':
    case 'CommercialLoadCapSet':
    case 'CampaignBudgetChanged':
      return undefined;
    default:
      return unknownEventType(event);
  }
};

/**
 * The contract after `event`: a new object, or the same one when the event changes none (also
 * when the contract was never seen drafted, or a spend report's campaign is unknown).
 */
const contractAfter = (
  contract: KaClientContract | undefined,
  event: ProjectedEvent,
  campaign: KaClientCampaign | undefined,
): KaClientContract | undefined => {
  if (event.type === 'ContractDrafted') {
    const terms = termsOf(event.data);
    return {
      contractId: event.data.contractId,
      status: 'Draft',
      version: 1,
      pendingAmendmentVersion: null,
      ...terms,
      allocatedMinor: '0',
      spentMinor: '0',
      overdeliveredMinor: '0',
      remainingMinor: terms.totalValueMinor,
      unallocatedMinor: terms.totalValueMinor,
      enabledLinks: {},
    };
  }
  if (contract === undefined) return undefined;
  const status = contractStatusAfter(event);
  if (status !== undefined) return { ...contract, status };
  switch (event.type) {
    case 'ContractDraftRevised': {
      const { contractId: _contractId, ...changes } = event.data;
      return amounts({ ...contract, ...definedTerms(changes), status: 'Draft' });
    }
    case 'ContractAmendmentProposed':
      return { ...contract, pendingAmendmentVersion: event.data.version };
    case 'ContractAmendmentApproved':
      return amounts({
        ...contract,
        version: event.data.version,
        pendingAmendmentVersion: null,
        ...termsOf(event.data),
      });
    case 'ContractAmendmentRejected':
      return { ...contract, pendingAmendmentVersion: null };
    case 'ExternalLinkEnabled':
      return { ...contract, enabledLinks: { ...contract.enabledLinks, [event.data.platform]: event.data.categories } };
    case 'ExternalLinkDisabled':
      return { ...contract, enabledLinks: without(contract.enabledLinks, event.data.platform) };
    case 'CampaignBudgetAllocated':
      return amounts({ ...contract, allocatedMinor: add(contract.allocatedMinor, event.data.amountMinor) });
    case 'CampaignBudgetReleased':
      return amounts({ ...contract, allocatedMinor: subtract(contract.allocatedMinor, event.data.amountMinor) });
    case 'CampaignSpendReported': {
      if (campaign === undefined) return contract;
      // A report recorded before spend was split carries neither part and was billable in full.
      const { amountMinor, billableMinor = amountMinor, overdeliveredMinor = '0' } = event.data;
      return amounts({
        ...contract,
        spentMinor: add(contract.spentMinor, billableMinor),
        overdeliveredMinor: add(contract.overdeliveredMinor, overdeliveredMinor),
      });
    }
    default:
      return contract;
  }
};

const ownValue = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

const without = <V>(record: Readonly<Record<string, V>>, key: string): Readonly<Record<string, V>> =>
  Object.fromEntries(Object.entries(record).filter(([name]) => name !== key));

const add = (a: string, b: string): string => (BigInt(a) + BigInt(b)).toString();
const subtract = (a: string, b: string): string => (BigInt(a) - BigInt(b)).toString();

/** Recomputes the derived amounts after the value, the allocations or the spend changed. */
const amounts = (contract: KaClientContract): KaClientContract => ({
  ...contract,
  remainingMinor: subtract(contract.totalValueMinor, contract.spentMinor),
  unallocatedMinor: subtract(contract.totalValueMinor, contract.allocatedMinor),
});

type TermChanges = Partial<
  Pick<KaClientContract, 'currency' | 'totalValueMinor' | 'startsOn' | 'endsOn' | 'categories' | 'platforms'>
>;

const definedTerms = (changes: TermChanges): TermChanges =>
  Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as TermChanges;

const withCategory = (row: KaClientRow, category: string, value: KaClientCategory): Change => ({
  categories: { ...row.categories, [category]: value },
});

const updateCategory = (row: KaClientRow, category: string, change: Partial<KaClientCategory>): Change => {
  const current = ownValue(row.categories, category);
  return current === undefined ? undefined : withCategory(row, category, { ...current, ...change });
};
