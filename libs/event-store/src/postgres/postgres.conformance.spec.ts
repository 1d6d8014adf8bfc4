import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres';
import { describeEventStoreConformance } from '../conformance/conformance';
import { PostgresEventStore } from './postgres-event-store';

let database: TestDatabase;

describeEventStoreConformance('PostgreSQL server', {
  unavailable: undefined,
  eventIdsUniqueAcrossStreams: true,
  create: async () => {
    database = await createTestDatabase();
    return PostgresEventStore.create(database.pool);
  },
  teardown: () => database?.drop(),
});
