import type { Command } from '../shared';

/** `kaTier` is a plain string here because the decider, not the caller's type, decides what a tier is. */
export type RegisterAdvertiser = Command<
  'RegisterAdvertiser',
  {
    readonly advertiserId: string;
    readonly legalName: string;
    readonly registrationNumber: string;
    readonly kaTier: string;
    readonly salesOwnerId: string;
  }
>;

/**
 * One command for both outcomes of a compliance review, as the review is one act with two results;
 * a rejection must say why.
 */
export type VerifyAdvertiser = Command<
  'VerifyAdvertiser',
  | { readonly advertiserId: string; readonly decision: 'verified' }
  | { readonly advertiserId: string; readonly decision: 'rejected'; readonly reason: string }
>;
export type ChangeKaTier = Command<'ChangeKaTier', { readonly advertiserId: string; readonly kaTier: string }>;
export type SuspendAdvertiser = Command<
  'SuspendAdvertiser',
  { readonly advertiserId: string; readonly reason: string }
>;
export type ReinstateAdvertiser = Command<'ReinstateAdvertiser', { readonly advertiserId: string }>;

export type AdvertiserCommand =
  RegisterAdvertiser | VerifyAdvertiser | ChangeKaTier | SuspendAdvertiser | ReinstateAdvertiser;
