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

/**
 * Linear in the events: the maps are the fold's own (see Decider.evolve) and change in place. The
 * shared initial policy is the one exception, never changed: the first event gives the fold maps
 * of its own.
 */
export const evolve = (state: PlatformPolicy, event: Recorded<PlatformPolicyEvent>): PlatformPolicy => {
  // Every policy but the initial one came out of a fold, which built it with mutable maps.
  const policy = state === initialPlatformPolicy ? emptyPolicy() : (state as OwnedPolicy);
  switch (event.type) {
    case 'LinkPlatformRegistered': {
      const { platform, displayName, allowedDomains } = event.data;
      policy.platforms.set(platform, { platform, displayName, allowedDomains, status: 'Active' });
      return policy;
    }
    case 'LinkPlatformDomainsChanged':
      return updatePlatform(policy, event.data.platform, { allowedDomains: event.data.allowedDomains });
    case 'LinkPlatformSuspended':
      return updatePlatform(policy, event.data.platform, { status: 'Suspended' });
    case 'LinkPlatformReinstated':
      return updatePlatform(policy, event.data.platform, { status: 'Active' });
    case 'LinkEligibleCategoryAdded':
      policy.linkEligibleCategories.set(event.data.category, { regulated: event.data.regulated });
      return policy;
    case 'LinkEligibleCategoryRemoved':
      policy.linkEligibleCategories.delete(event.data.category);
      return policy;
    case 'CommercialLoadCapSet':
      return { ...policy, commercialLoadCapBasisPoints: event.data.basisPoints };
  }
};

interface OwnedPolicy extends PlatformPolicy {
  readonly platforms: Map<string, LinkPlatform>;
  readonly linkEligibleCategories: Map<string, { readonly regulated: boolean }>;
}

const emptyPolicy = (): OwnedPolicy => ({
  platforms: new Map(),
  linkEligibleCategories: new Map(),
  commercialLoadCapBasisPoints: COMMERCIAL_LOAD_CAP_LIMIT_BASIS_POINTS,
});

// The decider only emits platform events for registered platforms; folding past any other keeps
// an old or foreign history readable instead of failing every later command on the stream.
const updatePlatform = (
  policy: OwnedPolicy,
  platform: string,
  change: Partial<Pick<LinkPlatform, 'allowedDomains' | 'status'>>,
): OwnedPolicy => {
  const current = policy.platforms.get(platform);
  if (current !== undefined) policy.platforms.set(platform, { ...current, ...change });
  return policy;
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
