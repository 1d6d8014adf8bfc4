import type { Actor, AdvertiserStanding, CategoryStanding, LinkPolicy, Recorded } from '../../shared';
import { NOW, actor, metadataOf, recorded, spec } from '../../shared/testing/decider-spec';
import type { AmendmentChanges, ContractCommand, ContractEvent, ContractFacts, ContractTerms } from '..';
import { contractDecider } from '..';

export const CONTRACT_ID = 'ct1';
export const ADVERTISER_ID = 'adv1';

export const sam = actor('sam', 'sales');
export const sara = actor('sara', 'sales');
export const ada = actor('ada', 'deal_approver');
export const abe = actor('abe', 'deal_approver');
export const cleo = actor('cleo', 'compliance');
export const system = actor('campaign-process', 'service');
/** Holds both roles, so only four eyes can stop them approving their own work. */
export const dana = actor('dana', 'sales', 'deal_approver');

export const TERMS: ContractTerms = {
  currency: 'EUR',
  totalValueMinor: '1000000',
  startsOn: '2026-01-01',
  endsOn: '2026-12-31',
  categories: ['skincare', 'fashion', 'supplements'],
  platforms: ['taobao', 'jd'],
};

/** The day after TERMS end. */
export const AFTER_END = '2027-01-01T00:00:00.000Z';

export const contract = spec(contractDecider);

type EventOf<T extends ContractEvent['type']> = Extract<ContractEvent, { type: T }>;
type CommandOf<T extends ContractCommand['type']> = Extract<ContractCommand, { type: T }>;

/** An event of this contract as `decide` returns it. */
export const emitted = <T extends ContractEvent['type']>(
  type: T,
  data: Omit<EventOf<T>['data'], 'contractId'>,
): EventOf<T> => ({ type, data: { contractId: CONTRACT_ID, ...data } }) as unknown as EventOf<T>;

const event = <T extends ContractEvent['type']>(
  type: T,
  data: Omit<EventOf<T>['data'], 'contractId'>,
  by: Actor,
): Recorded<EventOf<T>> => recorded(emitted(type, data), by);

export const command = <T extends ContractCommand['type']>(
  type: T,
  data: Omit<CommandOf<T>['data'], 'contractId'>,
  by: Actor,
  now: string = NOW,
): CommandOf<T> =>
  ({ type, data: { contractId: CONTRACT_ID, ...data }, metadata: metadataOf(by, now) }) as unknown as CommandOf<T>;

export const drafted = (by: Actor = sam, terms: Partial<ContractTerms> = {}) =>
  event('ContractDrafted', { advertiserId: ADVERTISER_ID, channel: 'direct', ...TERMS, ...terms }, by);
export const revised = (changes: Partial<ContractTerms>, by: Actor = sam) => event('ContractDraftRevised', changes, by);
export const submitted = (by: Actor = sam) => event('ContractSubmitted', {}, by);
export const approved = (by: Actor = ada) => event('ContractApproved', {}, by);
export const rejected = (by: Actor = ada) => event('ContractRejected', { reason: 'Value too low' }, by);
export const signed = (by: Actor = sam) => event('ContractSigned', {}, by);
export const amendmentProposed = (changes: AmendmentChanges, version = 2, by: Actor = sara) =>
  event('ContractAmendmentProposed', { version, changes }, by);
export const amendmentApproved = (terms: Partial<ContractTerms>, version = 2, by: Actor = ada) =>
  event('ContractAmendmentApproved', { version, ...TERMS, ...terms }, by);
export const amendmentRejected = (version = 2, by: Actor = ada) =>
  event('ContractAmendmentRejected', { version, reason: 'Not now' }, by);
export const linkEnabled = (platform: string, categories: string[]) =>
  event('ExternalLinkEnabled', { platform, categories }, cleo);
export const linkDisabled = (platform: string) => event('ExternalLinkDisabled', { platform, reason: 'Recall' }, cleo);
export const budgetAllocated = (campaignId: string, amountMinor: string) =>
  event('CampaignBudgetAllocated', { campaignId, amountMinor }, system);
export const budgetReleased = (campaignId: string, amountMinor: string) =>
  event('CampaignBudgetReleased', { campaignId, amountMinor }, system);
export const suspended = () => event('ContractSuspended', { reason: 'Audit' }, cleo);
export const resumed = () => event('ContractResumed', {}, cleo);
export const terminated = () => event('ContractTerminated', { reason: 'Breach' }, ada);
export const expired = () => event('ContractExpired', {}, system);

export const inDraft = () => [drafted()];
export const inReview = () => [drafted(), submitted()];
export const inApproved = () => [...inReview(), approved()];
export const inActive = () => [...inApproved(), signed()];
export const inSuspended = () => [...inActive(), suspended()];
export const inTerminated = () => [...inActive(), terminated()];
export const inExpired = () => [...inActive(), expired()];

export const advertiser = (standing: Partial<AdvertiserStanding> = {}): AdvertiserStanding => ({
  advertiserId: ADVERTISER_ID,
  registered: true,
  verified: true,
  suspended: false,
  ...standing,
});

export const policy = (suspendedPlatforms: string[] = []): LinkPolicy => ({
  platforms: Object.fromEntries(
    ['taobao', 'jd', 'weidian'].map((platform) => [
      platform,
      { platform, suspended: suspendedPlatforms.includes(platform), allowedDomains: [`${platform}.com`] },
    ]),
  ),
  // supplements stays off this list: it is on the contract and approved, but not link-eligible.
  linkEligibleCategories: { skincare: { regulated: false }, fashion: { regulated: false }, toys: { regulated: false } },
  commercialLoadCapBasisPoints: 1500,
});

export const approvals = (approved: string[], refused: string[] = []): CategoryStanding[] => [
  ...approved.map((category) => ({ advertiserId: ADVERTISER_ID, category, approved: true })),
  ...refused.map((category) => ({ advertiserId: ADVERTISER_ID, category, approved: false })),
];

export const advertiserFacts = (standing: Partial<AdvertiserStanding> = {}): ContractFacts => ({
  advertiser: advertiser(standing),
});

export const linkFacts = (facts: ContractFacts = {}): ContractFacts => ({
  policy: policy(),
  categoryApprovals: approvals(['skincare', 'fashion', 'supplements', 'toys']),
  ...facts,
});
