import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres';
import { START, type RecordedEvent, type StoredEvent } from '../event-store';
import { PostgresEventStore } from './postgres-event-store';

describe('PostgresEventStore specifics', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await PostgresEventStore.create(database.pool, { idlePollMs: 600_000 });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const event = (type: string) => ({ eventId: randomUUID(), type, data: {}, metadata: {} });

  it('never lets a reader pass an event that an older, slower transaction commits later', async () => {
    const slow = await database.pool.connect();
    try {
      await slow.query('BEGIN');
      await slow.query(
        `INSERT INTO es_events (stream_id, stream_revision, event_id, type, data, metadata)
         VALUES ('gap-slow', 0, $1, 'Slow', '{}', '{}')`,
        [randomUUID()],
      );
      const fast = await store.append('gap-fast', [event('Fast')], 'no_stream');

      // The fast event has a higher sequence number than the slow one but committed first.
      const visibleWhileSlowRuns = await store.readAll({ from: START, filter: { streamCategories: ['gap'] } });
      expect(visibleWhileSlowRuns).toEqual([]);
      expect(await store.headPosition()).toBeLessThan(fast.position);

      await slow.query('COMMIT');
      // Other tests' transactions elsewhere in the cluster may hold the horizon a moment longer.
      let visible = await store.readAll({ from: START, filter: { streamCategories: ['gap'] } });
      for (let tries = 0; visible.length < 2 && tries < 500; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        visible = await store.readAll({ from: START, filter: { streamCategories: ['gap'] } });
      }
      expect(visible.map((e) => e.type)).toEqual(['Slow', 'Fast']);
      expect(visible[1]!.position).toBe(fast.position);
    } finally {
      slow.release();
    }
  });

  it('wakes a subscriber of another store instance through NOTIFY, long before its idle poll', async () => {
    const other = await PostgresEventStore.create(database.pool, { idlePollMs: 600_000 });
    const after = await store.headPosition();
    const received = new Promise<readonly RecordedEvent[]>((resolve) => {
      other.subscribeToAll({ after, filter: { streamCategories: ['notify'] } }, async (batch) => resolve(batch));
    });
    // Let the subscriber catch up and go to sleep before appending.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store.append('notify-1', [event('Ping')], 'no_stream');
    expect((await received).map((e) => e.type)).toEqual(['Ping']);
    await other.close();
  }, 20_000);

  it('reads several streams in one statement, each from its own revision, and an absent one as empty', async () => {
    const [a, b, absent] = [`many-a-${randomUUID()}`, `many-b-${randomUUID()}`, `many-c-${randomUUID()}`];
    await store.append(a, ['A0', 'A1', 'A2', 'A3'].map(event), 'no_stream');
    await store.append(b, ['B0', 'B1'].map(event), 'no_stream');
    await store.append(`many-other-${randomUUID()}`, [event('X')], 'no_stream');
    const read = await store.readStreams(
      new Map([
        [a, 2n],
        [b, 0n],
        [absent, 0n],
      ]),
    );
    expect([...read.keys()].sort()).toEqual([a, b, absent].sort());
    expect(read.get(a)!.map((e) => [e.type, e.revision])).toEqual([
      ['A2', 2n],
      ['A3', 3n],
    ]);
    expect(read.get(b)!.map((e) => e.type)).toEqual(['B0', 'B1']);
    expect(read.get(absent)).toEqual([]);
    expect(read.get(a)).toEqual(await store.readStream(a, { fromRevision: 2n }));
  });

  it('reads from a position whose sequence half no event can have, as if from the largest one', async () => {
    const stream = `beyond-${randomUUID()}`;
    const [category] = stream.split('-');
    await store.append(stream, ['B0', 'B1'].map(event), 'no_stream');
    // Transaction 0 (before every real one), sequence 2^64 - 1 (past es_events.seq's bigint).
    const position = (1n << 64n) - 1n;
    const filter = { streamCategories: [category!] };
    expect((await store.readAll({ from: position, filter })).map((e) => e.type)).toEqual(['B0', 'B1']);
    expect(await store.readAll({ direction: 'backwards', from: position, filter })).toEqual([]);
  });

  it('returns the revision and position of the last event of a batch whose sequence numbers gain a digit', async () => {
    // Sequence values are compared as numbers, not as their text (where "100000" < "99999").
    await database.pool.query('ALTER SEQUENCE es_event_seq RESTART WITH 99995');
    const result = await store.append(
      'digits-1',
      Array.from({ length: 10 }, () => event('N')),
      'no_stream',
    );
    const stored = await store.readStream('digits-1');
    expect(result.nextExpectedRevision).toBe(9n);
    expect(result.position).toBe(stored[9]!.position);
  });

  it('refuses to update or delete stored events', async () => {
    await store.append('immutable-1', [event('Fact')], 'no_stream');
    await expect(
      database.pool.query(`UPDATE es_events SET type = 'Changed' WHERE stream_id = 'immutable-1'`),
    ).rejects.toThrow(/immutable/);
    await expect(database.pool.query(`DELETE FROM es_events WHERE stream_id = 'immutable-1'`)).rejects.toThrow(
      /immutable/,
    );
  });

  it('migrates a fresh database safely when several processes start at once', async () => {
    const fresh = await createTestDatabase();
    try {
      const stores = await Promise.all(Array.from({ length: 5 }, () => PostgresEventStore.create(fresh.pool)));
      const { rows } = await fresh.pool.query(
        `SELECT count(*)::int AS n FROM schema_migrations WHERE component = 'event-store'`,
      );
      expect(rows[0].n).toBe(1);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await fresh.drop();
    }
  });

  it('leaves events of impossible transactions out of stream reads, and integrityScan reports them', async () => {
    const real = await store.append('forged-1', [event('Real')], 'no_stream');
    // Other tests' transactions elsewhere in the cluster may hold the horizon a moment.
    while ((await store.headPosition()) < real.position) await new Promise((resolve) => setTimeout(resolve, 20));
    const client = await database.pool.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await client.query(
        `INSERT INTO es_events (transaction_id, stream_id, stream_revision, event_id, type, data, metadata)
         VALUES ('1099511627776'::xid8, 'forged-1', 1, $1, 'Forged', '{"n": 1}', '{}'),
                ('2'::xid8, 'forged-1', 2, $2, 'Reserved', '{}', '{}')`,
        [randomUUID(), randomUUID()],
      );
    } finally {
      await client.query('RESET session_replication_role');
      client.release();
    }
    expect((await store.readStream('forged-1')).map((e) => e.type)).toEqual(['Real']);
    expect((await store.readStream('forged-1', { direction: 'backwards', maxCount: 1 }))[0]!.type).toBe('Real');

    const scanned: StoredEvent[] = [];
    for await (const batch of store.integrityScan({ streamId: 'forged-1', batchSize: 2 })) {
      expect(batch.head).toBe(await store.headPosition());
      scanned.push(...batch.events);
    }
    expect(scanned.map((e) => [e.type, e.visibility])).toEqual([
      ['Reserved', 'impossible'],
      ['Real', 'log'],
      ['Forged', 'impossible'],
    ]);
    expect(scanned[2]!.storedText).toEqual({ data: '{"n": 1}', metadata: '{}' });
  });

  it('has integrityScan mark events committed past the horizon as pending, and yield a head for an empty scope', async () => {
    const slow = await database.pool.connect();
    try {
      await slow.query('BEGIN');
      await slow.query(`SELECT pg_current_xact_id()`);
      await store.append('pending-1', [event('Committed')], 'no_stream');
      const batches = [];
      for await (const batch of store.integrityScan({ streamId: 'pending-1' })) batches.push(batch);
      expect(batches.flatMap((b) => b.events).map((e) => e.visibility)).toEqual(['pending']);
      const empty = [];
      for await (const batch of store.integrityScan({ streamId: 'nothing-1' })) empty.push(batch);
      expect(empty).toEqual([{ head: batches[0]!.head, events: [] }]);
    } finally {
      await slow.query('COMMIT');
      slow.release();
    }
  });

  it('gives export rows with the shown fields picked out as strings only, and data as stored', async () => {
    const shapes = [
      {
        data: { reason: 'why', cause: 'ignored' },
        metadata: { recordedAt: 'r', actor: { userId: 'sam' }, hash: 'h', prevHash: 'p' },
      },
      { data: { reason: null, cause: 'policy' }, metadata: { recordedAt: 5, actor: 'sam', hash: 7 } },
      { data: { reason: 42, units: 2 ** 60 }, metadata: { actor: { userId: 9 } } },
      { data: { cause: { nested: true } }, metadata: {} },
    ];
    const from = await store.headPosition();
    let last = from;
    for (const [index, shape] of shapes.entries()) {
      last = (
        await store.append(`exported-${index}`, [{ eventId: randomUUID(), type: 'Shaped', ...shape }], 'no_stream')
      ).position;
    }
    while ((await store.headPosition()) < last) await new Promise((resolve) => setTimeout(resolve, 20));
    const rows = [];
    for await (const batch of store.streamExportRows({
      from,
      through: last,
      filter: { streamCategories: ['exported'] },
    })) {
      rows.push(...batch);
    }
    expect(
      rows.map(({ recordedAt, actor, reason, hash, prevHash, data }) => ({
        recordedAt,
        actor,
        reason,
        hash,
        prevHash,
        data,
      })),
    ).toEqual([
      {
        recordedAt: 'r',
        actor: 'sam',
        reason: 'why',
        hash: 'h',
        prevHash: 'p',
        data: '{"cause": "ignored", "reason": "why"}',
      },
      {
        recordedAt: null,
        actor: null,
        reason: 'policy',
        hash: null,
        prevHash: null,
        data: '{"cause": "policy", "reason": null}',
      },
      {
        recordedAt: null,
        actor: null,
        reason: null,
        hash: null,
        prevHash: null,
        data: '{"units": 1152921504606847000, "reason": 42}',
      },
      { recordedAt: null, actor: null, reason: null, hash: null, prevHash: null, data: '{"cause": {"nested": true}}' },
    ]);
  });
});
