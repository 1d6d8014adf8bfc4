import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import { EventStoreDbDouble, startDoubleCluster } from '../../../../test/support/eventstoredb-double';
import {
  AppendTooLarge,
  EventStoreAccessDenied,
  EventStoreUnavailable,
  StreamDeleted,
  WrongExpectedRevision,
  type EventData,
  type RecordedEvent,
} from '../event-store';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/**
 * The adapter against the EventStoreDB server DOUBLE (test/support/eventstoredb-double): the
 * client's error paths, limits, server-side filtering and cluster behaviour, as far as the double
 * models the server's documented semantics. The double is not the server.
 */
const event = (type = 'Happened', data: Record<string, unknown> = {}): EventData => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { by: 'double-spec' },
});
const category = (): string => `c${randomUUID().replace(/-/g, '').slice(0, 12)}`;

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

const until = async (condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not reached: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe.each([
  ['BatchAppend', true],
  ['Append', false],
])('EventStoreDbEventStore against the server double (appends through %s)', (_name, batchAppend) => {
  let double: EventStoreDbDouble;
  let store: EventStoreDbEventStore;
  const logged: string[] = [];

  beforeAll(async () => {
    double = await EventStoreDbDouble.start({ batchAppend });
    store = EventStoreDbEventStore.fromConnectionString(double.connectionString, { log: (line) => logged.push(line) });
  });

  afterAll(async () => {
    await store.close();
    await double.stop();
  });

  afterEach(() => double.clearFaults());

  describe('each client error becomes a port error', () => {
    it('WrongExpectedVersion: WrongExpectedRevision with the actual revision', async () => {
      const stream = `${category()}-1`;
      await store.append(stream, [event(), event()], 'no_stream');
      expect(await rejection(store.append(stream, [event()], 0n))).toMatchObject({
        name: 'WrongExpectedRevision',
        expected: 0n,
        actual: 1n,
      });
    });

    it('StreamNotFound: a missing stream reads as empty', async () => {
      expect(await store.readStream(`${category()}-missing`)).toEqual([]);
    });

    it('StreamDeleted: reads and appends of a tombstoned stream throw StreamDeleted', async () => {
      const stream = `${category()}-1`;
      await store.append(stream, [event()], 'no_stream');
      const operator = EventStoreDBClient.connectionString(double.connectionString);
      await operator.tombstoneStream(stream);
      await operator.dispose();
      expect(await rejection(store.readStream(stream))).toBeInstanceOf(StreamDeleted);
      expect(await rejection(store.append(stream, [event()], 'any'))).toMatchObject({
        name: 'StreamDeleted',
        streamId: stream,
      });
    });

    it('AccessDenied: EventStoreAccessDenied for appends, stream reads and $all reads', async () => {
      double.fail('append', 'access-denied');
      expect(await rejection(store.append(`${category()}-1`, [event()], 'any'))).toBeInstanceOf(EventStoreAccessDenied);
      double.fail('read-stream', 'access-denied');
      expect(await rejection(store.readStream(`${category()}-1`))).toBeInstanceOf(EventStoreAccessDenied);
      double.fail('read-all', 'access-denied');
      expect(await rejection(store.readAll({ maxCount: 1 }))).toBeInstanceOf(EventStoreAccessDenied);
    });

    it.each(['unavailable', 'timeout', 'unknown'] as const)('%s: EventStoreUnavailable', async (fault) => {
      double.fail('append', fault);
      const error = await rejection(store.append(`${category()}-1`, [event()], 'any'));
      expect(error).toBeInstanceOf(EventStoreUnavailable);
      expect(error).not.toBeInstanceOf(EventStoreAccessDenied);
      // Nothing sticks: the next call succeeds.
      await store.append(`${category()}-1`, [event()], 'any');
    });

    it('MaxAppendSizeExceeded from a server with a lower maximum: AppendTooLarge, nothing stored', async () => {
      const small = await EventStoreDbDouble.start({ batchAppend, maxAppendSize: 2_000 });
      const smallStore = EventStoreDbEventStore.fromConnectionString(small.connectionString);
      try {
        const stream = `${category()}-1`;
        const error = await rejection(smallStore.append(stream, [event('Big', { text: 'x'.repeat(3_000) })], 'any'));
        expect(error).toMatchObject({ name: 'AppendTooLarge', streamId: stream, maxSize: 2_000 });
        expect(await smallStore.readStream(stream)).toEqual([]);
      } finally {
        await smallStore.close();
        await small.stop();
      }
    });
  });

  it('refuses an append above the maximum append size before it reaches the server', async () => {
    const requests = double.stats.writeRequests;
    const stream = `${category()}-1`;
    const half = 'x'.repeat(600_000);
    const error = await rejection(store.append(stream, [event('Half', { half }), event('Half', { half })], 'any'));
    expect(error).toBeInstanceOf(AppendTooLarge);
    expect(error).toMatchObject({ maxSize: 1_048_576 });
    expect((error as AppendTooLarge).size).toBeGreaterThan(1_200_000);
    expect(double.stats.writeRequests).toBe(requests);
    // Just under the limit goes through.
    await store.append(stream, [event('Half', { half })], 'no_stream');
  });

  it('filters $all on the server: a filtered read transfers only the matching events', async () => {
    const [noise, wanted] = [category(), category()];
    for (let n = 0; n < 10; n++) {
      await store.append(
        `${noise}-${n}`,
        Array.from({ length: 20 }, () => event('Noise')),
        'no_stream',
      );
    }
    await store.append(`${wanted}-1`, [event('Wanted'), event('Wanted')], 'no_stream');
    const sent = double.stats.eventsSent;
    const read = await store.readAll({ filter: { streamCategories: [wanted] } });
    expect(read.map((e) => e.streamId)).toEqual([`${wanted}-1`, `${wanted}-1`]);
    expect(double.stats.eventsSent - sent).toBe(2);
    const byType = await store.readAll({ filter: { eventTypes: ['Wanted'] }, direction: 'backwards', maxCount: 1 });
    expect(byType).toHaveLength(1);
    expect(double.stats.eventsSent - sent).toBe(3);
  });

  it('filters subscriptions on the server too', async () => {
    const [noise, wanted] = [category(), category()];
    const start = await store.headPosition();
    await store.append(
      `${noise}-1`,
      Array.from({ length: 50 }, () => event('Noise')),
      'no_stream',
    );
    await store.append(`${wanted}-1`, [event('Wanted')], 'no_stream');
    const sent = double.stats.eventsSent;
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll({ after: start, filter: { streamCategories: [wanted] } }, async (b) => {
      seen.push(...b);
    });
    await until(() => seen.length === 1, 'the wanted event');
    await subscription.stop();
    expect(double.stats.eventsSent - sent).toBe(1);
  });

  it('settles a conflict without reading the whole stream', async () => {
    const stream = `${category()}-1`;
    await store.append(
      stream,
      Array.from({ length: 200 }, () => event()),
      'no_stream',
    );
    await store.append(stream, [event()], 199n);
    const sent = double.stats.eventsSent;
    expect(await rejection(store.append(stream, [event()], 199n))).toMatchObject({ actual: 200n });
    // Only the revisions next to the expected one are looked at (2 for one event), not the 201 events.
    expect(double.stats.eventsSent - sent).toBe(2);
    const missing = `${category()}-1`;
    const reads = double.stats.reads;
    expect(await rejection(store.append(missing, [event()], 3n))).toBeInstanceOf(WrongExpectedRevision);
    expect(double.stats.reads).toBe(reads);
  });

  describe('subscriptions', () => {
    it('back off and resume after transient errors, reporting the outage once', async () => {
      const name = category();
      logged.length = 0;
      const seen: RecordedEvent[] = [];
      const subscription = store.subscribeToAll(
        { after: await store.headPosition(), filter: { streamCategories: [name] } },
        async (batch) => {
          seen.push(...batch);
        },
      );
      await store.append(`${name}-1`, [event()], 'no_stream');
      await until(() => seen.length === 1, 'the first event');
      const opened = double.stats.subscriptions;
      double.fail('subscribe', 'unavailable', 3);
      double.dropConnections();
      await store.append(`${name}-1`, [event()], 0n);
      await until(() => seen.length === 2, 'the event after the outage');
      expect(double.stats.subscriptions - opened).toBe(4);
      expect(logged.filter((line) => line.includes('dropped'))).toHaveLength(1);
      expect(logged.filter((line) => line.includes('resumed'))).toHaveLength(1);
      expect(store.permanentFailure()).toBeUndefined();
      await subscription.stop();
    });

    it('stop on a permanent error: logged once, reported by permanentFailure(), never retried', async () => {
      const denied = await EventStoreDbDouble.start({ batchAppend });
      const lines: string[] = [];
      const deniedStore = EventStoreDbEventStore.fromConnectionString(denied.connectionString, {
        log: (line) => lines.push(line),
      });
      try {
        denied.fail('subscribe', 'access-denied', Number.POSITIVE_INFINITY);
        const handler = jest.fn(async () => undefined);
        const subscription = deniedStore.subscribeToAll({}, handler);
        await until(() => deniedStore.permanentFailure() !== undefined, 'the permanent failure');
        expect(deniedStore.permanentFailure()).toMatch(/subscription to \$all stopped: .*Access Denied/);
        // Several back-off periods later, still the one attempt and the one line.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(denied.stats.subscriptions).toBe(1);
        expect(lines).toHaveLength(1);
        await subscription.stop();
        await expect(subscription.done).resolves.toBeUndefined();
        expect(handler).not.toHaveBeenCalled();
      } finally {
        await deniedStore.close();
        await denied.stop();
      }
    });
  });
});

describe('EventStoreDbEventStore against a 3-node cluster of the server double', () => {
  let nodes: EventStoreDbDouble[];

  beforeAll(async () => {
    nodes = await startDoubleCluster(3);
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  });

  const endpoint = (node: EventStoreDbDouble): string => `${node.endpoint.host}:${node.endpoint.port}`;

  it('esdb+discover:// asks gossip for the leader and writes there', async () => {
    const store = EventStoreDbEventStore.fromConnectionString(
      `esdb+discover://${endpoint(nodes[2]!)}?tls=false&nodePreference=leader`,
    );
    try {
      const appends = nodes.map((node) => node.stats.appends);
      await store.append(`${category()}-1`, [event()], 'no_stream');
      expect(nodes.map((node, index) => node.stats.appends - appends[index]!)).toEqual([1, 0, 0]);
    } finally {
      await store.close();
    }
  });

  it('a leader failover: NotLeader, then the append is sent again to the new leader', async () => {
    const seeds = nodes.map(endpoint).join(',');
    const store = EventStoreDbEventStore.fromConnectionString(`esdb://${seeds}?tls=false`);
    try {
      const stream = `${category()}-1`;
      await store.append(stream, [event()], 'no_stream');
      EventStoreDbDouble.formCluster(nodes, nodes[1]!);
      const appends = nodes.map((node) => node.stats.appends);
      const result = await store.append(stream, [event()], 0n);
      expect(result.nextExpectedRevision).toBe(1n);
      expect(nodes.map((node, index) => node.stats.appends - appends[index]!)).toEqual([0, 1, 0]);
      expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0n, 1n]);
    } finally {
      EventStoreDbDouble.formCluster(nodes, nodes[0]!);
      await store.close();
    }
  });

  it('a follower named directly forwards the client to the leader', async () => {
    const store = EventStoreDbEventStore.fromConnectionString(`esdb://${endpoint(nodes[1]!)}?tls=false`);
    try {
      const stream = `${category()}-1`;
      await store.append(stream, [event()], 'no_stream');
      expect(await store.readStream(stream)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
