/**
 * The event store port. Every part of the system reads and writes events through this interface;
 * the PostgreSQL and EventStoreDB adapters implement it with the same semantics, which the
 * conformance suite (./conformance) checks against each of them.
 *
 * Revisions and positions are bigints inside the process and decimal strings on the wire.
 * A position is opaque: it orders the global log and nothing else may be read into it.
 */

export type Position = bigint;
export type Revision = bigint;

/** The position before the first event: reading "after" it starts at the beginning of the log. */
export const START: Position = 0n;

export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | Revision;

export type JsonObject = { [key: string]: unknown };

export interface EventData {
  /** UUID chosen by the writer; appending the same ids again is an idempotent retry. */
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

export interface RecordedEvent extends EventData {
  readonly streamId: string;
  /** 0 for a stream's first event. */
  readonly revision: Revision;
  readonly position: Position;
  /** When the store committed the event (server clock). */
  readonly createdAt: Date;
}

export interface AppendResult {
  /** Revision of the last appended event: the expected revision for the next append. */
  readonly nextExpectedRevision: Revision;
  /** Position of the last appended event in the global log. */
  readonly position: Position;
  /**
   * True when the events were already stored by an identical earlier append and nothing was written;
   * false when this append wrote them. Undefined from an adapter that cannot tell the two apart.
   */
  readonly replayed?: boolean;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  readonly direction?: Direction;
  /** Inclusive. Defaults to the first event forwards and the last event backwards. */
  readonly fromRevision?: Revision;
  readonly maxCount?: number;
}

export interface LogFilter {
  /** Stream categories: the part of the stream id before its first '-'. */
  readonly streamCategories?: readonly string[];
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  readonly direction?: Direction;
  /**
   * Exclusive bound: forwards returns events after it (default START), backwards returns events
   * before it (default: from the end).
   */
  readonly from?: Position;
  readonly filter?: LogFilter;
  readonly maxCount?: number;
}

export interface StreamAllOptions {
  /** Exclusive lower bound (default START). */
  readonly from?: Position;
  /** Inclusive upper bound, capped at the head when the read begins (the default), so the read ends. */
  readonly through?: Position;
  readonly filter?: LogFilter;
  /** Events per batch (default 1,000). */
  readonly batchSize?: number;
}

/**
 * Where a stored event stands against the log's visibility rules, as an integrity check sees it:
 * - log: in the global log up to its head;
 * - pending: committed, but after the head, while an older transaction was still running (it joins
 *   the log when that one ends);
 * - impossible: its transaction id is one no transaction could have had when the check looked (not yet
 *   assigned, or reserved), so it was not written by an append. Every read leaves it out.
 */
export type Visibility = 'log' | 'pending' | 'impossible';

export interface StoredEvent extends RecordedEvent {
  readonly visibility: Visibility;
  /**
   * data and metadata exactly as stored (JSON text), when the adapter has them: parsing them loses
   * the digits of numbers beyond 2^53, this text does not.
   */
  readonly storedText?: { readonly data: string; readonly metadata: string };
}

export interface IntegrityScope {
  readonly streamId?: string;
  readonly category?: string;
  /** Events per batch (default 2,000). */
  readonly batchSize?: number;
}

export interface IntegrityBatch {
  /** The log's head in the scan's snapshot: the same in every batch. */
  readonly head: Position;
  readonly events: readonly StoredEvent[];
}

export interface StreamHead {
  readonly streamId: string;
  readonly revision: Revision;
  /** metadata.hash as stored. */
  readonly hash: unknown;
  readonly position: Position;
}

export interface StreamHeadsBatch {
  /** The log's head in the snapshot the heads were read from, and when the store committed it. */
  readonly head: Position;
  readonly headCommittedAt: Date | null;
  readonly heads: readonly StreamHead[];
}

/**
 * An event as audit exports write it: the fields they show, each a string when stored as one (null
 * otherwise), and data as the stored JSON text, so that nothing is parsed and re-serialised per event
 * and numbers keep every digit.
 */
export interface ExportRow {
  readonly position: Position;
  readonly streamId: string;
  readonly revision: Revision;
  readonly type: string;
  /** metadata.recordedAt */
  readonly recordedAt: string | null;
  /** metadata.actor.userId */
  readonly actor: string | null;
  /** data.reason, or data.cause when reason is absent or null */
  readonly reason: string | null;
  readonly hash: string | null;
  readonly prevHash: string | null;
  /** data, as JSON text */
  readonly data: string;
}

export interface SubscribeOptions {
  /** Checkpoint: delivery starts with the first event after it. */
  readonly after?: Position;
  readonly filter?: LogFilter;
  /** Upper bound of events per handler call. */
  readonly maxBatchSize?: number;
}

/**
 * Called with consecutive batches in global order; the next call waits until the returned promise
 * settles, so a slow handler slows delivery instead of buffering without bound.
 */
export type BatchHandler = (events: readonly RecordedEvent[]) => Promise<void>;

export interface Subscription {
  /** Stops delivery after the batch in flight, if any. */
  stop(): Promise<void>;
  /** Settles when the subscription ends: resolves after stop(), rejects if the handler throws. */
  readonly done: Promise<void>;
}

export interface EventStore {
  /**
   * Appends atomically. Throws WrongExpectedRevision when the stream is not at the expected
   * revision, unless every event id was already stored in this stream by an identical earlier
   * append, in which case it returns that append's result and stores nothing.
   */
  append(streamId: string, events: readonly EventData[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /**
   * Optional: the event stored under this id, through the store's event-id index. Callers without it
   * fall back to reading the stream.
   */
  findEvent?(eventId: string): Promise<RecordedEvent | undefined>;
  /** A stream's events; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Optional: several streams' events from a revision on each (forwards, like readStream with
   * fromRevision), in one read from one snapshot; a stream without events maps to an empty array.
   * Callers without it read each stream.
   */
  readStreams?(fromRevisions: ReadonlyMap<string, Revision>): Promise<Map<string, RecordedEvent[]>>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Optional fast path for reading a long stretch of the log forwards (exports, audits): the events
   * in global order, in batches, up to `through`. Callers use streamAllOf(), which falls back to
   * readAll page by page for an adapter without it.
   */
  streamAll?(options?: StreamAllOptions): AsyncIterable<readonly RecordedEvent[]>;
  /** Optional fast path for exports: what streamAll reads, as ExportRows. */
  streamExportRows?(options?: StreamAllOptions): AsyncIterable<readonly ExportRow[]>;
  /**
   * Optional, for integrity checks: every stored event of the scope (one stream, one category or the
   * whole store) in global order whatever its visibility, from one snapshot. At least one batch is
   * yielded, so the head is known even for an empty scope.
   */
  integrityScan?(scope: IntegrityScope): AsyncIterable<IntegrityBatch>;
  /**
   * Optional: each stream's last event in the log up to the head, in stream id order, from one
   * snapshot; at least one batch. Without it, callers fold the log (streamAllOf) to find them.
   */
  streamHeads?(scope: { readonly category?: string; readonly batchSize?: number }): AsyncIterable<StreamHeadsBatch>;
  /** Catch-up subscription to the global log; resumes by itself after a dropped connection. */
  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription;
  /** Position of the last event a subscriber can currently see (START for an empty log). */
  headPosition(): Promise<Position>;
  /**
   * A failure that retrying will not fix (the server denies access, say), which stopped a
   * subscription; readiness checks report it. Undefined while there is none.
   */
  permanentFailure?(): string | undefined;
  close(): Promise<void>;
}

export class WrongExpectedRevision extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: Revision | 'no_stream',
  ) {
    super(`stream ${streamId} is at ${String(actual)}, expected ${String(expected)}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** The same event ids were appended before, but not as one identical append to this stream. */
export class DuplicateEventIds extends Error {
  constructor(
    readonly streamId: string,
    readonly eventIds: readonly string[],
  ) {
    super(`event ids already used elsewhere: ${eventIds.join(', ')}`);
    this.name = 'DuplicateEventIds';
  }
}

/** The store cannot be reached; callers may retry later (HTTP 503). */
/**
 * The stream already holds an event at a revision its head does not account for: the log was
 * altered outside the store (a row inserted by hand). Nothing was appended; retrying cannot help
 * until an operator restores the stream. /v1/audit/verify and the signed checkpoints tell what changed.
 */
export class StreamAlteredOutsideStore extends Error {
  constructor(
    readonly streamId: string,
    options?: { cause?: unknown },
  ) {
    super(
      `stream ${streamId} holds an event at a revision its head does not account for: it was altered outside the event store`,
      options,
    );
    this.name = 'StreamAlteredOutsideStore';
  }
}

export class EventStoreUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailable';
  }
}

/** The server refuses the store's own credentials: an operator has to act, so callers get 503, not a retry loop. */
export class EventStoreAccessDenied extends EventStoreUnavailable {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreAccessDenied';
  }
}

/** The stream was deleted (tombstoned) in the store by an operator: it can be neither read nor written. */
export class StreamDeleted extends Error {
  constructor(
    readonly streamId: string,
    options?: { cause?: unknown },
  ) {
    super(`stream ${streamId} is deleted in the event store`, options);
    this.name = 'StreamDeleted';
  }
}

/** One append larger than the store accepts at once; refused before anything is written (HTTP 413). */
export class AppendTooLarge extends Error {
  constructor(
    readonly streamId: string,
    readonly size: number,
    readonly maxSize: number,
    options?: { cause?: unknown },
  ) {
    super(`an append of ${size} bytes to ${streamId} exceeds the event store's maximum of ${maxSize} bytes`, options);
    this.name = 'AppendTooLarge';
  }
}

export const streamCategory = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
};

export const positionToString = (position: Position): string => position.toString();

/**
 * The highest position any adapter can hand out: each packs a position from two unsigned 64-bit
 * halves (PostgreSQL: transaction id and sequence; EventStoreDB: commit and prepare).
 */
export const MAX_POSITION = (1n << 128n) - 1n;

/** A position as text: decimal digits without leading zeros, at most as many as MAX_POSITION has. */
export const POSITION_PATTERN = new RegExp(`^(0|[1-9][0-9]{0,${MAX_POSITION.toString().length - 1}})$`);

export const parsePosition = (text: string): Position | undefined => {
  if (!POSITION_PATTERN.test(text)) return undefined;
  const position = BigInt(text);
  return position <= MAX_POSITION ? position : undefined;
};
