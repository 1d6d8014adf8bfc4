import { eventTypesOf, type Event } from '../shared';

export const KA_TIERS = ['strategic', 'key', 'growth'] as const;
export type KaTier = (typeof KA_TIERS)[number];

export const advertiserStreamId = (advertiserId: string): string => `advertiser-${advertiserId}`;

export type AdvertiserRegistered = Event<
  'AdvertiserRegistered',
  {
    readonly advertiserId: string;
    readonly legalName: string;
    readonly registrationNumber: string;
    readonly kaTier: KaTier;
    readonly salesOwnerId: string;
  }
>;
export type AdvertiserVerified = Event<'AdvertiserVerified', { readonly advertiserId: string }>;
export type AdvertiserVerificationRejected = Event<
  'AdvertiserVerificationRejected',
  { readonly advertiserId: string; readonly reason: string }
>;
export type KaTierChanged = Event<'KaTierChanged', { readonly advertiserId: string; readonly kaTier: KaTier }>;
export type AdvertiserSuspended = Event<
  'AdvertiserSuspended',
  { readonly advertiserId: string; readonly reason: string }
>;
export type AdvertiserReinstated = Event<'AdvertiserReinstated', { readonly advertiserId: string }>;

export type AdvertiserEvent =
  | AdvertiserRegistered
  | AdvertiserVerified
  | AdvertiserVerificationRejected
  | KaTierChanged
  | AdvertiserSuspended
  | AdvertiserReinstated;

/** Every AdvertiserEvent type name. */
export const ADVERTISER_EVENT_TYPES = eventTypesOf<AdvertiserEvent>({
  AdvertiserRegistered: true,
  AdvertiserVerified: true,
  AdvertiserVerificationRejected: true,
  KaTierChanged: true,
  AdvertiserSuspended: true,
  AdvertiserReinstated: true,
});
