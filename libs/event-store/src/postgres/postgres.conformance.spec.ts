import { createTestDatabase, serverUrl, type TestDatabase } from '../../../../test/support/postgres';
import { postgresUnavailable } from '../../../../test/support/probe';
import { describeEventStoreConformance } from '../conformance/conformance';
import { PostgresEventStore } from './postgres-event-store';

let database: TestDatabase;

describeEventStoreConformance('PostgreSQL server', {
  unavailable: postgresUnavailable(serverUrl()),
  eventIdsUniqueAcrossStreams: true,
  create: async () => {
    database = await createTestDatabase();
    return PostgresEventStore.create(database.pool);
  },
  teardown: () => database.drop(),
});
