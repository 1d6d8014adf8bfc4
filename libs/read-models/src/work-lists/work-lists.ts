import type { CampaignStatus, ContractStatus, KaTier, SalesChannel } from '#domain';
import type { DomainEvent, ProjectedEvent } from '../engine/domain-events';
import type { Verification } from '../ka-clients/ka-client';
import { searchText } from './search-text';

/*
 * The rows behind the lists, searches and inboxes, in the shape of their tables (snake_case
 * columns), so the shell writes them with upsertAll as they are. Amounts are decimal strings.
 */

export interface AdvertiserListRow {
  readonly advertiser_id: string;
  readonly legal_name: string;
  readonly registration_number: string;
  /** searchText of the legal name and the registration number, what searches compare with. */
  readonly search_text: string;
  readonly ka_tier: KaTier;
  readonly sales_owner_id: string;
  readonly verification: Verification;
  readonly suspended: boolean;
  readonly registered_at: string;
  readonly position: string;
}

export interface ContractListRow {
  readonly contract_id: string;
  readonly advertiser_id: string;
  /** The advertiser's salesperson, copied at drafting (an advertiser's owner does not change). */
  readonly sales_owner_id: string;
  readonly channel: SalesChannel;
  readonly status: Exclude<ContractStatus, 'None'>;
  readonly currency: string;
  readonly total_value_minor: string;
  readonly starts_on: string;
  readonly ends_on: string;
  readonly categories: readonly string[];
  readonly platforms: readonly string[];
  /** Who drafted, revised or submitted it: four eyes keeps it out of their approval inbox. */
  readonly authors: readonly string[];
  readonly submitted_by: string | null;
  readonly submitted_at: string | null;
  readonly amendment_version: number | null;
  readonly amendment_proposed_by: string | null;
  readonly amendment_proposed_at: string | null;
  readonly updated_at: string;
  readonly position: string;
}

export interface CampaignListRow {
  readonly campaign_id: string;
  readonly contract_id: string;
  readonly advertiser_id: string;
  readonly sales_owner_id: string;
  readonly status: CampaignStatus;
  readonly category: string;
  readonly platform: string | null;
  readonly link_url: string | null;
  readonly budget_minor: string;
  readonly spent_minor: string;
  readonly starts_at: string;
  readonly ends_at: string;
  readonly created_by: string;
  readonly submitted_by: string | null;
  readonly submitted_at: string | null;
  readonly updated_at: string;
  readonly position: string;
}

export interface CategoryApprovalListRow {
  readonly advertiser_id: string;
  readonly category: string;
  readonly status: 'Requested' | 'Approved' | 'Rejected' | 'Revoked' | 'Expired';
  readonly licence_ref: string;
  readonly valid_until: string;
  readonly requested_by: string;
  readonly requested_at: string;
  readonly position: string;
}

/** A projected event with who recorded it: inboxes need the author for four eyes. */
export type WorkEvent = ProjectedEvent & { readonly actor: string };

/** The rows one batch folds over; the shell loads them before the fold and writes back what was set. */
export interface WorkRows {
  advertiser(id: string): AdvertiserListRow | undefined;
  contract(id: string): ContractListRow | undefined;
  campaign(id: string): CampaignListRow | undefined;
  approval(advertiserId: string, category: string): CategoryApprovalListRow | undefined;
  setAdvertiser(row: AdvertiserListRow): void;
  setContract(row: ContractListRow): void;
  setCampaign(row: CampaignListRow): void;
  setApproval(row: CategoryApprovalListRow): void;
}

/** Which rows an event reads or writes, so the shell can load them all in one round trip. */
export interface WorkKeys {
  readonly advertiserId?: string;
  readonly contractId?: string;
  readonly campaignId?: string;
  readonly approval?: readonly [advertiserId: string, category: string];
}

export const WORK_LISTS_HANDLED = [
  'AdvertiserRegistered',
  'AdvertiserVerified',
  'AdvertiserVerificationRejected',
  'KaTierChanged',
  'AdvertiserSuspended',
  'AdvertiserReinstated',
  'CategoryApprovalRequested',
  'CategoryApproved',
  'CategoryApprovalRejected',
  'CategoryApprovalRevoked',
  'CategoryApprovalExpired',
  'ContractDrafted',
  'ContractDraftRevised',
  'ContractSubmitted',
  'ContractApproved',
  'ContractRejected',
  'ContractSigned',
  'ContractAmendmentProposed',
  'ContractAmendmentApproved',
  'ContractAmendmentRejected',
  'ContractSuspended',
  'ContractResumed',
  'ContractTerminated',
  'ContractExpired',
  'CampaignCreated',
  'CampaignSubmitted',
  'CampaignApproved',
  'CampaignRejected',
  'CampaignLaunched',
  'CampaignPaused',
  'CampaignResumed',
  'CampaignBudgetChanged',
  'CampaignSpendReported',
  'CampaignSuspendedByPolicy',
  'CampaignCompleted',
] as const satisfies readonly DomainEvent['type'][];

/** Events that change nothing a list shows: platform policy, links and budget bookkeeping on the contract. */
export const WORK_LISTS_IGNORED = [
  'LinkPlatformRegistered',
  'LinkPlatformDomainsChanged',
  'LinkPlatformSuspended',
  'LinkPlatformReinstated',
  'LinkEligibleCategoryAdded',
  'LinkEligibleCategoryRemoved',
  'CommercialLoadCapSet',
  'ExternalLinkEnabled',
  'ExternalLinkDisabled',
  'CampaignBudgetAllocated',
  'CampaignBudgetReleased',
] as const satisfies readonly DomainEvent['type'][];

type Handled = (typeof WORK_LISTS_HANDLED)[number];
const HANDLED: ReadonlySet<string> = new Set(WORK_LISTS_HANDLED);

export const handlesWorkEvent = (event: { readonly type: string }): event is { type: Handled } =>
  HANDLED.has(event.type);

export const workKeysOf = (event: DomainEvent): WorkKeys => {
  switch (event.type) {
    case 'AdvertiserRegistered':
    case 'AdvertiserVerified':
    case 'AdvertiserVerificationRejected':
    case 'KaTierChanged':
    case 'AdvertiserSuspended':
    case 'AdvertiserReinstated':
      return { advertiserId: event.data.advertiserId };
    case 'CategoryApprovalRequested':
    case 'CategoryApproved':
    case 'CategoryApprovalRejected':
    case 'CategoryApprovalRevoked':
    case 'CategoryApprovalExpired':
      return { approval: [event.data.advertiserId, event.data.category] };
    case 'ContractDrafted':
      return { contractId: event.data.contractId, advertiserId: event.data.advertiserId };
    case 'CampaignCreated':
      return { campaignId: event.data.campaignId, advertiserId: event.data.advertiserId };
    case 'ContractDraftRevised':
    case 'ContractSubmitted':
    case 'ContractApproved':
    case 'ContractRejected':
    case 'ContractSigned':
    case 'ContractAmendmentProposed':
    case 'ContractAmendmentApproved':
    case 'ContractAmendmentRejected':
    case 'ContractSuspended':
    case 'ContractResumed':
    case 'ContractTerminated':
    case 'ContractExpired':
      return { contractId: event.data.contractId };
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
      return { campaignId: event.data.campaignId };
    case 'LinkPlatformRegistered':
    case 'LinkPlatformDomainsChanged':
    case 'LinkPlatformSuspended':
    case 'LinkPlatformReinstated':
    case 'LinkEligibleCategoryAdded':
    case 'LinkEligibleCategoryRemoved':
    case 'CommercialLoadCapSet':
    case 'ExternalLinkEnabled':
    case 'ExternalLinkDisabled':
    case 'CampaignBudgetAllocated':
    case 'CampaignBudgetReleased':
      return {};
  }
};

const withAuthor = (authors: readonly string[], by: string): readonly string[] =>
  authors.includes(by) ? authors : [...authors, by];

const CONTRACT_STATUS: Partial<Record<Handled, Exclude<ContractStatus, 'None'>>> = {
  ContractSubmitted: 'Submitted',
  ContractApproved: 'Approved',
  ContractRejected: 'Rejected',
  ContractSigned: 'Active',
  ContractResumed: 'Active',
  ContractSuspended: 'Suspended',
  ContractTerminated: 'Terminated',
  ContractExpired: 'Expired',
};

const CAMPAIGN_STATUS: Partial<Record<Handled, CampaignStatus>> = {
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
 * Folds one event into the rows. Pure apart from `rows`; an event about a row that is not there
 * (history that began before its creation) changes nothing.
 */
export const applyWorkEvent = (rows: WorkRows, event: WorkEvent): void => {
  const at = { updated_at: event.recordedAt, position: event.position };
  switch (event.type) {
    case 'AdvertiserRegistered': {
      const { advertiserId, legalName, registrationNumber, kaTier, salesOwnerId } = event.data;
      rows.setAdvertiser({
        advertiser_id: advertiserId,
        legal_name: legalName,
        registration_number: registrationNumber,
        search_text: `${searchText(legalName)}\n${searchText(registrationNumber)}`,
        ka_tier: kaTier,
        sales_owner_id: salesOwnerId,
        verification: 'Pending',
        suspended: false,
        registered_at: event.recordedAt,
        position: event.position,
      });
      return;
    }
    case 'AdvertiserVerified':
    case 'AdvertiserVerificationRejected':
    case 'KaTierChanged':
    case 'AdvertiserSuspended':
    case 'AdvertiserReinstated': {
      const row = rows.advertiser(event.data.advertiserId);
      if (row === undefined) return;
      const change: Partial<AdvertiserListRow> =
        event.type === 'AdvertiserVerified'
          ? { verification: 'Verified' }
          : event.type === 'AdvertiserVerificationRejected'
            ? { verification: 'Rejected' }
            : event.type === 'KaTierChanged'
              ? { ka_tier: event.data.kaTier }
              : { suspended: event.type === 'AdvertiserSuspended' };
      rows.setAdvertiser({ ...row, ...change, position: event.position });
      return;
    }
    case 'CategoryApprovalRequested': {
      const { advertiserId, category, licenceRef, validUntil } = event.data;
      rows.setApproval({
        advertiser_id: advertiserId,
        category,
        status: 'Requested',
        licence_ref: licenceRef,
        valid_until: validUntil,
        requested_by: event.actor,
        requested_at: event.recordedAt,
        position: event.position,
      });
      return;
    }
    case 'CategoryApproved':
    case 'CategoryApprovalRejected':
    case 'CategoryApprovalRevoked':
    case 'CategoryApprovalExpired': {
      const row = rows.approval(event.data.advertiserId, event.data.category);
      if (row === undefined) return;
      const status =
        event.type === 'CategoryApproved'
          ? 'Approved'
          : event.type === 'CategoryApprovalRejected'
            ? 'Rejected'
            : event.type === 'CategoryApprovalRevoked'
              ? 'Revoked'
              : 'Expired';
      rows.setApproval({
        ...row,
        status,
        valid_until: event.type === 'CategoryApproved' ? event.data.validUntil : row.valid_until,
        position: event.position,
      });
      return;
    }
    case 'ContractDrafted': {
      const { contractId, advertiserId, channel, currency, totalValueMinor, startsOn, endsOn, categories, platforms } =
        event.data;
      rows.setContract({
        contract_id: contractId,
        advertiser_id: advertiserId,
        sales_owner_id: rows.advertiser(advertiserId)?.sales_owner_id ?? '',
        channel,
        status: 'Draft',
        currency,
        total_value_minor: totalValueMinor,
        starts_on: startsOn,
        ends_on: endsOn,
        categories,
        platforms,
        authors: [event.actor],
        submitted_by: null,
        submitted_at: null,
        amendment_version: null,
        amendment_proposed_by: null,
        amendment_proposed_at: null,
        ...at,
      });
      return;
    }
    case 'ContractDraftRevised':
    case 'ContractSubmitted':
    case 'ContractApproved':
    case 'ContractRejected':
    case 'ContractSigned':
    case 'ContractAmendmentProposed':
    case 'ContractAmendmentApproved':
    case 'ContractAmendmentRejected':
    case 'ContractSuspended':
    case 'ContractResumed':
    case 'ContractTerminated':
    case 'ContractExpired': {
      const row = rows.contract(event.data.contractId);
      if (row === undefined) return;
      rows.setContract({ ...row, ...contractChange(row, event), ...at });
      return;
    }
    case 'CampaignCreated': {
      const { campaignId, contractId, advertiserId, category, budgetMinor, startsAt, endsAt, linkTarget } = event.data;
      rows.setCampaign({
        campaign_id: campaignId,
        contract_id: contractId,
        advertiser_id: advertiserId,
        sales_owner_id: rows.advertiser(advertiserId)?.sales_owner_id ?? '',
        status: 'Draft',
        category,
        platform: linkTarget?.platform ?? null,
        link_url: linkTarget?.url ?? null,
        budget_minor: budgetMinor,
        spent_minor: '0',
        starts_at: startsAt,
        ends_at: endsAt,
        created_by: event.actor,
        submitted_by: null,
        submitted_at: null,
        ...at,
      });
      return;
    }
    case 'CampaignSubmitted':
    case 'CampaignApproved':
    case 'CampaignRejected':
    case 'CampaignLaunched':
    case 'CampaignPaused':
    case 'CampaignResumed':
    case 'CampaignBudgetChanged':
    case 'CampaignSpendReported':
    case 'CampaignSuspendedByPolicy':
    case 'CampaignCompleted': {
      const row = rows.campaign(event.data.campaignId);
      if (row === undefined) return;
      rows.setCampaign({ ...row, ...campaignChange(row, event), ...at });
      return;
    }
    case 'LinkPlatformRegistered':
    case 'LinkPlatformDomainsChanged':
    case 'LinkPlatformSuspended':
    case 'LinkPlatformReinstated':
    case 'LinkEligibleCategoryAdded':
    case 'LinkEligibleCategoryRemoved':
    case 'CommercialLoadCapSet':
    case 'ExternalLinkEnabled':
    case 'ExternalLinkDisabled':
    case 'CampaignBudgetAllocated':
    case 'CampaignBudgetReleased':
      return;
  }
};

type ContractLifecycleEvent = Extract<WorkEvent, { type: `Contract${string}` }>;

const contractChange = (row: ContractListRow, event: ContractLifecycleEvent): Partial<ContractListRow> => {
  switch (event.type) {
    case 'ContractDraftRevised': {
      const { currency, totalValueMinor, startsOn, endsOn, categories, platforms } = event.data;
      return {
        status: 'Draft',
        authors: withAuthor(row.authors, event.actor),
        ...(currency === undefined ? {} : { currency }),
        ...(totalValueMinor === undefined ? {} : { total_value_minor: totalValueMinor }),
        ...(startsOn === undefined ? {} : { starts_on: startsOn }),
        ...(endsOn === undefined ? {} : { ends_on: endsOn }),
        ...(categories === undefined ? {} : { categories }),
        ...(platforms === undefined ? {} : { platforms }),
      };
    }
    case 'ContractSubmitted':
      return {
        status: 'Submitted',
        authors: withAuthor(row.authors, event.actor),
        submitted_by: event.actor,
        submitted_at: event.recordedAt,
      };
    case 'ContractAmendmentProposed':
      return {
        amendment_version: event.data.version,
        amendment_proposed_by: event.actor,
        amendment_proposed_at: event.recordedAt,
      };
    case 'ContractAmendmentApproved': {
      const { currency, totalValueMinor, startsOn, endsOn, categories, platforms } = event.data;
      return {
        currency,
        total_value_minor: totalValueMinor,
        starts_on: startsOn,
        ends_on: endsOn,
        categories,
        platforms,
        amendment_version: null,
        amendment_proposed_by: null,
        amendment_proposed_at: null,
      };
    }
    case 'ContractAmendmentRejected':
      return { amendment_version: null, amendment_proposed_by: null, amendment_proposed_at: null };
    default:
      return { status: CONTRACT_STATUS[event.type as Handled] ?? row.status };
  }
};

type CampaignLifecycleEvent = Extract<WorkEvent, { type: `Campaign${string}` }>;

const campaignChange = (row: CampaignListRow, event: CampaignLifecycleEvent): Partial<CampaignListRow> => {
  switch (event.type) {
    case 'CampaignSubmitted':
      return { status: 'Submitted', submitted_by: event.actor, submitted_at: event.recordedAt };
    case 'CampaignBudgetChanged':
      return { budget_minor: event.data.budgetMinor };
    case 'CampaignSpendReported':
      return { spent_minor: (BigInt(row.spent_minor) + BigInt(event.data.amountMinor)).toString() };
    default:
      return { status: CAMPAIGN_STATUS[event.type as Handled] ?? row.status };
  }
};
