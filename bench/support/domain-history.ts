import { randomUUID } from 'node:crypto';
import {
  PLATFORM_POLICY_STREAM,
  advertiserStreamId,
  campaignStreamId,
  categoryApprovalStreamId,
  contractStreamId,
  type KaTier,
} from '#domain';
import { GENESIS_HASH, eventHash, type EventStore, type JsonObject } from '#event-store';

/*
 * Domain events as the command handlers store them (same types, data and metadata, hash-chained),
 * written straight through the event store port: for projection tests, the crash test and the
 * rebuild bench, which need realistic histories far faster than HTTP could record them.
 */

export interface PlannedEvent {
  readonly streamId: string;
  readonly type: string;
  readonly data: JsonObject;
}

const planned = (streamId: string, type: string, data: JsonObject): PlannedEvent => ({ streamId, type, data });

export const events = {
  platformRegistered: (platform: string, allowedDomains: string[]) =>
    planned(PLATFORM_POLICY_STREAM, 'LinkPlatformRegistered', { platform, displayName: platform, allowedDomains }),
  platformDomainsChanged: (platform: string, allowedDomains: string[]) =>
    planned(PLATFORM_POLICY_STREAM, 'LinkPlatformDomainsChanged', { platform, allowedDomains }),
  platformSuspended: (platform: string, reason = 'partner under investigation') =>
    planned(PLATFORM_POLICY_STREAM, 'LinkPlatformSuspended', { platform, reason }),
  platformReinstated: (platform: string) => planned(PLATFORM_POLICY_STREAM, 'LinkPlatformReinstated', { platform }),
  categoryEligible: (category: string, regulated = false) =>
    planned(PLATFORM_POLICY_STREAM, 'LinkEligibleCategoryAdded', { category, regulated }),
  categoryNotEligible: (category: string) =>
    planned(PLATFORM_POLICY_STREAM, 'LinkEligibleCategoryRemoved', { category }),

  advertiserRegistered: (advertiserId: string, kaTier: KaTier = 'key', salesOwnerId = 'sam') =>
    planned(advertiserStreamId(advertiserId), 'AdvertiserRegistered', {
      advertiserId,
      legalName: `Client ${advertiserId.slice(0, 8)} Ltd`,
      registrationNumber: `REG-${advertiserId.slice(0, 8)}`,
      kaTier,
      salesOwnerId,
    }),
  advertiserVerified: (advertiserId: string) =>
    planned(advertiserStreamId(advertiserId), 'AdvertiserVerified', { advertiserId }),
  advertiserRejected: (advertiserId: string, reason = 'registration number does not match') =>
    planned(advertiserStreamId(advertiserId), 'AdvertiserVerificationRejected', { advertiserId, reason }),
  kaTierChanged: (advertiserId: string, kaTier: KaTier) =>
    planned(advertiserStreamId(advertiserId), 'KaTierChanged', { advertiserId, kaTier }),
  advertiserSuspended: (advertiserId: string, reason = 'unpaid invoices') =>
    planned(advertiserStreamId(advertiserId), 'AdvertiserSuspended', { advertiserId, reason }),
  advertiserReinstated: (advertiserId: string) =>
    planned(advertiserStreamId(advertiserId), 'AdvertiserReinstated', { advertiserId }),

  categoryRequested: (advertiserId: string, category: string, validUntil = '2099-12-31') =>
    planned(categoryApprovalStreamId(advertiserId, category), 'CategoryApprovalRequested', {
      advertiserId,
      category,
      licenceRef: `LIC-${category}`,
      validUntil,
    }),
  categoryApproved: (advertiserId: string, category: string, validUntil = '2099-12-31') =>
    planned(categoryApprovalStreamId(advertiserId, category), 'CategoryApproved', {
      advertiserId,
      category,
      validUntil,
    }),
  categoryRejected: (advertiserId: string, category: string, reason = 'licence missing') =>
    planned(categoryApprovalStreamId(advertiserId, category), 'CategoryApprovalRejected', {
      advertiserId,
      category,
      reason,
    }),
  categoryRevoked: (advertiserId: string, category: string, reason = 'licence withdrawn by the regulator') =>
    planned(categoryApprovalStreamId(advertiserId, category), 'CategoryApprovalRevoked', {
      advertiserId,
      category,
      reason,
    }),
  categoryExpired: (advertiserId: string, category: string) =>
    planned(categoryApprovalStreamId(advertiserId, category), 'CategoryApprovalExpired', { advertiserId, category }),

  contractDrafted: (
    contractId: string,
    advertiserId: string,
    terms: {
      categories: string[];
      platforms: string[];
      totalValueMinor?: string;
      startsOn?: string;
      endsOn?: string;
      currency?: string;
    },
  ) =>
    planned(contractStreamId(contractId), 'ContractDrafted', {
      contractId,
      advertiserId,
      currency: terms.currency ?? 'CNY',
      totalValueMinor: terms.totalValueMinor ?? '100000000',
      startsOn: terms.startsOn ?? '2020-01-01',
      endsOn: terms.endsOn ?? '2099-12-31',
      categories: terms.categories,
      platforms: terms.platforms,
    }),
  contractRevised: (contractId: string, changes: JsonObject) =>
    planned(contractStreamId(contractId), 'ContractDraftRevised', { contractId, ...changes }),
  contractSubmitted: (contractId: string) => planned(contractStreamId(contractId), 'ContractSubmitted', { contractId }),
  contractApproved: (contractId: string) => planned(contractStreamId(contractId), 'ContractApproved', { contractId }),
  contractRejected: (contractId: string, reason = 'value too high') =>
    planned(contractStreamId(contractId), 'ContractRejected', { contractId, reason }),
  contractSigned: (contractId: string) => planned(contractStreamId(contractId), 'ContractSigned', { contractId }),
  amendmentProposed: (contractId: string, version: number, changes: JsonObject) =>
    planned(contractStreamId(contractId), 'ContractAmendmentProposed', { contractId, version, changes }),
  amendmentApproved: (
    contractId: string,
    version: number,
    terms: {
      categories: string[];
      platforms: string[];
      totalValueMinor: string;
      startsOn: string;
      endsOn: string;
      currency: string;
    },
  ) => planned(contractStreamId(contractId), 'ContractAmendmentApproved', { contractId, version, ...terms }),
  amendmentRejected: (contractId: string, version: number, reason = 'not now') =>
    planned(contractStreamId(contractId), 'ContractAmendmentRejected', { contractId, version, reason }),
  linkEnabled: (contractId: string, platform: string, categories: string[]) =>
    planned(contractStreamId(contractId), 'ExternalLinkEnabled', { contractId, platform, categories }),
  linkDisabled: (contractId: string, platform: string, reason = 'compliance review') =>
    planned(contractStreamId(contractId), 'ExternalLinkDisabled', { contractId, platform, reason }),
  budgetAllocated: (contractId: string, campaignId: string, amountMinor: string) =>
    planned(contractStreamId(contractId), 'CampaignBudgetAllocated', { contractId, campaignId, amountMinor }),
  budgetReleased: (contractId: string, campaignId: string, amountMinor: string) =>
    planned(contractStreamId(contractId), 'CampaignBudgetReleased', { contractId, campaignId, amountMinor }),
  contractSuspended: (contractId: string, reason = 'payment overdue') =>
    planned(contractStreamId(contractId), 'ContractSuspended', { contractId, reason }),
  contractResumed: (contractId: string) => planned(contractStreamId(contractId), 'ContractResumed', { contractId }),
  contractTerminated: (contractId: string, reason = 'breach of terms') =>
    planned(contractStreamId(contractId), 'ContractTerminated', { contractId, reason }),
  contractExpired: (contractId: string) => planned(contractStreamId(contractId), 'ContractExpired', { contractId }),

  campaignCreated: (
    campaignId: string,
    contractId: string,
    advertiserId: string,
    category: string,
    budgetMinor: string,
    linkTarget?: { platform: string; url: string },
  ) =>
    planned(campaignStreamId(campaignId), 'CampaignCreated', {
      campaignId,
      contractId,
      advertiserId,
      category,
      budgetMinor,
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: '2026-12-31T00:00:00.000Z',
      ...(linkTarget ? { linkTarget } : {}),
      adLabel: '广告 Ad',
    }),
  campaignSubmitted: (campaignId: string) => planned(campaignStreamId(campaignId), 'CampaignSubmitted', { campaignId }),
  campaignApproved: (campaignId: string) => planned(campaignStreamId(campaignId), 'CampaignApproved', { campaignId }),
  campaignRejected: (campaignId: string, budgetMinor: string) =>
    planned(campaignStreamId(campaignId), 'CampaignRejected', { campaignId, reason: 'label too small', budgetMinor }),
  campaignLaunched: (campaignId: string) => planned(campaignStreamId(campaignId), 'CampaignLaunched', { campaignId }),
  campaignPaused: (campaignId: string, reason = 'creative refresh') =>
    planned(campaignStreamId(campaignId), 'CampaignPaused', { campaignId, reason }),
  campaignResumed: (campaignId: string) => planned(campaignStreamId(campaignId), 'CampaignResumed', { campaignId }),
  spendReported: (campaignId: string, amountMinor: string, day: number) =>
    planned(campaignStreamId(campaignId), 'CampaignSpendReported', {
      campaignId,
      batchId: `spend-${day}`,
      amountMinor,
      periodStart: new Date(Date.UTC(2026, 0, 1 + day)).toISOString(),
      periodEnd: new Date(Date.UTC(2026, 0, 2 + day)).toISOString(),
    }),
  campaignSuspendedByPolicy: (campaignId: string, cause: string) =>
    planned(campaignStreamId(campaignId), 'CampaignSuspendedByPolicy', { campaignId, cause }),
  campaignCompleted: (campaignId: string, spentMinor: string, unspentMinor: string) =>
    planned(campaignStreamId(campaignId), 'CampaignCompleted', { campaignId, spentMinor, unspentMinor }),
};

interface StreamHead {
  revision: bigint;
  hash: string;
}

/**
 * Appends planned events with the metadata the command executor writes (ids, actor, time, hash
 * chain), each append at the stream's exact expected revision. It writes only streams it created
 * itself, so it knows every stream's head without asking the store.
 */
export class HistoryWriter {
  private readonly heads = new Map<string, StreamHead>();

  constructor(private readonly store: EventStore) {}

  /** Continues a stream someone else also writes: its head is read back from the store. */
  async follow(streamId: string): Promise<void> {
    const [last] = await this.store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    if (last !== undefined) this.heads.set(streamId, { revision: last.revision, hash: String(last.metadata.hash) });
  }

  /** Appends events of one stream as one command; returns the position of the last. */
  async append(
    batch: readonly PlannedEvent[],
    actor: { userId: string; roles: string[] } = { userId: 'seed', roles: ['sales'] },
  ): Promise<bigint> {
    const streamId = batch[0]!.streamId;
    const head = this.heads.get(streamId) ?? { revision: -1n, hash: GENESIS_HASH };
    const commandId = randomUUID();
    const correlationId = randomUUID();
    const recordedAt = new Date().toISOString();
    let prevHash = head.hash;
    let revision = head.revision;
    const stored = batch.map((event) => {
      revision++;
      const eventId = randomUUID();
      const unhashed = {
        eventId,
        commandId,
        correlationId,
        causationId: null,
        actor,
        recordedAt,
        schemaVersion: 1,
        prevHash,
      };
      const hash = eventHash(prevHash, {
        streamId,
        revision,
        eventId,
        type: event.type,
        data: event.data,
        metadata: unhashed,
      });
      prevHash = hash;
      return { eventId, type: event.type, data: event.data, metadata: { ...unhashed, hash } };
    });
    const result = await this.store.append(streamId, stored, head.revision < 0n ? 'no_stream' : head.revision);
    this.heads.set(streamId, { revision, hash: prevHash });
    return result.position;
  }

  /** Appends each event on its own (one command per event), in order. */
  async appendEach(planned: readonly PlannedEvent[]): Promise<bigint> {
    let position = 0n;
    for (const event of planned) position = await this.append([event]);
    return position;
  }
}

/** A small deterministic PRNG (mulberry32), so a seed reproduces a history. */
export const randomSource = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const PLATFORMS = { taobao: ['taobao.com', 'tmall.com'], jd: ['jd.com'] } as const;
export const CATEGORIES = ['beauty', 'fashion', 'food', 'electronics', 'home'] as const;

/** The platform policy every generated history starts with. */
export const policySetup = (): PlannedEvent[] => [
  ...Object.entries(PLATFORMS).map(([platform, domains]) => events.platformRegistered(platform, [...domains])),
  ...CATEGORIES.map((category) => events.categoryEligible(category, category === 'beauty')),
];

/**
 * One KA client's life as a list of appends (each a list of events of one stream): registration,
 * category approvals, one or two contracts with links, campaigns with spend reports, and now and
 * then a revocation, a suspension or an amendment. Coherent with the deciders' rules, so reactors
 * acting on it see the states they expect.
 */
export const clientStory = (random: () => number): PlannedEvent[][] => {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const advertiserId = randomUUID();
  const steps: PlannedEvent[][] = [];
  const step = (...planned: PlannedEvent[]): void => {
    steps.push(planned);
  };
  step(
    events.advertiserRegistered(
      advertiserId,
      pick(['strategic', 'key', 'growth'] as const),
      pick(['sam', 'sue', 'sid']),
    ),
  );
  step(events.advertiserVerified(advertiserId));
  const categories = [...CATEGORIES].sort(() => random() - 0.5).slice(0, 1 + Math.floor(random() * 3));
  for (const category of categories) {
    step(events.categoryRequested(advertiserId, category));
    step(events.categoryApproved(advertiserId, category));
  }
  const contractCount = 1 + Math.floor(random() * 2);
  for (let c = 0; c < contractCount; c++) {
    const contractId = randomUUID();
    const platforms = random() < 0.5 ? ['taobao', 'jd'] : [pick(['taobao', 'jd'])];
    const value = 50_000_000 + Math.floor(random() * 50_000_000);
    step(events.contractDrafted(contractId, advertiserId, { categories, platforms, totalValueMinor: String(value) }));
    step(events.contractSubmitted(contractId));
    step(events.contractApproved(contractId));
    step(events.contractSigned(contractId));
    for (const platform of platforms) step(events.linkEnabled(contractId, platform, categories));
    const campaigns = 2 + Math.floor(random() * 4);
    for (let k = 0; k < campaigns; k++) {
      const campaignId = randomUUID();
      const category = pick(categories);
      const platform = pick(platforms);
      const budget = String(100_000 + Math.floor(random() * 1_000_000));
      step(events.budgetAllocated(contractId, campaignId, budget));
      step(
        events.campaignCreated(campaignId, contractId, advertiserId, category, budget, {
          platform,
          url: `https://shop.${PLATFORMS[platform as keyof typeof PLATFORMS][0]}/item/${Math.floor(random() * 1e6)}`,
        }),
      );
      step(events.campaignSubmitted(campaignId));
      step(events.campaignApproved(campaignId));
      step(events.campaignLaunched(campaignId));
      const reports = 3 + Math.floor(random() * 8);
      let spent = 0;
      for (let day = 0; day < reports; day++) {
        const amount = 1_000 + Math.floor(random() * 9_000);
        spent += amount;
        step(events.spendReported(campaignId, String(amount), day));
      }
      if (random() < 0.2) {
        step(events.campaignPaused(campaignId));
        step(events.campaignResumed(campaignId));
      }
      if (random() < 0.5) {
        const unspent = String(Number(budget) - spent);
        step(events.campaignCompleted(campaignId, String(spent), unspent));
        step(events.budgetReleased(contractId, campaignId, unspent));
      }
    }
    const twist = random();
    if (twist < 0.05) step(events.contractSuspended(contractId));
    else if (twist < 0.08) step(events.contractTerminated(contractId));
    else if (twist < 0.15) {
      step(events.amendmentProposed(contractId, 2, { totalValueMinor: String(value * 2) }));
      step(
        events.amendmentApproved(contractId, 2, {
          currency: 'CNY',
          totalValueMinor: String(value * 2),
          startsOn: '2020-01-01',
          endsOn: '2099-12-31',
          categories,
          platforms,
        }),
      );
    }
  }
  const ending = random();
  if (ending < 0.05) step(events.categoryRevoked(advertiserId, categories[0]!));
  else if (ending < 0.07) step(events.advertiserSuspended(advertiserId));
  else if (ending < 0.1) step(events.kaTierChanged(advertiserId, 'strategic'));
  return steps;
};

export interface GenerateOptions {
  readonly events: number;
  /** Concurrent writers; each interleaves the stories it is writing. */
  readonly writers?: number;
  /** Stories each writer keeps open at once: how interleaved the log is. */
  readonly storiesPerWriter?: number;
  readonly seed?: number;
  readonly onProgress?: (written: number) => void;
}

/**
 * Writes at least `options.events` events: the policy, then client stories interleaved the way
 * concurrent users would interleave them (every append is one stream's command, at its revision).
 */
export const generateHistory = async (store: EventStore, options: GenerateOptions): Promise<number> => {
  const writer = new HistoryWriter(store);
  for (const event of policySetup()) await writer.append([event], { userId: 'ada', roles: ['platform_admin'] });
  let written = policySetup().length;
  const writers = options.writers ?? 8;
  const perWriter = options.storiesPerWriter ?? 25;
  const random = randomSource(options.seed ?? 1);
  let lastReport = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const open: PlannedEvent[][][] = [];
      while (written < options.events || open.length > 0) {
        while (open.length < perWriter && written < options.events) open.push(clientStory(random));
        if (open.length === 0) break;
        const index = Math.floor(random() * open.length);
        const story = open[index]!;
        const next = story.shift()!;
        if (story.length === 0) open.splice(index, 1);
        await writer.append(next);
        written += next.length;
        if (options.onProgress && written - lastReport >= 50_000) {
          lastReport = written;
          options.onProgress(written);
        }
      }
    }),
  );
  return written;
};
