import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres';
import type { EventStore, RecordedEvent, StreamAllOptions } from './event-store';
import { PostgresEventStore } from './postgres';
import { streamAllOf } from './stream-all';

/** The same PostgreSQL store seen through the port's required methods only: the fallback path. */
const withoutFastPath = (store: EventStore): EventStore => ({
  append: (...args) => store.append(...args),
  readStream: (...args) => store.readStream(...args),
  readAll: (...args) => store.readAll(...args),
  subscribeToAll: (...args) => store.subscribeToAll(...args),
  headPosition: () => store.headPosition(),
  close: () => store.close(),
});

const collect = async (batches: AsyncIterable<readonly RecordedEvent[]>): Promise<RecordedEvent[][]> => {
  const result: RecordedEvent[][] = [];
  for await (const batch of batches) result.push([...batch]);
  return result;
};

describe('streamAllOf over PostgreSQL', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let log: RecordedEvent[];

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await PostgresEventStore.create(database.pool);
    let last = 0n;
    for (let stream = 0; stream < 7; stream++) {
      const category = stream % 2 === 0 ? 'even' : 'odd';
      ({ position: last } = await store.append(
        `${category}-${stream}`,
        Array.from({ length: 5 }, (_, index) => ({
          eventId: randomUUID(),
          type: index % 2 === 0 ? 'Ticked' : 'Tocked',
          data: { stream, index },
          metadata: {},
        })),
        'no_stream',
      ));
    }
    // The horizon is cluster-wide: another test's open transaction may hide these events a moment.
    while ((await store.headPosition()) < last) await new Promise((resolve) => setTimeout(resolve, 20));
    log = await store.readAll();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const cases: [string, (all: RecordedEvent[]) => StreamAllOptions, (all: RecordedEvent[]) => RecordedEvent[]][] = [
    ['everything', () => ({}), (all) => all],
    ['after a position', (all) => ({ from: all[9]!.position }), (all) => all.slice(10)],
    ['up to a position', (all) => ({ through: all[20]!.position }), (all) => all.slice(0, 21)],
    [
      'a window, filtered',
      (all) => ({
        from: all[3]!.position,
        through: all[30]!.position,
        filter: { streamCategories: ['odd'], eventTypes: ['Ticked'] },
      }),
      (all) => all.slice(4, 31).filter((event) => event.streamId.startsWith('odd-') && event.type === 'Ticked'),
    ],
    ['past the head (capped)', (all) => ({ through: all[all.length - 1]!.position + 1_000n }), (all) => all],
    ['an empty window', (all) => ({ from: all[5]!.position, through: all[5]!.position }), () => []],
  ];

  for (const [name, options, expected] of cases) {
    it(`returns ${name} in order, in batches, on both paths`, async () => {
      const want = expected(log).map((event) => event.eventId);
      for (const source of [store, withoutFastPath(store)]) {
        const batches = await collect(streamAllOf(source, { ...options(log), batchSize: 4 }));
        expect(batches.flat().map((event) => event.eventId)).toEqual(want);
        expect(batches.every((batch) => batch.length > 0 && batch.length <= 4)).toBe(true);
      }
    });
  }

  it('uses the fast path when the adapter has one', () => {
    expect(typeof store.streamAll).toBe('function');
    expect(withoutFastPath(store).streamAll).toBeUndefined();
  });

  it('returns the events exactly as readAll does', async () => {
    expect((await collect(streamAllOf(store))).flat()).toEqual(log);
  });
});
