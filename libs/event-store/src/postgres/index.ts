export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store';
export { migrate, type Migration } from './migrate';
export { connectGuarded, isConnectionError } from './errors';
