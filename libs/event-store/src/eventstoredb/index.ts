export { EventStoreDbEventStore } from './eventstoredb-event-store';
export { decodePosition as decodeEventStoreDbPosition, encodePosition as encodeEventStoreDbPosition } from './position';
