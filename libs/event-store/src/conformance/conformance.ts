import { randomBytes, randomUUID } from 'node:crypto';
import {
  DuplicateEventIds,
  MAX_POSITION,
  WrongExpectedRevision,
  type AppendResult,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type Position,
  type ReadAllOptions,
  type RecordedEvent,
} from '../event-store';
import { announceSkip } from '../../../../test/support/probe';

export interface ConformanceHarness {
  /**
   * Undefined when the adapter can run here, otherwise the reason it cannot, printed as a skip
   * notice. Known before the tests are registered (Jest registers synchronously), so that a skip
   * shows as skipped in the report instead of passing.
   */
  readonly unavailable: string | undefined;
  /**
   * Whether the store refuses an event id already used in another stream. PostgreSQL does (a unique
   * index); EventStoreDB has no index by event id, so its idempotency is per stream.
   */
  readonly eventIdsUniqueAcrossStreams: boolean;
  /** A store to test; the log may hold other events, so tests only rely on their own streams. */
  create(): Promise<EventStore>;
  teardown(): Promise<void>;
}

/** Unique per test, and free of '-', so it can serve as a stream category. */
const uniqueCategory = (): string => `c${randomBytes(6).toString('hex')}`;

const event = (type = 'Happened', data: Record<string, unknown> = {}): EventData => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { by: 'conformance' },
});

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

/**
 * The global log promises order and no gaps, not read-your-writes: on PostgreSQL an event becomes
 * readable once every older transaction in the cluster has ended. Tests therefore wait (bounded)
 * until the log shows what they expect.
 */
const readAllUntil = async (
  store: EventStore,
  options: ReadAllOptions,
  done: (events: RecordedEvent[]) => boolean,
): Promise<RecordedEvent[]> => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const events = await store.readAll(options);
    if (done(events) || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** What an append wrote where, without whether it was the first time. */
const written = (result: AppendResult) => ({
  nextExpectedRevision: result.nextExpectedRevision,
  position: result.position,
});

const isAscending = (positions: readonly Position[]): boolean =>
  positions.every((position, index) => index === 0 || positions[index - 1]! < position);

/**
 * The port's semantics, run unchanged against every adapter. An adapter that cannot run here
 * (no server, no Docker) is skipped with a printed notice, never passed silently.
 */
export const describeEventStoreConformance = (adapterName: string, harness: ConformanceHarness): void => {
  if (harness.unavailable !== undefined) announceSkip(`EventStore conformance for ${adapterName}`, harness.unavailable);
  const describeIfAvailable = harness.unavailable === undefined ? describe : describe.skip;
  describeIfAvailable(`EventStore conformance: ${adapterName}`, () => {
    let store: EventStore;

    beforeAll(async () => {
      store = await harness.create();
    }, 180_000);

    afterAll(async () => {
      await store?.close();
      await harness.teardown();
    }, 60_000);

    const test = (name: string, body: () => Promise<void>, timeout = 60_000): void => it(name, body, timeout);

    describe('append and expected revisions', () => {
      test('appends to a new stream from revision 0 and reads the events back in order', async () => {
        const stream = `${uniqueCategory()}-1`;
        const events = [event('A', { n: 1 }), event('B', { n: 2 }), event('C', { n: 3 })];
        const result = await store.append(stream, events, 'no_stream');
        expect(result.nextExpectedRevision).toBe(2n);
        const read = await store.readStream(stream);
        expect(read.map((e) => [e.eventId, e.type, e.data, e.metadata, e.revision, e.streamId])).toEqual(
          events.map((e, index) => [e.eventId, e.type, e.data, e.metadata, BigInt(index), stream]),
        );
        expect(read[2]!.position).toBe(result.position);
        expect(isAscending(read.map((e) => e.position))).toBe(true);
        expect(read[0]!.createdAt).toBeInstanceOf(Date);
      });

      test('an exact expected revision appends only when the stream is there', async () => {
        const stream = `${uniqueCategory()}-1`;
        await store.append(stream, [event()], 'no_stream');
        const second = await store.append(stream, [event()], 0n);
        expect(second.nextExpectedRevision).toBe(1n);
        const error = await rejection(store.append(stream, [event()], 0n));
        expect(error).toBeInstanceOf(WrongExpectedRevision);
        expect(error).toMatchObject({ streamId: stream, expected: 0n, actual: 1n });
      });

      test('no_stream refuses an existing stream; stream_exists refuses a missing one; any takes both', async () => {
        const stream = `${uniqueCategory()}-1`;
        const missing = `${uniqueCategory()}-2`;
        await store.append(stream, [event()], 'no_stream');
        expect(await rejection(store.append(stream, [event()], 'no_stream'))).toMatchObject({
          name: 'WrongExpectedRevision',
          actual: 0n,
        });
        expect(await rejection(store.append(missing, [event()], 'stream_exists'))).toMatchObject({
          name: 'WrongExpectedRevision',
          actual: 'no_stream',
        });
        expect(await rejection(store.append(missing, [event()], 5n))).toBeInstanceOf(WrongExpectedRevision);
        expect((await store.append(stream, [event()], 'stream_exists')).nextExpectedRevision).toBe(1n);
        expect((await store.append(stream, [event()], 'any')).nextExpectedRevision).toBe(2n);
        expect((await store.append(missing, [event()], 'any')).nextExpectedRevision).toBe(0n);
        expect(await store.readStream(missing)).toHaveLength(1);
      });

      test('a rejected append stores nothing', async () => {
        const stream = `${uniqueCategory()}-1`;
        await store.append(stream, [event()], 'no_stream');
        await rejection(store.append(stream, [event(), event()], 7n));
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      test('50 concurrent appenders at the same expected revision: exactly one wins each round', async () => {
        const stream = `${uniqueCategory()}-1`;
        const rounds = 5;
        let expected: ExpectedRevision = 'no_stream';
        for (let round = 0; round < rounds; round++) {
          const attempts = await Promise.allSettled(
            Array.from({ length: 50 }, (_, writer) =>
              store.append(stream, [event('Attempt', { round, writer })], expected),
            ),
          );
          const winners = attempts.filter((attempt) => attempt.status === 'fulfilled');
          const losers = attempts.filter((attempt) => attempt.status === 'rejected');
          expect(winners).toHaveLength(1);
          for (const loser of losers)
            expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevision);
          expected = BigInt(round);
        }
        const stored = await store.readStream(stream);
        expect(stored.map((e) => e.revision)).toEqual(Array.from({ length: rounds }, (_, index) => BigInt(index)));
        expect(stored.map((e) => (e.data as { round: number }).round)).toEqual([0, 1, 2, 3, 4]);
      });
    });

    describe('idempotent appends', () => {
      test('appending the same event ids again returns the first result and stores nothing', async () => {
        const stream = `${uniqueCategory()}-1`;
        const events = [event('A'), event('B')];
        const first = await store.append(stream, events, 'no_stream');
        const retry = await store.append(stream, events, 'no_stream');
        expect(written(retry)).toEqual(written(first));
        // An adapter that reports it tells the retry from the write.
        expect(first.replayed).not.toBe(true);
        expect(retry.replayed).not.toBe(false);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      test('a retry is recognised permanently, even after the stream moved on', async () => {
        const stream = `${uniqueCategory()}-1`;
        const events = [event('A')];
        const first = await store.append(stream, events, 'no_stream');
        for (let index = 0; index < 3; index++) await store.append(stream, [event('Later')], 'any');
        expect(written(await store.append(stream, events, 'no_stream'))).toEqual(written(first));
        expect(written(await store.append(stream, events, 'any'))).toEqual(written(first));
        expect(written(await store.append(stream, events, 0n))).toEqual(written(first));
        expect(await store.readStream(stream)).toHaveLength(4);
      });

      test('concurrent identical appends store the events once', async () => {
        const stream = `${uniqueCategory()}-1`;
        const events = [event('A'), event('B')];
        const results = await Promise.all(Array.from({ length: 10 }, () => store.append(stream, events, 'any')));
        for (const result of results) expect(written(result)).toEqual(written(results[0]!));
        expect(results.filter((result) => result.replayed === false).length).toBeLessThanOrEqual(1);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      if (harness.eventIdsUniqueAcrossStreams) {
        test('event ids reused in another batch of the same stream are refused', async () => {
          const stream = `${uniqueCategory()}-1`;
          const events = [event('A'), event('B')];
          await store.append(stream, events, 'no_stream');
          expect(await rejection(store.append(stream, [events[0]!, event('C')], 1n))).toBeInstanceOf(DuplicateEventIds);
          expect(await store.readStream(stream)).toHaveLength(2);
        });

        test('event ids reused in another stream are refused', async () => {
          const events = [event('A'), event('B')];
          await store.append(`${uniqueCategory()}-1`, events, 'no_stream');
          const other = `${uniqueCategory()}-2`;
          expect(await rejection(store.append(other, events, 'any'))).toBeInstanceOf(DuplicateEventIds);
          expect(await store.readStream(other)).toEqual([]);
        });
      }
    });

    describe('reading streams', () => {
      test('reads forwards and backwards from a revision with a maximum count', async () => {
        const stream = `${uniqueCategory()}-1`;
        await store.append(
          stream,
          Array.from({ length: 10 }, (_, n) => event('N', { n })),
          'no_stream',
        );
        const numbers = (events: RecordedEvent[]) => events.map((e) => (e.data as { n: number }).n);
        expect(numbers(await store.readStream(stream))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(numbers(await store.readStream(stream, { fromRevision: 7n }))).toEqual([7, 8, 9]);
        expect(numbers(await store.readStream(stream, { fromRevision: 2n, maxCount: 3 }))).toEqual([2, 3, 4]);
        expect(numbers(await store.readStream(stream, { direction: 'backwards' }))).toEqual([
          9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
        ]);
        expect(numbers(await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))).toEqual([9]);
        expect(numbers(await store.readStream(stream, { direction: 'backwards', fromRevision: 3n }))).toEqual([
          3, 2, 1, 0,
        ]);
      });

      test('a missing stream reads as empty', async () => {
        expect(await store.readStream(`${uniqueCategory()}-none`)).toEqual([]);
        expect(await store.readStream(`${uniqueCategory()}-none`, { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('reading the global log', () => {
      test('reads forwards after a position (exclusive) and backwards before one', async () => {
        const category = uniqueCategory();
        const start = await store.headPosition();
        const results = [];
        for (let n = 0; n < 6; n++)
          results.push(await store.append(`${category}-${n % 2}`, [event('N', { n })], 'any'));
        const forwards = await readAllUntil(
          store,
          { from: start, filter: { streamCategories: [category] } },
          (events) => events.length >= 6,
        );
        expect(forwards.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(forwards.map((e) => e.position)).toEqual(results.map((r) => r.position));
        const afterThird = await store.readAll({
          from: results[2]!.position,
          filter: { streamCategories: [category] },
        });
        expect(afterThird.map((e) => (e.data as { n: number }).n)).toEqual([3, 4, 5]);
        const limited = await store.readAll({ from: start, maxCount: 2, filter: { streamCategories: [category] } });
        expect(limited).toHaveLength(2);
        const backwards = await store.readAll({
          direction: 'backwards',
          from: results[4]!.position,
          filter: { streamCategories: [category] },
          maxCount: 3,
        });
        expect(backwards.map((e) => (e.data as { n: number }).n)).toEqual([3, 2, 1]);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(results[5]!.position);
      });

      test('reads from the highest position a caller may name: nothing forwards, the newest backwards', async () => {
        const category = uniqueCategory();
        await store.append(`${category}-a`, [event('Old'), event('New')], 'no_stream');
        const filter = { streamCategories: [category] };
        expect(await store.readAll({ from: MAX_POSITION, filter })).toEqual([]);
        const newest = await store.readAll({ direction: 'backwards', from: MAX_POSITION, filter, maxCount: 1 });
        expect(newest.map((e) => e.type)).toEqual(['New']);
      });

      test('filters by stream category and by event type', async () => {
        const [first, second] = [uniqueCategory(), uniqueCategory()];
        const start = await store.headPosition();
        await store.append(`${first}-a`, [event('Kept'), event('Dropped')], 'no_stream');
        await store.append(`${second}-a`, [event('Kept')], 'no_stream');
        await store.append(`${first}-b`, [event('Kept')], 'no_stream');
        const byCategory = await readAllUntil(
          store,
          { from: start, filter: { streamCategories: [first] } },
          (events) => events.length >= 3,
        );
        expect(byCategory.map((e) => e.streamId)).toEqual([`${first}-a`, `${first}-a`, `${first}-b`]);
        const byBoth = await store.readAll({
          from: start,
          filter: { streamCategories: [first, second], eventTypes: ['Kept'] },
        });
        expect(byBoth.map((e) => e.streamId)).toEqual([`${first}-a`, `${second}-a`, `${first}-b`]);
        expect(byBoth.every((e) => e.type === 'Kept')).toBe(true);
      });
    });

    describe('subscriptions', () => {
      const collect = (after: Position, category: string, until: (seen: RecordedEvent[]) => boolean) => {
        const seen: RecordedEvent[] = [];
        let finish!: () => void;
        const reached = new Promise<void>((resolve) => (finish = resolve));
        const subscription = store.subscribeToAll(
          { after, filter: { streamCategories: [category] }, maxBatchSize: 250 },
          async (batch) => {
            seen.push(...batch);
            if (until(seen)) finish();
          },
        );
        return { seen, reached, subscription };
      };

      test('20 concurrent writers x 500 events: a live subscriber sees all 10,000 once, in position order', async () => {
        const category = uniqueCategory();
        const start = await store.headPosition();
        const total = 20 * 500;
        const { seen, reached, subscription } = collect(start, category, (events) => events.length >= total);
        await Promise.all(
          Array.from({ length: 20 }, async (_, writer) => {
            for (let n = 0; n < 500; n++)
              await store.append(`${category}-${writer}`, [event('N', { writer, n })], 'any');
          }),
        );
        await reached;
        await subscription.stop();
        expect(seen).toHaveLength(total);
        expect(new Set(seen.map((e) => e.eventId)).size).toBe(total);
        expect(isAscending(seen.map((e) => e.position))).toBe(true);
        for (let writer = 0; writer < 20; writer++) {
          const own = seen.filter((e) => (e.data as { writer: number }).writer === writer);
          expect(own.map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: 500 }, (_, n) => n));
        }
      }, 180_000);

      test('resumes from a checkpoint without gaps or repeats', async () => {
        const category = uniqueCategory();
        const start = await store.headPosition();
        for (let n = 0; n < 30; n++) await store.append(`${category}-1`, [event('N', { n })], 'any');
        const first = collect(start, category, (events) => events.length >= 12);
        await first.reached;
        await first.subscription.stop();
        const checkpoint = first.seen[11]!.position;
        for (let n = 30; n < 40; n++) await store.append(`${category}-1`, [event('N', { n })], 'any');
        const second = collect(checkpoint, category, (events) => events.length >= 28);
        await second.reached;
        await second.subscription.stop();
        expect(second.seen.map((e) => (e.data as { n: number }).n)).toEqual(
          Array.from({ length: 28 }, (_, i) => i + 12),
        );
      });

      test('a failing handler ends the subscription with its error', async () => {
        const category = uniqueCategory();
        const start = await store.headPosition();
        await store.append(`${category}-1`, [event()], 'no_stream');
        const subscription = store.subscribeToAll(
          { after: start, filter: { streamCategories: [category] } },
          async () => {
            throw new Error('projection bug');
          },
        );
        await expect(subscription.done).rejects.toThrow('projection bug');
      });

      test('stop() ends delivery and resolves done', async () => {
        const category = uniqueCategory();
        const { seen, subscription } = collect(await store.headPosition(), category, () => false);
        await subscription.stop();
        await expect(subscription.done).resolves.toBeUndefined();
        await store.append(`${category}-1`, [event()], 'no_stream');
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(seen).toEqual([]);
      });
    });
  });
};
