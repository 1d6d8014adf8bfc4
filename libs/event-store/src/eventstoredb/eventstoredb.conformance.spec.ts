import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { EventStoreDbDouble } from '../../../../test/support/eventstoredb-double';
import { containerRuntimeUnavailable } from '../../../../test/support/probe';
import { describeEventStoreConformance } from '../conformance/conformance';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

const IMAGE = 'eventstore/eventstore:24.10';
const PORT = 2113;
const READY_TIMEOUT_MS = 60_000;

const configured = process.env.EVENTSTORE_CONNECTION_STRING;
let container: StartedTestContainer | undefined;
let double: EventStoreDbDouble | undefined;

/**
 * The real server when there is one (EVENTSTORE_CONNECTION_STRING, or a container engine for
 * testcontainers); otherwise the protocol-level TEST DOUBLE, so the suite always runs. The double
 * checks the adapter against our reading of the server's semantics, not against the server.
 */
const target: 'configured' | 'container' | 'double' = configured
  ? 'configured'
  : containerRuntimeUnavailable() === undefined
    ? 'container'
    : 'double';
if (target === 'double') {
  process.stderr.write(
    '\nEventStoreDB conformance runs against the server DOUBLE (no EVENTSTORE_CONNECTION_STRING, no container engine)\n',
  );
}

const connectionString = async (): Promise<string> => {
  if (target === 'configured') return configured!;
  if (target === 'container') return startServer();
  double = await EventStoreDbDouble.start();
  return double.connectionString;
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

describeEventStoreConformance(target === 'double' ? 'EventStoreDB (server double)' : 'EventStoreDB', {
  unavailable: undefined,
  eventIdsUniqueAcrossStreams: false,
  create: async () => {
    const store = EventStoreDbEventStore.fromConnectionString(await connectionString());
    await whenReady(store);
    return store;
  },
  teardown: async () => {
    await container?.stop();
    container = undefined;
    await double?.stop();
    double = undefined;
  },
});
