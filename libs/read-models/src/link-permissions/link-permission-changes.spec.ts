import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '#event-store';
import { HistoryWriter, events, policySetup, type PlannedEvent } from '../../../../bench/support/domain-history';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres';
import { CheckpointWatcher } from '../engine/checkpoint-watcher';
import { migrateProjections } from '../engine/rebuild';
import { ProjectionRunner } from '../engine/runner';
import {
  FeedPositionExpired,
  changeRowsOf,
  pruneLinkPermissionChanges,
  readPermissionChanges,
  type PermissionChange,
} from './link-permission-changes';
import { LINK_PERMISSIONS, linkPermissionsProjection } from './link-permissions.projection';

const key = (advertiser_id: string, platform: string, category = 'beauty') => ({
  advertiser_id,
  contract_id: 'k',
  platform,
  category,
});

describe('changeRowsOf', () => {
  it('orders by position, removals before upserts, and numbers the rows of each position', () => {
    const rows = changeRowsOf(
      [
        { ...key('b', 'taobao'), source_position: '9', allowed: true },
        { ...key('a', 'jd'), source_position: '7', allowed: false },
        { ...key('a', 'taobao'), source_position: '9', allowed: true },
      ],
      [{ ...key('a', 'pdd'), position: '9' }],
    );
    expect(rows.map((row) => [row.position, row.ordinal, row.advertiser_id, row.platform, row.removed])).toEqual([
      ['7', 0, 'a', 'jd', false],
      ['9', 0, 'a', 'pdd', true],
      ['9', 1, 'a', 'taobao', false],
      ['9', 2, 'b', 'taobao', false],
    ]);
    expect(rows[1]!.permission).toBeNull();
    expect(rows[2]!.permission).toMatchObject({ allowed: true, platform: 'taobao' });
    expect(rows[2]!.permission).not.toHaveProperty('source_position');
  });
});

describe('link-permission change feed on PostgreSQL', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let watcher: CheckpointWatcher;
  let runner: ProjectionRunner;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await PostgresEventStore.create(database.pool);
    watcher = new CheckpointWatcher(database.pool);
    await migrateProjections(database.pool, [linkPermissionsProjection]);
    await new HistoryWriter(store).appendEach(policySetup());
    runner = new ProjectionRunner({
      pool: database.pool,
      store,
      projection: linkPermissionsProjection,
      maxBatchSize: 7,
      lockPollMs: 50,
      retryDelayMs: 50,
    });
    runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    await watcher?.close();
    await store?.close();
    await database?.drop();
  });

  const client = (advertiserId: string, contractId: string): PlannedEvent[] => [
    events.advertiserRegistered(advertiserId),
    events.advertiserVerified(advertiserId),
    events.categoryRequested(advertiserId, 'beauty'),
    events.categoryApproved(advertiserId, 'beauty'),
    events.contractDrafted(contractId, advertiserId, { categories: ['beauty', 'food'], platforms: ['taobao', 'jd'] }),
    events.contractSubmitted(contractId),
    events.contractApproved(contractId),
    events.contractSigned(contractId),
    events.linkEnabled(contractId, 'taobao', ['beauty']),
    events.amendmentApproved(contractId, 2, {
      categories: ['beauty'],
      platforms: ['taobao'],
      totalValueMinor: '100000000',
      startsOn: '2020-01-01',
      endsOn: '2099-12-31',
      currency: 'CNY',
    }),
    events.categoryRevoked(advertiserId, 'beauty'),
  ];

  it('delivers every change once, in order, with no gap, while writers commit concurrently', async () => {
    const writers = Array.from({ length: 6 }, () => ({ advertiserId: randomUUID(), contractId: randomUUID() }));
    let writing = true;
    const seen: PermissionChange[] = [];
    let after = 0n;
    const follow = (async () => {
      for (;;) {
        const stillWriting = writing;
        const page = await readPermissionChanges(database.pool, after, 3);
        seen.push(...page.changes);
        after = BigInt(page.next);
        if (!stillWriting && !page.more) {
          const head = await store.headPosition();
          if ((await watcher.waitFor(LINK_PERMISSIONS, head, 0)) !== undefined) {
            const rest = await readPermissionChanges(database.pool, after, 10_000);
            seen.push(...rest.changes);
            return;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await Promise.all(
      writers.map(({ advertiserId, contractId }) =>
        new HistoryWriter(store).appendEach(client(advertiserId, contractId)),
      ),
    );
    const head = await store.headPosition();
    expect(await watcher.waitFor(LINK_PERMISSIONS, head, 20_000)).toBeDefined();
    writing = false;
    await follow;

    const positions = seen.map((change) => BigInt(change.position));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const { rows: stored } = await database.pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM link_permission_changes',
    );
    expect(seen).toHaveLength(Number(stored[0]!.n));

    // Replaying the feed into a cache gives exactly the table.
    const cache = new Map<string, PermissionChange>();
    for (const change of seen) {
      const id = `${change.advertiserId}|${change.platform}|${change.category}|${change.contractId}`;
      if (change.removed) cache.delete(id);
      else cache.set(id, change);
    }
    const { rows: table } = await database.pool.query<{ id: string; allowed: boolean; reasons: string[] }>(
      `SELECT advertiser_id || '|' || platform || '|' || category || '|' || contract_id AS id, allowed, reasons
       FROM link_permissions`,
    );
    expect(new Map(table.map((row) => [row.id, { allowed: row.allowed, reasons: row.reasons }]))).toEqual(
      new Map(
        [...cache].map(([id, change]) => [
          id,
          { allowed: change.permission!.allowed, reasons: change.permission!.reasons },
        ]),
      ),
    );
    // The amendment dropped jd and food from every contract: the feed said so.
    for (const { contractId } of writers) {
      const removed = seen.filter((change) => change.contractId === contractId && change.removed);
      expect(removed.map((change) => `${change.platform}/${change.category}`).sort()).toEqual([
        'jd/beauty',
        'jd/food',
        'taobao/food',
      ]);
      const last = [...seen]
        .reverse()
        .find((c) => c.contractId === contractId && c.platform === 'taobao' && !c.removed);
      expect(last!.permission).toMatchObject({ allowed: false, reasons: ['CATEGORY_REVOKED'] });
    }
  });

  it('resumes after a position without repeating it, and answers an empty page with the checkpoint', async () => {
    const all = await readPermissionChanges(database.pool, 0n, 100_000);
    expect(all.more).toBe(false);
    const middle = all.changes[Math.floor(all.changes.length / 2)]!.position;
    const resumed = await readPermissionChanges(database.pool, BigInt(middle), 100_000);
    expect(resumed.changes).toEqual(all.changes.filter((change) => BigInt(change.position) > BigInt(middle)));
    const checkpoint = await watcher.position(LINK_PERMISSIONS);
    expect(all.next).toBe(checkpoint.toString());
    const empty = await readPermissionChanges(database.pool, BigInt(all.next), 10);
    expect(empty).toEqual({ changes: [], next: all.next, more: false });
  });

  it('never ends a page inside a position', async () => {
    const all = (await readPermissionChanges(database.pool, 0n, 100_000)).changes;
    const first = await readPermissionChanges(database.pool, 0n, 1);
    expect(first.more).toBe(true);
    expect(first.changes).toEqual(all.filter((change) => change.position === all[0]!.position));
    expect(first.next).toBe(all[0]!.position);
  });

  // Last: it prunes the feed the tests above read from position 0.
  it('prunes changes past the retention, refuses positions before the horizon with FeedPositionExpired, and keeps the rest', async () => {
    const all = (await readPermissionChanges(database.pool, 0n, 100_000)).changes;
    const cut = all[Math.floor(all.length / 2)]!.position;
    await database.pool.query(
      `UPDATE link_permission_changes SET recorded_at = now() - interval '40 days' WHERE position <= $1::numeric`,
      [cut],
    );

    // Nothing is old enough for a 60-day retention; a 30-day one takes exactly the old half.
    expect(await pruneLinkPermissionChanges(database.pool, 60 * 86_400)).toEqual({ deleted: 0, prunedThrough: 0n });
    const pruned = await pruneLinkPermissionChanges(database.pool, 30 * 86_400);
    expect(pruned).toEqual({
      deleted: all.filter((change) => BigInt(change.position) <= BigInt(cut)).length,
      prunedThrough: BigInt(cut),
    });

    await expect(readPermissionChanges(database.pool, 0n, 100)).rejects.toBeInstanceOf(FeedPositionExpired);
    await expect(readPermissionChanges(database.pool, BigInt(cut) - 1n, 100)).rejects.toBeInstanceOf(
      FeedPositionExpired,
    );
    const rest = await readPermissionChanges(database.pool, BigInt(cut), 100_000);
    expect(rest.changes).toEqual(all.filter((change) => BigInt(change.position) > BigInt(cut)));
    // Pruning again changes nothing; the horizon never moves back.
    expect(await pruneLinkPermissionChanges(database.pool, 30 * 86_400)).toEqual({
      deleted: 0,
      prunedThrough: BigInt(cut),
    });
  });
});
