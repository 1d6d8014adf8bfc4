import { eventTypesOf, type CalendarDate, type Event } from '../shared';

/**
 * Advertiser ids are UUIDs (never containing '_') and categories are slugs, so the first '_' after
 * the stream category always separates the two.
 */
export const categoryApprovalStreamId = (advertiserId: string, category: string): string =>
  `categoryApproval-${advertiserId}_${category}`;

/** Which approval a message is about; it also names the stream. */
export interface CategoryApprovalSubject {
  readonly advertiserId: string;
  readonly category: string;
}

export type CategoryApprovalRequested = Event<
  'CategoryApprovalRequested',
  CategoryApprovalSubject & { readonly licenceRef: string; readonly validUntil: CalendarDate }
>;
export type CategoryApproved = Event<
  'CategoryApproved',
  CategoryApprovalSubject & { readonly validUntil: CalendarDate }
>;
export type CategoryApprovalRejected = Event<
  'CategoryApprovalRejected',
  CategoryApprovalSubject & { readonly reason: string }
>;
export type CategoryApprovalRevoked = Event<
  'CategoryApprovalRevoked',
  CategoryApprovalSubject & { readonly reason: string }
>;
/** `reason` is absent from expiries recorded before it existed, and from those given none. */
export type CategoryApprovalExpired = Event<
  'CategoryApprovalExpired',
  CategoryApprovalSubject & { readonly reason?: string }
>;

export type CategoryApprovalEvent =
  | CategoryApprovalRequested
  | CategoryApproved
  | CategoryApprovalRejected
  | CategoryApprovalRevoked
  | CategoryApprovalExpired;

/** Every CategoryApprovalEvent type name. */
export const CATEGORY_APPROVAL_EVENT_TYPES = eventTypesOf<CategoryApprovalEvent>({
  CategoryApprovalRequested: true,
  CategoryApproved: true,
  CategoryApprovalRejected: true,
  CategoryApprovalRevoked: true,
  CategoryApprovalExpired: true,
});
