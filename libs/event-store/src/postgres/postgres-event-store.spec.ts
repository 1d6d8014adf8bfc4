import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres';
import { START, type RecordedEvent } from '../event-store';
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
});
