import { randomUUID } from 'node:crypto';
import type { Command, Decider, Event } from '#domain';
import { PostgresEventStore, type EventStore } from '#event-store';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres';
import { StreamCache } from './stream-cache';

type Counted = { type: 'Counted'; data: { n: number } };
/** A fold that grows its state in place, as the domain's deciders do for long streams. */
const tally: Pick<Decider<Command, Event, { seen: number[] }, unknown>, 'initialState' | 'evolve'> = {
  initialState: { seen: [] },
  evolve: (state, event) => {
    const seen = state.seen.length === 0 && state === tally.initialState ? [] : state.seen;
    seen.push((event as unknown as Counted).data.n);
    return { seen };
  },
};

const appendCounted = (store: EventStore, streamId: string, from: number, count: number) =>
  store.append(
    streamId,
    Array.from({ length: count }, (_, index) => ({
      eventId: randomUUID(),
      type: 'Counted',
      data: { n: from + index },
      metadata: {},
    })),
    'any',
  );

describe('stream cache over a fold that changes states in place (real PostgreSQL)', () => {
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

  it('folds events that concurrent refreshes both read exactly once', async () => {
    const cache = new StreamCache(store);
    const streamId = `tally-${randomUUID()}`;
    await appendCounted(store, streamId, 0, 3);
    await cache.refresh(tally, streamId);
    await appendCounted(store, streamId, 3, 4);
    const results = await Promise.all(Array.from({ length: 8 }, () => cache.refresh(tally, streamId)));
    for (const result of results) expect(result.revision).toBe(6n);
    expect(cache.peek(tally, streamId).state.seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('marks a state superseded once newer events are folded onto it, so no decision is taken on it', async () => {
    const cache = new StreamCache(store);
    const streamId = `tally-${randomUUID()}`;
    await appendCounted(store, streamId, 0, 2);
    const before = await cache.refresh(tally, streamId);
    expect(cache.isCurrent(before)).toBe(true);
    await appendCounted(store, streamId, 2, 1);
    const after = await cache.refresh(tally, streamId);
    expect(cache.isCurrent(before)).toBe(false);
    expect(cache.isCurrent(after)).toBe(true);
    expect(after.state.seen).toEqual([0, 1, 2]);
  });

  it('does not fold an append twice when a refresh read it before the appender advanced the cache', async () => {
    const cache = new StreamCache(store);
    const streamId = `tally-${randomUUID()}`;
    await appendCounted(store, streamId, 0, 1);
    const folded = await cache.refresh(tally, streamId);
    const appended = await store.append(
      streamId,
      [{ eventId: randomUUID(), type: 'Counted', data: { n: 1 }, metadata: {} }],
      folded.revision!,
    );
    await cache.refresh(tally, streamId);
    cache.advance(tally, streamId, folded, await store.readStream(streamId, { fromRevision: 1n }));
    expect(appended.nextExpectedRevision).toBe(1n);
    expect(cache.peek(tally, streamId).state.seen).toEqual([0, 1]);
    expect(cache.peek(tally, streamId).revision).toBe(1n);
  });

  it('reads the stream again from the start when the entry it folded from was dropped meanwhile', async () => {
    const cache = new StreamCache(store);
    const streamId = `tally-${randomUUID()}`;
    await appendCounted(store, streamId, 0, 2);
    const first = await cache.refresh(tally, streamId);
    await appendCounted(store, streamId, 2, 1);
    await cache.refresh(tally, streamId);
    cache.forget(streamId);
    cache.advance(tally, streamId, first, []);
    const again = await cache.refresh(tally, streamId);
    expect(again.state.seen).toEqual([0, 1, 2]);
  });

  it('reads the streams refreshed in one turn with one statement, each after its own cached revision', async () => {
    const cache = new StreamCache(store);
    const [a, b, absent] = [`tally-${randomUUID()}`, `tally-${randomUUID()}`, `tally-${randomUUID()}`];
    await appendCounted(store, a, 0, 3);
    await appendCounted(store, b, 0, 2);
    await cache.refresh(tally, a);
    await appendCounted(store, a, 3, 2);
    const readStreams = jest.spyOn(store, 'readStreams');
    const readStream = jest.spyOn(store, 'readStream');
    try {
      const [ra, rb, rAbsent] = await Promise.all([
        cache.refresh(tally, a),
        cache.refresh(tally, b),
        cache.refresh(tally, absent),
      ]);
      expect(readStreams).toHaveBeenCalledTimes(1);
      expect(readStream).not.toHaveBeenCalled();
      expect(readStreams.mock.calls[0]![0]).toEqual(
        new Map([
          [a, 3n],
          [b, 0n],
          [absent, 0n],
        ]),
      );
      expect(ra.state.seen).toEqual([0, 1, 2, 3, 4]);
      expect(rb.state.seen).toEqual([0, 1]);
      expect(rAbsent.revision).toBeUndefined();
    } finally {
      readStreams.mockRestore();
      readStream.mockRestore();
    }
  });

  it('fails every refresh of a read that failed, and reads afresh next time', async () => {
    const cache = new StreamCache(store);
    const [a, b] = [`tally-${randomUUID()}`, `tally-${randomUUID()}`];
    await appendCounted(store, a, 0, 1);
    const readStreams = jest.spyOn(store, 'readStreams').mockRejectedValueOnce(new Error('connection lost'));
    try {
      const results = await Promise.allSettled([cache.refresh(tally, a), cache.refresh(tally, b)]);
      expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
      expect((await cache.refresh(tally, a)).state.seen).toEqual([0]);
    } finally {
      readStreams.mockRestore();
    }
  });
});
