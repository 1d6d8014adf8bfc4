import { eventTypesOf, type Event } from '../shared';
import type { AmendmentChanges, ContractTerms, TermChanges } from './terms';

/*
 * The type names below are stored forever: never rename one. Every event names its contract so a
 * projection over all contract events never has to parse the stream id.
 */

interface OfContract {
  readonly contractId: string;
}

interface WithReason extends OfContract {
  /** Trimmed and never empty. */
  readonly reason: string;
}

/** How the deal was sold: directly to the advertiser, or through its agency. */
export const SALES_CHANNELS = ['direct', 'agency'] as const;
export type SalesChannel = (typeof SALES_CHANNELS)[number];

/**
 * Schema version 2 (`channel` added). Version 1 events, written before agencies were recorded,
 * are all direct deals: ./upcasters turns them into version 2 on every read.
 */
export type ContractDrafted = Event<
  'ContractDrafted',
  OfContract & { readonly advertiserId: string; readonly channel: SalesChannel } & ContractTerms
>;
/** Carries only the terms that changed. A revision of a rejected contract returns it to Draft. */
export type ContractDraftRevised = Event<'ContractDraftRevised', OfContract & TermChanges>;
export type ContractSubmitted = Event<'ContractSubmitted', OfContract>;
export type ContractApproved = Event<'ContractApproved', OfContract>;
export type ContractRejected = Event<'ContractRejected', WithReason>;
/** Sales records the advertiser's signature; the contract becomes Active under version 1 of its terms. */
export type ContractSigned = Event<'ContractSigned', OfContract>;

/** `version` is the one the terms will have if approved: the current version plus one. */
export type ContractAmendmentProposed = Event<
  'ContractAmendmentProposed',
  OfContract & { readonly version: number; readonly changes: AmendmentChanges }
>;
/** Carries the complete resulting terms, so a reader never has to replay the amendment history. */
export type ContractAmendmentApproved = Event<
  'ContractAmendmentApproved',
  OfContract & { readonly version: number } & ContractTerms
>;
export type ContractAmendmentRejected = Event<'ContractAmendmentRejected', WithReason & { readonly version: number }>;

/** Replaces whatever categories were enabled for that platform before. */
export type ExternalLinkEnabled = Event<
  'ExternalLinkEnabled',
  OfContract & { readonly platform: string; readonly categories: readonly string[] }
>;
export type ExternalLinkDisabled = Event<'ExternalLinkDisabled', WithReason & { readonly platform: string }>;

/**
 * Budget events are deltas: `amountMinor` is added to (allocated) or taken from (released) what the
 * campaign holds. A first allocation and a budget increase both record CampaignBudgetAllocated.
 */
export type CampaignBudgetAllocated = Event<
  'CampaignBudgetAllocated',
  OfContract & { readonly campaignId: string; readonly amountMinor: string }
>;
export type CampaignBudgetReleased = Event<
  'CampaignBudgetReleased',
  OfContract & { readonly campaignId: string; readonly amountMinor: string }
>;

export type ContractSuspended = Event<'ContractSuspended', WithReason>;
export type ContractResumed = Event<'ContractResumed', OfContract>;
export type ContractTerminated = Event<'ContractTerminated', WithReason>;
/** `reason` is absent from expiries recorded before it existed, and from those given none. */
export type ContractExpired = Event<'ContractExpired', OfContract & { readonly reason?: string }>;

export type ContractEvent =
  | ContractDrafted
  | ContractDraftRevised
  | ContractSubmitted
  | ContractApproved
  | ContractRejected
  | ContractSigned
  | ContractAmendmentProposed
  | ContractAmendmentApproved
  | ContractAmendmentRejected
  | ExternalLinkEnabled
  | ExternalLinkDisabled
  | CampaignBudgetAllocated
  | CampaignBudgetReleased
  | ContractSuspended
  | ContractResumed
  | ContractTerminated
  | ContractExpired;

/** Every ContractEvent type name. */
export const CONTRACT_EVENT_TYPES = eventTypesOf<ContractEvent>({
  ContractDrafted: true,
  ContractDraftRevised: true,
  ContractSubmitted: true,
  ContractApproved: true,
  ContractRejected: true,
  ContractSigned: true,
  ContractAmendmentProposed: true,
  ContractAmendmentApproved: true,
  ContractAmendmentRejected: true,
  ExternalLinkEnabled: true,
  ExternalLinkDisabled: true,
  CampaignBudgetAllocated: true,
  CampaignBudgetReleased: true,
  ContractSuspended: true,
  ContractResumed: true,
  ContractTerminated: true,
  ContractExpired: true,
});
