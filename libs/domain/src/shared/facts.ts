import type { CalendarDate, Instant } from './time';

/*
 * Facts one aggregate's decision needs about another. The shell folds the other aggregate's stream
 * and maps its state to one of these with that aggregate's `...Standing` function, so deciders
 * depend on these small shapes, never on each other's internal state.
 */

export interface AdvertiserStanding {
  readonly advertiserId: string;
  readonly registered: boolean;
  readonly verified: boolean;
  readonly suspended: boolean;
}

export interface CategoryStanding {
  readonly advertiserId: string;
  readonly category: string;
  /** Approved, not revoked, not expired, and `validUntil` not passed at the time asked. */
  readonly approved: boolean;
  readonly validUntil?: CalendarDate;
}

export interface LinkPlatformStanding {
  readonly platform: string;
  readonly suspended: boolean;
  readonly allowedDomains: readonly string[];
}

export interface LinkPolicy {
  /** Registered platforms by id (suspended ones included, flagged). */
  readonly platforms: Readonly<Record<string, LinkPlatformStanding>>;
  /** Categories eligible for external links, with whether they are regulated. */
  readonly linkEligibleCategories: Readonly<Record<string, { readonly regulated: boolean }>>;
  readonly commercialLoadCapBasisPoints: number;
}

export type ContractStatus =
  'None' | 'Draft' | 'Submitted' | 'Approved' | 'Rejected' | 'Active' | 'Suspended' | 'Terminated' | 'Expired';

export interface ContractStanding {
  readonly contractId: string;
  readonly status: ContractStatus;
  readonly advertiserId: string;
  readonly currency: string;
  /** Decimal string of integer minor units. */
  readonly totalValueMinor: string;
  readonly allocatedMinor: string;
  readonly startsOn: CalendarDate;
  readonly endsOn: CalendarDate;
  readonly categories: readonly string[];
  /** Platforms with external links enabled, and the categories enabled for each. */
  readonly enabledLinks: Readonly<Record<string, readonly string[]>>;
}

export type { Instant };
