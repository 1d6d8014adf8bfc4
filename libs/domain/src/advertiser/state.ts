import type { AdvertiserStanding, Recorded } from '../shared';
import type { AdvertiserEvent, KaTier } from './events';

export interface RegisteredAdvertiser {
  readonly status: 'Registered';
  readonly advertiserId: string;
  readonly legalName: string;
  readonly registrationNumber: string;
  readonly kaTier: KaTier;
  readonly salesOwnerId: string;
  /** Kept for four eyes: whoever registered the advertiser may not verify it. */
  readonly registeredBy: string;
  readonly verification: 'Pending' | 'Verified' | 'Rejected';
  /** Independent of verification: a verified advertiser can be suspended and reinstated. */
  readonly suspended: boolean;
}

export type Advertiser = { readonly status: 'None' } | RegisteredAdvertiser;

export const initialAdvertiser: Advertiser = { status: 'None' };

export const evolve = (state: Advertiser, event: Recorded<AdvertiserEvent>): Advertiser => {
  switch (event.type) {
    case 'AdvertiserRegistered':
      return {
        status: 'Registered',
        ...event.data,
        registeredBy: event.metadata.actor.userId,
        verification: 'Pending',
        suspended: false,
      };
    case 'AdvertiserVerified':
      return update(state, { verification: 'Verified' });
    case 'AdvertiserVerificationRejected':
      return update(state, { verification: 'Rejected' });
    case 'KaTierChanged':
      return update(state, { kaTier: event.data.kaTier });
    case 'AdvertiserSuspended':
      return update(state, { suspended: true });
    case 'AdvertiserReinstated':
      return update(state, { suspended: false });
  }
};

// The decider emits these events only after registration; folding past one that came earlier
// keeps an old or foreign history readable instead of failing every later command on the stream.
const update = (
  state: Advertiser,
  change: Partial<Pick<RegisteredAdvertiser, 'verification' | 'kaTier' | 'suspended'>>,
): Advertiser => (state.status === 'Registered' ? { ...state, ...change } : state);

/**
 * What other deciders need to know about an advertiser. The id is passed in because an unregistered
 * stream has none of its own.
 */
export const advertiserStanding = (state: Advertiser, advertiserId: string): AdvertiserStanding =>
  state.status === 'None'
    ? { advertiserId, registered: false, verified: false, suspended: false }
    : { advertiserId, registered: true, verified: state.verification === 'Verified', suspended: state.suspended };
