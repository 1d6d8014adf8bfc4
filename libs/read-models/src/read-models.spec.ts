import { randomUUID } from 'node:crypto';
import { Pool, type ClientBase } from 'pg';
import { PostgresEventStore, type EventStore, type RecordedEvent } from '#event-store';
import { withUpcasting } from '#runtime';
import { HistoryWriter, events, policySetup, type PlannedEvent } from '../../../bench/support/domain-history';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres';
import { lockKeyOf } from './engine/advisory-lock';
import { CheckpointWatcher } from './engine/checkpoint-watcher';
import { readCheckpoint } from './engine/checkpoints';
import type { Projection } from './engine/projection';
import { buildShadow, dropShadow, rebuild, tableChecksum } from './engine/rebuild';
import { ProjectionRunner } from './engine/runner';
import { findKaClient, listKaClients } from './ka-clients/ka-clients.queries';
import { KA_CLIENTS, kaClientsProjection } from './ka-clients/ka-clients.projection';
import { LINK_PERMISSIONS, linkPermissionsProjection } from './link-permissions/link-permissions.projection';
import { LinkPermissionCache } from './link-permissions/link-permission-cache';
import { CampaignServingAnswers } from './serving/campaign-serving';
import { WORK_LISTS } from './work-lists/work-lists.projection';
import { checkLinkPermission, listLinkPermissions } from './link-permissions/link-permissions.queries';
import {
  BATCH_GRAINED_TABLES,
  pruneLinkPermissionChanges,
  readPermissionChanges,
} from './link-permissions/link-permission-changes';
import { READ_MODELS, migrateReadModels } from './read-models';

const TODAY = '2026-06-15';
const check = { platform: 'taobao', category: 'beauty', url: 'https://item.taobao.com/123' };

/** A fully allowed setup for one advertiser: verified, beauty approved, contract active, taobao link on. */
const allowedClient = (advertiserId: string, contractId: string): PlannedEvent[] => [
  events.advertiserRegistered(advertiserId),
  events.advertiserVerified(advertiserId),
  events.categoryRequested(advertiserId, 'beauty', '2026-12-31'),
  events.categoryApproved(advertiserId, 'beauty', '2026-12-31'),
  events.contractDrafted(contractId, advertiserId, {
    categories: ['beauty', 'food'],
    platforms: ['taobao', 'jd'],
    startsOn: '2026-01-01',
    endsOn: '2026-12-31',
  }),
  events.contractSubmitted(contractId),
  events.contractApproved(contractId),
  events.contractSigned(contractId),
  events.linkEnabled(contractId, 'taobao', ['beauty']),
];

describe('read-model projections on PostgreSQL', () => {
  let database: TestDatabase;
  let store: EventStore;
  let writer: HistoryWriter;
  let watcher: CheckpointWatcher;
  const runners: ProjectionRunner[] = [];

  const startRunner = (projection: Projection) => {
    const runner = new ProjectionRunner({ pool: database.pool, store, projection, lockPollMs: 50, retryDelayMs: 50 });
    runners.push(runner);
    runner.start();
    return runner;
  };

  let lastWritten = 0n;
  /** Appends each event as its own command; returns the position of the last. */
  const write = async (...planned: PlannedEvent[]): Promise<bigint> => {
    lastWritten = await writer.appendEach(planned);
    return lastWritten;
  };

  /** Waits (bounded) until the projection has applied everything this spec wrote so far. */
  const caughtUp = async (name: string): Promise<string> => {
    const reached = await watcher.waitFor(name, lastWritten, 15_000);
    if (reached === undefined) throw new Error(`${name} did not reach ${lastWritten.toString()}`);
    return reached.toString();
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    store = withUpcasting(await PostgresEventStore.create(database.pool));
    writer = new HistoryWriter(store);
    watcher = new CheckpointWatcher(database.pool);
    await migrateReadModels(database.pool);
    await write(...policySetup());
    for (const projection of READ_MODELS) startRunner(projection);
  });
  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await watcher?.close();
    await store?.close();
    await database?.drop();
  });

  it('keeps a client with many campaigns counted by status through their transitions, one row per campaign', async () => {
    const advertiserId = randomUUID();
    const contractId = randomUUID();
    const ids = Array.from({ length: 120 }, () => randomUUID());
    await write(
      ...allowedClient(advertiserId, contractId),
      ...ids.map((id) => events.campaignCreated(id, contractId, advertiserId, 'beauty', '1000')),
    );
    await caughtUp(KA_CLIENTS);
    // A fresh runner reads the campaigns back from their table rather than from its cache; the
    // stopped ones leave `runners` so later tests find the live one.
    for (const runner of runners.filter((candidate) => candidate.name === KA_CLIENTS)) {
      await runner.stop();
      runners.splice(runners.indexOf(runner), 1);
    }
    startRunner(kaClientsProjection);
    await write(
      ...ids.slice(0, 90).flatMap((id) => [events.campaignSubmitted(id), events.campaignApproved(id)]),
      ...ids.slice(0, 60).map((id) => events.campaignLaunched(id)),
      ...ids.slice(0, 20).map((id) => events.campaignPaused(id)),
      ...ids.slice(0, 10).map((id) => events.campaignResumed(id)),
      ...ids.slice(60, 70).map((id) => events.campaignSuspendedByPolicy(id, 'category revoked')),
      ...ids.slice(70, 75).map((id) => events.campaignRejected(id, '1000')),
      ...ids.slice(20, 30).map((id) => events.campaignCompleted(id, '0', '1000')),
    );
    await caughtUp(KA_CLIENTS);

    const { value: client } = await findKaClient(database.pool, advertiserId);
    const expected = { Draft: 30, Approved: 15, Rejected: 5, PolicySuspended: 10, Live: 40, Paused: 10, Completed: 10 };
    expect(client!.campaignCounts).toEqual(expected);
    const { rows } = await database.pool.query<{ status: string; count: number }>(
      'SELECT status, count(*)::int AS count FROM ka_client_campaigns WHERE advertiser_id = $1 GROUP BY status',
      [advertiserId],
    );
    expect(Object.fromEntries(rows.map((row) => [row.status, row.count]))).toEqual(expected);
  });

  it("keeps each of a client's contracts in a row of its own: a contract event rewrites that contract and the small client row", async () => {
    const advertiserId = randomUUID();
    const contractIds = Array.from({ length: 40 }, () => randomUUID());
    await write(
      ...allowedClient(advertiserId, contractIds[0]!),
      ...contractIds
        .slice(1)
        .map((id) => events.contractDrafted(id, advertiserId, { categories: ['beauty'], platforms: ['jd'] })),
    );
    await caughtUp(KA_CLIENTS);
    // A fresh runner reads the contracts back from their table rather than from its cache.
    for (const runner of runners.filter((candidate) => candidate.name === KA_CLIENTS)) {
      await runner.stop();
      runners.splice(runners.indexOf(runner), 1);
    }
    startRunner(kaClientsProjection);
    const positionsOf = async () =>
      new Map(
        (
          await database.pool.query<{ contract_id: string; position: string }>(
            'SELECT contract_id, position::text FROM ka_client_contracts WHERE advertiser_id = $1',
            [advertiserId],
          )
        ).rows.map((row) => [row.contract_id, row.position]),
      );
    const before = await positionsOf();
    const enabled = await write(events.linkEnabled(contractIds[7]!, 'jd', ['beauty']));
    await write(events.contractSubmitted(contractIds[8]!));
    await caughtUp(KA_CLIENTS);

    const after = await positionsOf();
    expect(after.size).toBe(40);
    const moved = [...after].filter(([id, position]) => before.get(id) !== position).map(([id]) => id);
    expect(moved.sort()).toEqual([contractIds[7]!, contractIds[8]!].sort());
    expect(after.get(contractIds[7]!)).toBe(enabled.toString());
    const { value: client } = await findKaClient(database.pool, advertiserId);
    expect(Object.keys(client!.contracts).sort()).toEqual([...contractIds].sort());
    expect(client!.contracts[contractIds[7]!]!.enabledLinks).toEqual({ jd: ['beauty'] });
    expect(client!.contracts[contractIds[8]!]!.status).toBe('Submitted');
    expect(client!.contracts[contractIds[0]!]!.status).toBe('Active');
    const { rows } = await database.pool.query<{ columns: string[] }>(
      "SELECT array_agg(column_name::text) AS columns FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'ka_clients'",
    );
    expect(rows[0]!.columns).not.toContain('contracts');
  });

  it('projects a client: given its events, then its ka_clients row and its link permissions', async () => {
    const advertiserId = randomUUID();
    const contractId = randomUUID();
    const campaignId = randomUUID();
    await write(
      ...allowedClient(advertiserId, contractId),
      events.budgetAllocated(contractId, campaignId, '500000'),
      events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '500000'),
      events.campaignLaunched(campaignId),
      events.spendReported(campaignId, '1500', 0),
    );
    const position = await caughtUp(KA_CLIENTS);

    const { value: client, position: read } = await findKaClient(database.pool, advertiserId);
    expect(BigInt(read)).toBeGreaterThanOrEqual(BigInt(position));
    expect(client).toMatchObject({
      advertiserId,
      kaTier: 'key',
      verification: 'Verified',
      categories: { beauty: { status: 'Approved', validUntil: '2026-12-31' } },
      campaignCounts: { Live: 1 },
    });
    expect(client!.contracts[contractId]).toMatchObject({
      status: 'Active',
      allocatedMinor: '500000',
      spentMinor: '1500',
      enabledLinks: { taobao: ['beauty'] },
    });
    expect(BigInt(client!.position)).toBeLessThanOrEqual(BigInt(position));

    await caughtUp(LINK_PERMISSIONS);
    const { value: page } = await listLinkPermissions(database.pool, { contractId }, TODAY, undefined, 50);
    expect(page.items.map((row) => [row.platform, row.category, row.allowed, row.reasons])).toEqual([
      ['jd', 'beauty', false, ['LINK_DISABLED']],
      ['jd', 'food', false, ['CATEGORY_NOT_APPROVED', 'LINK_DISABLED']],
      ['taobao', 'beauty', true, []],
      ['taobao', 'food', false, ['CATEGORY_NOT_APPROVED', 'LINK_DISABLED']],
    ]);
    expect(page.items[2]).toMatchObject({
      allowedDomains: ['taobao.com', 'tmall.com'],
      validFrom: '2026-01-01',
      validUntil: '2026-12-31',
      adLabelRequired: true,
      regulated: true,
      licenceRef: 'LIC-beauty',
    });
    const answer = await checkLinkPermission(database.pool, { advertiserId, ...check }, TODAY);
    expect(answer.value).toMatchObject({ allowed: true, reasons: [], contractId });
  });

  describe('denies with each reason', () => {
    const denial = async (setup: (advertiserId: string, contractId: string) => PlannedEvent[], today = TODAY) => {
      const advertiserId = randomUUID();
      const contractId = randomUUID();
      await write(...setup(advertiserId, contractId));
      await caughtUp(LINK_PERMISSIONS);
      return (await checkLinkPermission(database.pool, { advertiserId, ...check }, today)).value;
    };

    it.each([
      ['CONTRACT_NOT_ACTIVE', (a: string, k: string) => [...allowedClient(a, k), events.contractSuspended(k)]],
      [
        'CATEGORY_NOT_APPROVED',
        (a: string, k: string) => allowedClient(a, k).filter((e) => e.type !== 'CategoryApproved'),
      ],
      ['CATEGORY_REVOKED', (a: string, k: string) => [...allowedClient(a, k), events.categoryRevoked(a, 'beauty')]],
      ['CATEGORY_EXPIRED', (a: string, k: string) => [...allowedClient(a, k), events.categoryExpired(a, 'beauty')]],
      ['ADVERTISER_SUSPENDED', (a: string, k: string) => [...allowedClient(a, k), events.advertiserSuspended(a)]],
      [
        'ADVERTISER_NOT_VERIFIED',
        (a: string, k: string) => allowedClient(a, k).filter((e) => e.type !== 'AdvertiserVerified'),
      ],
      ['LINK_DISABLED', (a: string, k: string) => [...allowedClient(a, k), events.linkDisabled(k, 'taobao')]],
    ])('%s', async (reason, setup) => {
      expect(await denial(setup)).toMatchObject({ allowed: false, reasons: [reason] });
    });

    it('PLATFORM_SUSPENDED, for every client at once, and allowed again when reinstated', async () => {
      const advertiserId = randomUUID();
      await write(...allowedClient(advertiserId, randomUUID()));
      await write(events.platformSuspended('taobao'));
      await caughtUp(LINK_PERMISSIONS);
      expect((await checkLinkPermission(database.pool, { advertiserId, ...check }, TODAY)).value).toMatchObject({
        allowed: false,
        reasons: ['PLATFORM_SUSPENDED'],
      });
      await write(events.platformReinstated('taobao'));
      await caughtUp(LINK_PERMISSIONS);
      expect((await checkLinkPermission(database.pool, { advertiserId, ...check }, TODAY)).value.allowed).toBe(true);
    });

    it('PLATFORM_NOT_REGISTERED and CATEGORY_NOT_LINK_ELIGIBLE', async () => {
      const advertiserId = randomUUID();
      const contractId = randomUUID();
      await write(
        events.advertiserRegistered(advertiserId),
        events.advertiserVerified(advertiserId),
        events.categoryRequested(advertiserId, 'toys'),
        events.categoryApproved(advertiserId, 'toys'),
        events.contractDrafted(contractId, advertiserId, { categories: ['toys'], platforms: ['pdd'] }),
        events.contractSigned(contractId),
        events.linkEnabled(contractId, 'pdd', ['toys']),
      );
      await caughtUp(LINK_PERMISSIONS);
      const answer = await checkLinkPermission(
        database.pool,
        { advertiserId, platform: 'pdd', category: 'toys', url: 'https://pdd.com/x' },
        TODAY,
      );
      expect(answer.value).toMatchObject({
        allowed: false,
        reasons: ['PLATFORM_NOT_REGISTERED', 'CATEGORY_NOT_LINK_ELIGIBLE', 'URL_NOT_ALLOWED'],
      });
    });

    it('CONTRACT_NOT_IN_TERM and a lapsed CATEGORY_EXPIRED, by the calendar alone', async () => {
      expect(await denial(allowedClient, '2027-01-05')).toMatchObject({
        reasons: ['CONTRACT_NOT_IN_TERM', 'CATEGORY_EXPIRED'],
      });
      expect(await denial(allowedClient, '2025-12-31')).toMatchObject({ reasons: ['CONTRACT_NOT_IN_TERM'] });
    });

    it('URL_NOT_ALLOWED for a host outside the platform domains, NO_CONTRACT where no contract covers it', async () => {
      const advertiserId = randomUUID();
      await write(...allowedClient(advertiserId, randomUUID()));
      await caughtUp(LINK_PERMISSIONS);
      const elsewhere = await checkLinkPermission(
        database.pool,
        { advertiserId, ...check, url: 'https://taobao.com.evil.example/x' },
        TODAY,
      );
      expect(elsewhere.value).toMatchObject({ allowed: false, reasons: ['URL_NOT_ALLOWED'] });
      expect(elsewhere.value.urlProblem).toContain('not one of');
      const subdomain = await checkLinkPermission(
        database.pool,
        { advertiserId, ...check, url: 'https://shop.tmall.com/1' },
        TODAY,
      );
      expect(subdomain.value.allowed).toBe(true);
      const uncovered = await checkLinkPermission(database.pool, { advertiserId, ...check, category: 'home' }, TODAY);
      expect(uncovered.value).toMatchObject({ allowed: false, reasons: ['NO_CONTRACT'] });
    });
  });

  it('deletes the permissions an amendment drops and a category no longer link-eligible, and the feed records the removals', async () => {
    const advertiserId = randomUUID();
    const contractId = randomUUID();
    const keysOf = async () =>
      (
        await database.pool.query<{ platform: string; category: string }>(
          'SELECT platform, category FROM link_permissions WHERE contract_id = $1 ORDER BY platform, category',
          [contractId],
        )
      ).rows;
    const before = await write(...allowedClient(advertiserId, contractId), events.categoryEligible('garden'));
    await caughtUp(LINK_PERMISSIONS);
    expect(await keysOf()).toEqual([
      { platform: 'jd', category: 'beauty' },
      { platform: 'jd', category: 'food' },
      { platform: 'taobao', category: 'beauty' },
      { platform: 'taobao', category: 'food' },
    ]);
    const amended = await write(
      events.amendmentApproved(contractId, 2, {
        categories: ['beauty'],
        platforms: ['taobao', 'jd'],
        totalValueMinor: '100000000',
        startsOn: '2026-01-01',
        endsOn: '2026-12-31',
        currency: 'CNY',
      }),
    );
    await write(events.categoryNotEligible('garden'));
    await caughtUp(LINK_PERMISSIONS);
    expect(await keysOf()).toEqual([
      { platform: 'jd', category: 'beauty' },
      { platform: 'taobao', category: 'beauty' },
    ]);
    const { rows: eligible } = await database.pool.query(
      "SELECT category FROM link_eligible_categories WHERE category = 'garden'",
    );
    expect(eligible).toEqual([]);
    const { changes } = await readPermissionChanges(database.pool, before, 1_000);
    const removals = changes.filter((change) => change.contractId === contractId && change.removed);
    expect(removals.map(({ platform, category, permission }) => ({ platform, category, permission }))).toEqual([
      { platform: 'jd', category: 'food', permission: null },
      { platform: 'taobao', category: 'food', permission: null },
    ]);
    expect(new Set(removals.map((change) => BigInt(change.position)))).toEqual(new Set([amended]));
  });

  it('given a client set up and revoked while the runner was down, when it reads them at once, then each change is applied and fed at its own position', async () => {
    const live = runners.find((runner) => runner.name === LINK_PERMISSIONS)!;
    await live.stop();
    const advertiserId = randomUUID();
    const contractId = randomUUID();
    const before = await store.headPosition();
    const enabled = await write(...allowedClient(advertiserId, contractId));
    const revoked = await write(events.categoryRevoked(advertiserId, 'beauty'));
    // A transaction elsewhere on the server can hold the read horizon below the revocation; once it
    // has passed, the restarted runner reads the allowed setup and the revocation as one batch.
    await waitUntil(async () => (await store.headPosition()) >= revoked);
    const restarted = startRunner(linkPermissionsProjection);
    await caughtUp(LINK_PERMISSIONS);
    await waitUntil(async () => (restarted.status().position ?? 0n) >= revoked);
    const answer = await checkLinkPermission(database.pool, { advertiserId, ...check }, TODAY);
    expect(answer.value).toMatchObject({ allowed: false, reasons: ['CATEGORY_REVOKED'] });
    const { value: page } = await listLinkPermissions(
      database.pool,
      { advertiserId, category: 'beauty' },
      TODAY,
      undefined,
      10,
    );
    expect(page.items.find((row) => row.platform === 'taobao')!.sourcePosition).toBe(revoked.toString());
    const { changes } = await readPermissionChanges(database.pool, before, 1_000);
    const taobaoBeauty = changes.filter(
      (change) => change.contractId === contractId && change.platform === 'taobao' && change.category === 'beauty',
    );
    // One entry per event that touched the row since the draft, the last two the link and the revocation.
    const positions = taobaoBeauty.map((change) => BigInt(change.position));
    expect(new Set(positions).size).toBe(positions.length);
    expect(taobaoBeauty.slice(-2).map((change) => [BigInt(change.position), change.permission?.allowed])).toEqual([
      [enabled, true],
      [revoked, false],
    ]);
  });

  describe('link checks answered from memory', () => {
    let cachePool: Pool;
    let cacheWatcher: CheckpointWatcher;
    let cache: LinkPermissionCache;
    let queries: number;
    /** How many of the queries loaded rows (the others list changes). */
    let loads: number;
    beforeAll(async () => {
      // The cache's own pool, counting what it sends, to tell answers from memory from queries.
      cachePool = new Pool(database.pool.options);
      const query = cachePool.query.bind(cachePool) as (...args: unknown[]) => Promise<unknown>;
      queries = 0;
      loads = 0;
      (cachePool as { query: unknown }).query = (...args: unknown[]) => {
        queries++;
        if ((args[0] as { name?: string }).name === 'link_permission_check') loads++;
        return query(...args);
      };
      cacheWatcher = new CheckpointWatcher(cachePool);
      cache = new LinkPermissionCache(cachePool, cacheWatcher);
      // Listening before these tests write, so that every announcement of their writes is heard.
      while (cacheWatcher.announced(LINK_PERMISSIONS) === undefined) await new Promise((r) => setTimeout(r, 5));
    });
    afterAll(async () => {
      await cacheWatcher?.close();
      await cachePool?.end();
    });

    /** The cache's answer once its listener is up, after the events this spec wrote are projected. */
    /**
     * Once the projection has applied what this spec wrote and the cache's listener has heard it
     * announced (so no announcement arrives mid-check and makes it load around its memory).
     */
    const settled = async (name = LINK_PERMISSIONS): Promise<bigint> => {
      const min = BigInt(await caughtUp(name));
      while ((cacheWatcher.announced(name)?.position ?? -1n) < min) await new Promise((r) => setTimeout(r, 5));
      return min;
    };
    const cached = async (advertiserId: string, category = check.category) => {
      const min = await settled();
      return cache.check({ advertiserId, ...check, category }, TODAY, min);
    };
    const queried = async (advertiserId: string, category = check.category) =>
      checkLinkPermission(database.pool, { advertiserId, ...check, category }, TODAY);

    it('given changes to a cached key, when checked again, then the answer is the query answer at a position at least as new', async () => {
      const advertiserId = randomUUID();
      const bystander = randomUUID();
      await write(...allowedClient(advertiserId, randomUUID()), ...allowedClient(bystander, randomUUID()));
      const first = await cached(advertiserId);
      expect(first.value).toEqual((await queried(advertiserId)).value);
      expect(first.value.allowed).toBe(true);
      await cached(bystander);

      queries = 0;
      const again = await cache.check({ advertiserId, ...check }, TODAY);
      expect(again.value).toEqual(first.value);
      expect(queries).toBe(0);

      for (const [change, allowed] of [
        [events.categoryRevoked(advertiserId, 'beauty'), false],
        [events.categoryApproved(advertiserId, 'beauty', '2026-12-31'), true],
      ] as const) {
        await write(change);
        const answer = await cached(advertiserId);
        const query = await queried(advertiserId);
        expect(answer.value).toEqual(query.value);
        expect(answer.value.allowed).toBe(allowed);
        expect(BigInt(answer.position)).toBeGreaterThanOrEqual(lastWritten);
      }
      // Another advertiser's change costs the bystander's entry nothing: a refresh, no reload.
      await write(events.categoryRevoked(advertiserId, 'beauty'));
      const min = await settled();
      queries = 0;
      loads = 0;
      const untouched = await cache.check({ advertiserId: bystander, ...check }, TODAY, min);
      expect(queries).toBeGreaterThanOrEqual(1);
      expect(loads).toBe(0);
      expect(untouched.value).toEqual((await queried(bystander)).value);
      expect(untouched.value.allowed).toBe(true);
    });

    it('given a key without any permission, when a contract later covers it, then the remembered denial is replaced', async () => {
      const advertiserId = randomUUID();
      await write(events.advertiserRegistered(advertiserId));
      expect((await cached(advertiserId)).value.reasons).toEqual(['NO_CONTRACT']);

      await write(...allowedClient(advertiserId, randomUUID()).slice(1));
      const answer = await cached(advertiserId);
      expect(answer.value.allowed).toBe(true);
      expect(answer.value).toEqual((await queried(advertiserId)).value);
    });

    it('given a campaign answered from memory, when it is created, goes live and loses its category, then the serving answer follows', async () => {
      const advertiserId = randomUUID();
      const contractId = randomUUID();
      const campaignId = randomUUID();
      const answers = new CampaignServingAnswers(cachePool, cacheWatcher, cache);
      const serving = async () => {
        await settled(WORK_LISTS);
        await settled(LINK_PERMISSIONS);
        return answers.answer(campaignId, new Date('2026-06-15T12:00:00Z'), lastWritten);
      };
      await write(...allowedClient(advertiserId, contractId));
      expect((await serving()).value).toBeUndefined();

      await write(
        events.budgetAllocated(contractId, campaignId, '500000'),
        events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '500000', {
          platform: 'taobao',
          url: 'https://item.taobao.com/1',
        }),
      );
      expect((await serving()).value).toMatchObject({ status: 'Draft', serve: false, linkAllowed: true });

      await write(
        events.campaignSubmitted(campaignId),
        events.campaignApproved(campaignId),
        events.campaignLaunched(campaignId),
      );
      const live = await serving();
      expect(live.value).toMatchObject({ status: 'Live', serve: true, reasons: [] });
      expect(BigInt(live.position)).toBeGreaterThanOrEqual(lastWritten);

      await write(events.categoryRevoked(advertiserId, 'beauty'));
      const revoked = (await serving()).value!;
      expect(revoked).toMatchObject({ serve: false, linkAllowed: false });
      expect(revoked.reasons).toContain('CATEGORY_REVOKED');
    });

    it('given a remembered serving answer, when the clock passes the flight’s start or end or the contract’s last day, then the answer follows the clock', async () => {
      const advertiserId = randomUUID();
      const contractId = randomUUID();
      const campaignId = randomUUID();
      const answers = new CampaignServingAnswers(cachePool, cacheWatcher, cache);
      await write(
        ...allowedClient(advertiserId, contractId).map((event) =>
          event.type === 'ContractDrafted' ? { ...event, data: { ...event.data, endsOn: '2026-06-30' } } : event,
        ),
        events.budgetAllocated(contractId, campaignId, '500000'),
        events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '500000', {
          platform: 'taobao',
          url: 'https://item.taobao.com/1',
        }),
        events.campaignSubmitted(campaignId),
        events.campaignApproved(campaignId),
        events.campaignLaunched(campaignId),
      );
      await settled(WORK_LISTS);
      await settled(LINK_PERMISSIONS);
      const at = async (instant: string) => (await answers.answer(campaignId, new Date(instant))).value!.reasons;

      // Asked in the middle first, so every later answer is one a remembered answer could have hidden.
      expect(await at('2026-03-01T12:00:00.000Z')).toEqual([]);
      expect(await at('2025-12-31T23:59:59.999Z')).toEqual(['CAMPAIGN_NOT_STARTED', 'CONTRACT_NOT_IN_TERM']);
      expect(await at('2026-01-01T00:00:00.000Z')).toEqual([]);
      expect(await at('2026-06-30T23:59:59.999Z')).toEqual([]);
      expect(await at('2026-07-01T00:00:00.000Z')).toEqual(['CONTRACT_NOT_IN_TERM']);
      expect(await at('2026-12-31T00:00:00.000Z')).toEqual(['CAMPAIGN_ENDED', 'CONTRACT_NOT_IN_TERM']);
      expect(await at('2026-03-01T12:00:00.000Z')).toEqual([]);
    });

    it('given a damaged row remembered, when a rebuild swaps in a repaired table at the same version, then the repaired row is answered', async () => {
      const advertiserId = randomUUID();
      await write(...allowedClient(advertiserId, randomUUID()));
      await caughtUp(LINK_PERMISSIONS);
      // Damage no event explains (what an operator rebuilds for), remembered by the cache.
      await database.pool.query(
        `UPDATE link_permissions SET allowed = false, reasons = '{LINK_DISABLED}' WHERE advertiser_id = $1`,
        [advertiserId],
      );
      expect((await cached(advertiserId)).value.allowed).toBe(false);

      await rebuild({ pool: database.pool, store, projections: [linkPermissionsProjection] });
      const repaired = await cached(advertiserId);
      expect(repaired.value.allowed).toBe(true);
      expect(repaired.value).toEqual((await queried(advertiserId)).value);
    });

    it('given a remembered key, when its change is pruned from the feed before the cache saw it, then the cache starts afresh', async () => {
      const advertiserId = randomUUID();
      await write(...allowedClient(advertiserId, randomUUID()));
      expect((await cached(advertiserId)).value.allowed).toBe(true);

      await write(events.categoryRevoked(advertiserId, 'beauty'));
      await caughtUp(LINK_PERMISSIONS);
      await pruneLinkPermissionChanges(database.pool, 0);
      const answer = await cached(advertiserId);
      expect(answer.value.allowed).toBe(false);
      expect(answer.value).toEqual((await queried(advertiserId)).value);
    });

    it('given the listener is down, when checked, then every check queries', async () => {
      const advertiserId = randomUUID();
      await write(...allowedClient(advertiserId, randomUUID()));
      await cached(advertiserId);
      const offline = new CheckpointWatcher(cachePool);
      await offline.close();
      const unlistened = new LinkPermissionCache(cachePool, offline);
      queries = 0;
      await unlistened.check({ advertiserId, ...check }, TODAY);
      await unlistened.check({ advertiserId, ...check }, TODAY);
      expect(queries).toBe(2);
    });
  });

  it('lists and pages clients by filter', async () => {
    const owner = `owner-${randomUUID()}`;
    const ids = [randomUUID(), randomUUID(), randomUUID()].sort();
    for (const [index, id] of ids.entries()) {
      await write(events.advertiserRegistered(id, index === 1 ? 'growth' : 'strategic', owner));
      if (index !== 2) await write(events.advertiserVerified(id));
    }
    await caughtUp(KA_CLIENTS);
    const first = await listKaClients(database.pool, { salesOwnerId: owner }, undefined, 2);
    expect(first.value.items.map((client) => client.advertiserId)).toEqual(ids.slice(0, 2));
    const second = await listKaClients(database.pool, { salesOwnerId: owner }, first.value.nextCursor!, 2);
    expect(second.value).toEqual({ items: [expect.objectContaining({ advertiserId: ids[2] })], nextCursor: null });
    const verifiedStrategic = await listKaClients(
      database.pool,
      { salesOwnerId: owner, kaTier: 'strategic', verified: true, suspended: false },
      undefined,
      10,
    );
    expect(verifiedStrategic.value.items.map((client) => client.advertiserId)).toEqual([ids[0]]);
  });

  it('applies a batch exactly once when a holder lost its lock mid-batch (the checkpoint fences it off)', async () => {
    const advertiserId = randomUUID();
    const contractId = randomUUID();
    const campaignId = randomUUID();
    await write(
      ...allowedClient(advertiserId, contractId),
      events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '100'),
    );
    await caughtUp(KA_CLIENTS);
    const live = runners.find((runner) => runner.name === KA_CLIENTS)!;
    await live.stop();

    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inBatch = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const gated: Projection = {
      ...kaClientsProjection,
      applier: () => {
        const apply = kaClientsProjection.applier();
        return async (client: ClientBase, batch: readonly RecordedEvent[]) => {
          entered();
          await gate;
          return apply(client, batch);
        };
      },
    };
    const zombie = startRunner(gated);
    await write(events.spendReported(campaignId, '700', 0));
    await inBatch;
    // The zombie's lock connection dies; its batch, parked in the gate, goes on.
    const key = BigInt.asUintN(64, BigInt(lockKeyOf(KA_CLIENTS)));
    await database.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND classid = $1::oid AND objid = $2::oid AND objsubid = 1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [(key >> 32n).toString(), (key & 0xffffffffn).toString()],
    );
    // A successor takes the lock and applies the batch; then the zombie wakes and applies it too.
    startRunner(kaClientsProjection);
    await caughtUp(KA_CLIENTS);
    release();
    // Its batch over (nothing written, as the checkpoint had moved), the zombie queues for the lock again.
    await waitUntil(async () => zombie.status().state === 'standby');
    await zombie.stop();
    const { value: client } = await findKaClient(database.pool, advertiserId);
    expect(client!.contracts[contractId]!.spentMinor).toBe('700');
  });

  it('runs each projection in one place at a time; a standby takes over when the active one stops', async () => {
    const first = runners.find((runner) => runner.name === LINK_PERMISSIONS && runner.status().state === 'active')!;
    const standby = startRunner(linkPermissionsProjection);
    await waitUntil(async () => standby.status().state === 'standby');
    expect(standby.status().state).toBe('standby');
    await first.stop();
    await waitUntil(async () => standby.status().state === 'active');
    const advertiserId = randomUUID();
    await write(...allowedClient(advertiserId, randomUUID()));
    await caughtUp(LINK_PERMISSIONS);
    expect((await checkLinkPermission(database.pool, { advertiserId, ...check }, TODAY)).value.allowed).toBe(true);
    expect(standby.status().eventsApplied).toBeGreaterThan(0);
  });

  it('never applies an event twice across restarts: the runner resumes after its checkpoint', async () => {
    await caughtUp(KA_CLIENTS);
    const current = runners.find((runner) => runner.name === KA_CLIENTS && runner.status().state === 'active')!;
    const before = await readCheckpoint(database.pool, KA_CLIENTS);
    await current.stop();
    const restarted = startRunner(kaClientsProjection);
    await waitUntil(async () => restarted.status().state === 'active' && restarted.status().position !== undefined);
    expect(restarted.status().position).toBe(before);
    expect(restarted.status().eventsApplied).toBe(0);
  });

  it('rebuilds aside and swaps in by itself when the projection version changed', async () => {
    await caughtUp(KA_CLIENTS);
    const before = await tableChecksum(database.pool, 'public', { name: 'ka_clients', key: ['advertiser_id'] });
    for (const runner of runners.filter((candidate) => candidate.name === KA_CLIENTS)) await runner.stop();
    const upgraded = startRunner({ ...kaClientsProjection, version: kaClientsProjection.version + 1 });
    await waitUntil(async () => {
      const { rows } = await database.pool.query<{ version: number }>(
        'SELECT version FROM projection_checkpoints WHERE name = $1',
        [KA_CLIENTS],
      );
      return rows[0]!.version === kaClientsProjection.version + 1 && upgraded.status().state === 'active';
    });
    await caughtUp(KA_CLIENTS);
    expect(await tableChecksum(database.pool, 'public', { name: 'ka_clients', key: ['advertiser_id'] })).toEqual(
      before,
    );
  });

  it('equals a clean rebuild, and a rebuild swaps in without losing what the live runner applies meanwhile', async () => {
    await caughtUp(KA_CLIENTS);
    await caughtUp(LINK_PERMISSIONS);
    // A rebuild reads up to the head, which any older transaction still running holds back.
    await waitUntil(async () => (await store.headPosition()) >= lastWritten);
    const shadow = await buildShadow({ pool: database.pool, store, projections: READ_MODELS, batchSize: 97 });
    try {
      for (const table of READ_MODELS.flatMap((projection) => projection.tables)) {
        if (BATCH_GRAINED_TABLES.has(table.name)) continue;
        expect(await tableChecksum(database.pool, shadow.schema, table)).toEqual(
          await tableChecksum(database.pool, shadow.liveSchema, table),
        );
      }
    } finally {
      await dropShadow(database.pool, shadow);
    }

    const progress: number[] = [];
    const swapped = await rebuild({
      pool: database.pool,
      store,
      projections: READ_MODELS,
      onProgress: (report) => progress.push(report.events),
      progressEveryMs: 0,
    });
    expect(progress.length).toBeGreaterThan(0);
    expect(await readCheckpoint(database.pool, KA_CLIENTS)).toBeGreaterThanOrEqual(swapped.position);
    const advertiserId = randomUUID();
    await write(...allowedClient(advertiserId, randomUUID()));
    await caughtUp(LINK_PERMISSIONS);
    expect((await checkLinkPermission(database.pool, { advertiserId, ...check }, TODAY)).value.allowed).toBe(true);
  });
});

const waitUntil = async (condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
