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
  /** A stream's events; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Optional fast path for reading a long stretch of the log forwards (exports, audits): the events
   * in global order, in batches, up to `through`. Callers use streamAllOf(), which falls back to
   * readAll page by page for an adapter without it.
   */
  streamAll?(options?: StreamAllOptions): AsyncIterable<readonly RecordedEvent[]>;
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

export const parsePosition = (text: string): Position | undefined =>
  /^(0|[1-9][0-9]{0,45})$/.test(text) ? BigInt(text) : undefined;
