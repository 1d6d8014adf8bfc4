import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { containerRuntimeUnavailable } from '../../../../test/support/probe';
import { describeEventStoreConformance } from '../conformance/conformance';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

const IMAGE = 'eventstore/eventstore:24.10';
const PORT = 2113;
const READY_TIMEOUT_MS = 60_000;

const configured = process.env.EVENTSTORE_CONNECTION_STRING;
let container: StartedTestContainer | undefined;

const unavailable = (): string | undefined => {
  if (configured) return undefined;
  return containerRuntimeUnavailable() === undefined
    ? undefined
    : 'no EVENTSTORE_CONNECTION_STRING and no container runtime (Docker) on this machine';
};

const startServer = async (): Promise<string> => {
  container = await new GenericContainer(IMAGE)
    .withEnvironment({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_RUN_PROJECTIONS: 'None',
      EVENTSTORE_MEM_DB: 'true',
    })
    .withExposedPorts(PORT)
    .withWaitStrategy(Wait.forHttp('/health/live', PORT))
    .withStartupTimeout(120_000)
    .start();
  return `esdb://${container.getHost()}:${container.getMappedPort(PORT)}?tls=false`;
};

/** /health/live answers before the node serves gRPC requests (it still has to elect itself leader). */
const whenReady = async (store: EventStoreDbEventStore): Promise<void> => {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      await store.headPosition();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
};

describeEventStoreConformance('EventStoreDB', {
  unavailable: unavailable(),
  eventIdsUniqueAcrossStreams: false,
  create: async () => {
    const store = EventStoreDbEventStore.fromConnectionString(configured || (await startServer()));
    await whenReady(store);
    return store;
  },
  teardown: async () => {
    await container?.stop();
    container = undefined;
  },
});
