import type { LinkPolicy, Recorded } from '../shared';
import type { PlatformPolicyEvent } from './events';

/** The platform holds paid content under 15% of the feed; no cap may exceed it. */
export const COMMERCIAL_LOAD_CAP_LIMIT_BASIS_POINTS = 1500;

export interface LinkPlatform {
  readonly platform: string;
  readonly displayName: string;
  readonly allowedDomains: readonly string[];
  readonly status: 'Active' | 'Suspended';
}

/**
 * The policy has no "None" state: it exists before its first event, empty and with the cap at the
 * policy limit, so any policy command may be the stream's first. Maps rather than records, so a
 * slug such as `constructor` can never be mistaken for an inherited property.
 */
export interface PlatformPolicy {
  readonly platforms: ReadonlyMap<string, LinkPlatform>;
  readonly linkEligibleCategories: ReadonlyMap<string, { readonly regulated: boolean }>;
  readonly commercialLoadCapBasisPoints: number;
}

export const initialPlatformPolicy: PlatformPolicy = {
  platforms: new Map(),
  linkEligibleCategories: new Map(),
  commercialLoadCapBasisPoints: COMMERCIAL_LOAD_CAP_LIMIT_BASIS_POINTS,
};

export const evolve = (state: PlatformPolicy, event: Recorded<PlatformPolicyEvent>): PlatformPolicy => {
  switch (event.type) {
    case 'LinkPlatformRegistered': {
      const { platform, displayName, allowedDomains } = event.data;
      const registered: LinkPlatform = { platform, displayName, allowedDomains, status: 'Active' };
      return { ...state, platforms: new Map(state.platforms).set(platform, registered) };
    }
    case 'LinkPlatformDomainsChanged':
      return updatePlatform(state, event.data.platform, { allowedDomains: event.data.allowedDomains });
    case 'LinkPlatformSuspended':
      return updatePlatform(state, event.data.platform, { status: 'Suspended' });
    case 'LinkPlatformReinstated':
      return updatePlatform(state, event.data.platform, { status: 'Active' });
    case 'LinkEligibleCategoryAdded': {
      const { category, regulated } = event.data;
      return { ...state, linkEligibleCategories: new Map(state.linkEligibleCategories).set(category, { regulated }) };
    }
    case 'LinkEligibleCategoryRemoved': {
      const linkEligibleCategories = new Map(state.linkEligibleCategories);
      linkEligibleCategories.delete(event.data.category);
      return { ...state, linkEligibleCategories };
    }
    case 'CommercialLoadCapSet':
      return { ...state, commercialLoadCapBasisPoints: event.data.basisPoints };
  }
};

// The decider only emits platform events for registered platforms; folding past any other keeps
// an old or foreign history readable instead of failing every later command on the stream.
const updatePlatform = (
  state: PlatformPolicy,
  platform: string,
  change: Partial<Pick<LinkPlatform, 'allowedDomains' | 'status'>>,
): PlatformPolicy => {
  const current = state.platforms.get(platform);
  return current ? { ...state, platforms: new Map(state.platforms).set(platform, { ...current, ...change }) } : state;
};

/**
 * The policy as other deciders and the link-permission projection consume it. The records have no
 * prototype, so looking up a slug such as `constructor` finds nothing unless it was registered.
 */
export const linkPolicyOf = (state: PlatformPolicy): LinkPolicy => ({
  platforms: recordOf(
    [...state.platforms.values()].map(({ platform, allowedDomains, status }) => [
      platform,
      { platform, allowedDomains, suspended: status === 'Suspended' },
    ]),
  ),
  linkEligibleCategories: recordOf(
    [...state.linkEligibleCategories].map(([category, { regulated }]) => [category, { regulated }]),
  ),
  commercialLoadCapBasisPoints: state.commercialLoadCapBasisPoints,
});

const recordOf = <V>(entries: [string, V][]): Record<string, V> =>
  Object.assign(Object.create(null) as Record<string, V>, Object.fromEntries(entries));
