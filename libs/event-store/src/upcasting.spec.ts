import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres';
import type { RecordedEvent } from './event-store';
import { PostgresEventStore } from './postgres';
import { streamAllOf } from './stream-all';
import { UpcasterRegistry, UpcastingEventStore, storedFormOf, type Upcaster } from './upcasting';

const renamed: Upcaster = {
  type: 'Priced',
  fromVersion: 1,
  upcast: ({ price, ...rest }) => ({ ...rest, amountMinor: price }),
};
const withCurrency: Upcaster = { type: 'Priced', fromVersion: 2, upcast: (data) => ({ ...data, currency: 'CNY' }) };

const stored = (type: string, data: Record<string, unknown>, schemaVersion?: number): RecordedEvent => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: schemaVersion === undefined ? {} : { schemaVersion, hash: 'h' },
  streamId: 's-1',
  revision: 0n,
  position: 1n,
  createdAt: new Date(),
});

describe('UpcasterRegistry', () => {
  const registry = new UpcasterRegistry([withCurrency, renamed]);

  it('chains upcasters from the stored version to the current one', () => {
    const event = registry.upcast(stored('Priced', { price: '100' }, 1));
    expect(event.data).toEqual({ amountMinor: '100', currency: 'CNY' });
    expect(event.metadata).toEqual({ schemaVersion: 3, hash: 'h' });
    expect(registry.upcast(stored('Priced', { amountMinor: '5' }, 2)).data).toEqual({
      amountMinor: '5',
      currency: 'CNY',
    });
  });

  it('treats an event without schemaVersion as version 1, and leaves current and unknown types as they are', () => {
    expect(registry.upcast(stored('Priced', { price: '7' })).data).toEqual({ amountMinor: '7', currency: 'CNY' });
    const current = stored('Priced', { amountMinor: '1', currency: 'EUR' }, 3);
    expect(registry.upcast(current)).toBe(current);
    const other = stored('Other', { x: 1 }, 1);
    expect(registry.upcast(other)).toBe(other);
    expect(registry.currentVersion('Priced')).toBe(3);
    expect(registry.currentVersion('Other')).toBe(1);
  });

  it('refuses a chain with a gap or two upcasters for one version', () => {
    expect(() => new UpcasterRegistry([withCurrency])).toThrow('Priced has no upcaster from version 1');
    expect(() => new UpcasterRegistry([renamed, renamed])).toThrow('two upcasters for Priced version 1');
  });
});

describe('UpcastingEventStore over PostgreSQL', () => {
  let database: TestDatabase;
  let raw: PostgresEventStore;
  let store: UpcastingEventStore;
  const streamId = `priced-${randomUUID()}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    raw = await PostgresEventStore.create(database.pool);
    store = new UpcastingEventStore(raw, new UpcasterRegistry([renamed, withCurrency]));
    await store.append(
      streamId,
      [
        { eventId: randomUUID(), type: 'Priced', data: { price: '100' }, metadata: { schemaVersion: 1 } },
        {
          eventId: randomUUID(),
          type: 'Priced',
          data: { amountMinor: '5', currency: 'EUR' },
          metadata: { schemaVersion: 3 },
        },
      ],
      'no_stream',
    );
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const shapes = (events: readonly RecordedEvent[]) =>
    events.map((event) => [event.data, event.metadata.schemaVersion]);
  const expected = [
    [{ amountMinor: '100', currency: 'CNY' }, 3],
    [{ amountMinor: '5', currency: 'EUR' }, 3],
  ];

  it('upcasts on every read method', async () => {
    expect(shapes(await store.readStream(streamId))).toEqual(expected);
    expect(shapes(await store.readAll())).toEqual(expected);
    const streamed: RecordedEvent[] = [];
    for await (const batch of streamAllOf(store)) streamed.push(...batch);
    expect(shapes(streamed)).toEqual(expected);
    const delivered: RecordedEvent[] = [];
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    const subscription = store.subscribeToAll({}, async (events) => {
      delivered.push(...events);
      if (delivered.length >= 2) done();
    });
    await all;
    await subscription.stop();
    expect(shapes(delivered)).toEqual(expected);
  });

  it('keeps the stored form beneath, for the audit', async () => {
    expect(storedFormOf(store)).toBe(raw);
    expect(storedFormOf(raw)).toBe(raw);
    expect(shapes(await storedFormOf(store).readStream(streamId))).toEqual([
      [{ price: '100' }, 1],
      [{ amountMinor: '5', currency: 'EUR' }, 3],
    ]);
  });
});
