import type { Command } from '../shared';

export type RegisterLinkPlatform = Command<
  'RegisterLinkPlatform',
  { readonly platform: string; readonly displayName: string; readonly allowedDomains: readonly string[] }
>;
export type ChangeLinkPlatformDomains = Command<
  'ChangeLinkPlatformDomains',
  { readonly platform: string; readonly allowedDomains: readonly string[] }
>;
export type SuspendLinkPlatform = Command<
  'SuspendLinkPlatform',
  { readonly platform: string; readonly reason: string }
>;
export type ReinstateLinkPlatform = Command<'ReinstateLinkPlatform', { readonly platform: string }>;
export type AddLinkEligibleCategory = Command<
  'AddLinkEligibleCategory',
  { readonly category: string; readonly regulated: boolean }
>;
export type RemoveLinkEligibleCategory = Command<'RemoveLinkEligibleCategory', { readonly category: string }>;
export type SetCommercialLoadCap = Command<'SetCommercialLoadCap', { readonly basisPoints: number }>;

export type PlatformPolicyCommand =
  | RegisterLinkPlatform
  | ChangeLinkPlatformDomains
  | SuspendLinkPlatform
  | ReinstateLinkPlatform
  | AddLinkEligibleCategory
  | RemoveLinkEligibleCategory
  | SetCommercialLoadCap;
