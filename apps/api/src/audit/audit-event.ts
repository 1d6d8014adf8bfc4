import { epochMs } from '#domain';
import type { ExportRow, JsonObject, RecordedEvent } from '#event-store';

/** One stored event as finance sees it: everything the store holds, nothing recomputed. */
export interface AuditEvent {
  readonly position: string;
  readonly streamId: string;
  readonly revision: string;
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  /**
   * Exactly as stored (actor, roles, commandId, correlationId, causationId, recordedAt,
   * schemaVersion, prevHash, hash), so that anyone can recompute the hash from this answer alone.
   */
  readonly metadata: JsonObject;
  /** Why, for events that carry a reason (or, for a policy suspension, its cause); null otherwise. */
  readonly reason: string | null;
  /** When the store committed it (the store's clock; metadata.recordedAt is the API's). */
  readonly createdAt: string;
}

export const reasonOf = (event: RecordedEvent): string | null => {
  const reason = event.data.reason ?? event.data.cause;
  return typeof reason === 'string' ? reason : null;
};

export const actorOf = (event: RecordedEvent): string | null => {
  const actor = event.metadata.actor as { userId?: unknown } | undefined;
  return typeof actor?.userId === 'string' ? actor.userId : null;
};

export const recordedAtOf = (event: RecordedEvent): string | null =>
  typeof event.metadata.recordedAt === 'string' ? event.metadata.recordedAt : null;

/** metadata.recordedAt in epoch milliseconds, or undefined when it is missing or not a UTC instant. */
export const recordedAtMs = (event: RecordedEvent): number | undefined => {
  const recordedAt = recordedAtOf(event);
  return recordedAt === null ? undefined : epochMs(recordedAt);
};

export const toAuditEvent = (event: RecordedEvent): AuditEvent => ({
  position: event.position.toString(),
  streamId: event.streamId,
  revision: event.revision.toString(),
  eventId: event.eventId,
  type: event.type,
  data: event.data,
  metadata: event.metadata,
  reason: reasonOf(event),
  createdAt: event.createdAt.toISOString(),
});

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** What an export writes of an event, for stores that cannot give it directly (streamExportRows). */
export const toExportRow = (event: RecordedEvent): ExportRow => ({
  position: event.position,
  streamId: event.streamId,
  revision: event.revision,
  type: event.type,
  recordedAt: recordedAtOf(event),
  actor: actorOf(event),
  reason: reasonOf(event),
  hash: text(event.metadata.hash),
  prevHash: text(event.metadata.prevHash),
  data: JSON.stringify(event.data),
});
