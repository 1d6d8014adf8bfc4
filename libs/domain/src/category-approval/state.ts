import type { CalendarDate, CategoryStanding, Instant, Recorded } from '../shared';
import { dateOf } from '../shared';
import type { CategoryApprovalEvent, CategoryApprovalSubject as Subject } from './events';

/**
 * One stream per advertiser and category; a rejected, revoked or expired approval can be requested
 * again, which starts a new cycle on the same stream.
 */
export type CategoryApproval =
  | { readonly status: 'None' }
  /** `requestedBy` is kept for four eyes: the requester may not decide on the request. */
  | (Subject & { readonly status: 'Requested'; readonly validUntil: CalendarDate; readonly requestedBy: string })
  | (Subject & { readonly status: 'Approved'; readonly validUntil: CalendarDate })
  | (Subject & { readonly status: 'Rejected' | 'Revoked' | 'Expired' });

export const initialCategoryApproval: CategoryApproval = { status: 'None' };

// Each event carries everything its state needs, so the previous state never matters.
export const evolve = (_state: CategoryApproval, event: Recorded<CategoryApprovalEvent>): CategoryApproval => {
  switch (event.type) {
    case 'CategoryApprovalRequested': {
      const { advertiserId, category, validUntil } = event.data;
      return { status: 'Requested', advertiserId, category, validUntil, requestedBy: event.metadata.actor.userId };
    }
    case 'CategoryApproved':
      return { status: 'Approved', ...event.data };
    case 'CategoryApprovalRejected':
      return { status: 'Rejected', advertiserId: event.data.advertiserId, category: event.data.category };
    case 'CategoryApprovalRevoked':
      return { status: 'Revoked', advertiserId: event.data.advertiserId, category: event.data.category };
    case 'CategoryApprovalExpired':
      return { status: 'Expired', advertiserId: event.data.advertiserId, category: event.data.category };
  }
};

/**
 * Whether the advertiser may use the category at `now`. An approval whose `validUntil` has passed
 * counts as not approved even before anyone records its expiry, so a late expiry never lets a
 * lapsed licence through. The subject is passed in because a stream never requested has none.
 */
export const categoryStanding = (state: CategoryApproval, now: Instant, subject: Subject): CategoryStanding =>
  state.status === 'Approved'
    ? { ...subject, approved: state.validUntil >= dateOf(now), validUntil: state.validUntil }
    : { ...subject, approved: false };
