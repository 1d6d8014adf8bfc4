import { createServer } from 'node:net';
import { EventStoreUnavailable } from '../event-store';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/** A local port with nothing listening, so every call fails fast with a refused connection. */
const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('EventStoreDbEventStore without a reachable server', () => {
  let store: EventStoreDbEventStore;

  beforeAll(async () => {
    store = EventStoreDbEventStore.fromConnectionString(`esdb://127.0.0.1:${await closedPort()}?tls=false`);
  });

  afterAll(() => store?.close());

  const event = { eventId: '6b0e8f84-4f5c-4a4b-9d0f-0c6f2b1b7a11', type: 'Happened', data: {}, metadata: {} };

  it('reports appends and reads as EventStoreUnavailable', async () => {
    await expect(store.append('thing-1', [event], 'no_stream')).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readStream('thing-1')).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readAll({ maxCount: 5 })).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailable);
  });

  it('keeps a subscription retrying without crashing, until stopped', async () => {
    const handler = jest.fn(async () => undefined);
    const subscription = store.subscribeToAll({ filter: { streamCategories: ['thing'] } }, handler);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await subscription.stop();
    await expect(subscription.done).resolves.toBeUndefined();
    expect(handler).not.toHaveBeenCalled();
  });
});
