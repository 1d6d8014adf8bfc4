import { eventTypesOf, type Event } from '../shared';

/** The link policy is one singleton stream: every platform and category rule lives in it. */
export const PLATFORM_POLICY_STREAM = 'platformPolicy-main';

export type LinkPlatformRegistered = Event<
  'LinkPlatformRegistered',
  { readonly platform: string; readonly displayName: string; readonly allowedDomains: readonly string[] }
>;
export type LinkPlatformDomainsChanged = Event<
  'LinkPlatformDomainsChanged',
  { readonly platform: string; readonly allowedDomains: readonly string[] }
>;
export type LinkPlatformSuspended = Event<
  'LinkPlatformSuspended',
  { readonly platform: string; readonly reason: string }
>;
export type LinkPlatformReinstated = Event<'LinkPlatformReinstated', { readonly platform: string }>;
export type LinkEligibleCategoryAdded = Event<
  'LinkEligibleCategoryAdded',
  { readonly category: string; readonly regulated: boolean }
>;
export type LinkEligibleCategoryRemoved = Event<'LinkEligibleCategoryRemoved', { readonly category: string }>;
export type CommercialLoadCapSet = Event<'CommercialLoadCapSet', { readonly basisPoints: number }>;

export type PlatformPolicyEvent =
  | LinkPlatformRegistered
  | LinkPlatformDomainsChanged
  | LinkPlatformSuspended
  | LinkPlatformReinstated
  | LinkEligibleCategoryAdded
  | LinkEligibleCategoryRemoved
  | CommercialLoadCapSet;

/** Every PlatformPolicyEvent type name. */
export const PLATFORM_POLICY_EVENT_TYPES = eventTypesOf<PlatformPolicyEvent>({
  LinkPlatformRegistered: true,
  LinkPlatformDomainsChanged: true,
  LinkPlatformSuspended: true,
  LinkPlatformReinstated: true,
  LinkEligibleCategoryAdded: true,
  LinkEligibleCategoryRemoved: true,
  CommercialLoadCapSet: true,
});
