import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  NotLeaderError,
  START as LOG_START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamRecordedEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type CurrentRevision,
  type Filter,
  type ReadPosition,
  type RecordedEvent as ClientRecordedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import {
  AppendTooLarge,
  DuplicateEventIds,
  EventStoreUnavailable,
  START,
  WrongExpectedRevision,
  streamCategory,
  type AppendResult,
  type BatchHandler,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type JsonObject,
  type LogFilter,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Revision,
  type SubscribeOptions,
  type Subscription,
} from '../event-store';
import { asStoreError, isPermanentError } from './errors';
import { readAllFiltered } from './filtered-read';
import { decodePosition, encodePosition } from './position';
import { CatchUpSubscription } from './subscription';

const DEFAULT_MAX_BATCH_SIZE = 500;
/** EventStoreDB's default --max-append-size; the server refuses a larger append as a whole. */
export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;
/** NotLeader makes the client switch to the leader it names; the append is then sent again. */
const NOT_LEADER_ATTEMPTS = 3;
const MAX_READ_PAGE = 1_000;
const RESUBSCRIBE_DELAY_MS = { initial: 100, max: 5_000 } as const;
// An idempotent retry can be answered before the original write is readable; its position is then
// looked up again for this long before the append is reported as unavailable.
const POSITION_LOOKUP_TIMEOUT_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** EventStoreDB's own events ($stats, $metadata, link events of system projections) are not part of the log. */
const isSystemEvent = (event: { streamId: string; type: string }): boolean =>
  event.streamId.startsWith('$') || event.type.startsWith('$');

const matchesFilter = (filter: LogFilter | undefined, event: { streamId: string; type: string }): boolean =>
  (filter?.streamCategories === undefined || filter.streamCategories.includes(streamCategory(event.streamId))) &&
  (filter?.eventTypes === undefined || filter.eventTypes.includes(event.type));

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The server applies one filter kind per read or subscription, so it gets the categories (or else
 * the types, or else "no system events") and the client checks the whole filter again, which only
 * matters when both categories and types are given. Regexes rather than prefixes keep the match
 * exact: a prefix `Contract` would also let `ContractRevised` through.
 */
const serverFilter = (filter: LogFilter | undefined): Filter => {
  if (filter?.streamCategories !== undefined) {
    return streamNameFilter({ regex: `^(?:${filter.streamCategories.map(escapeRegex).join('|')})(?:-|$)` });
  }
  if (filter?.eventTypes !== undefined) {
    return eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` });
  }
  return excludeSystemEvents();
};

/** The size the server compares with its maximum append size (EventStoreDB's Event.SizeOnDisk). */
const appendSize = (events: readonly EventData[]): number =>
  events.reduce(
    (total, event) =>
      total +
      Buffer.byteLength(JSON.stringify(event.data)) +
      Buffer.byteLength(JSON.stringify(event.metadata)) +
      event.type.length * 2,
    0,
  );

const toClientExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision => {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return expected;
  }
};

const positionOf = (event: ClientRecordedEvent): Position => {
  if (event.position === undefined) {
    throw new Error(`EventStoreDB reported no position for event ${event.id}; the adapter needs server 22.6 or later`);
  }
  return encodePosition(event.position);
};

const toRecorded = (event: ClientRecordedEvent): RecordedEvent => ({
  eventId: event.id,
  type: event.type,
  // Every event this adapter writes is a JSON object, and ESDB's own events are never returned.
  data: event.data as JsonObject,
  metadata: (event.metadata ?? {}) as JsonObject,
  streamId: event.streamId,
  revision: event.revision,
  position: positionOf(event),
  createdAt: event.created,
});

/**
 * Ends a read the caller no longer wants. The gRPC call under the client's stream reports its end
 * only once its buffered messages were consumed, and the client's dispose() waits for that end; a
 * destroyed (or merely paused) stream leaves the call open for ever. So the read is cancelled and
 * left flowing, its remaining messages dropped, instead of being destroyed.
 */
const release = (read: {
  on(event: 'data', listener: () => void): unknown;
  resume(): unknown;
  cancel(): Promise<void>;
}): void => {
  read.on('data', () => undefined);
  read.resume();
  read.cancel().catch(() => undefined);
};

/**
 * Reads a client stream to its end, or until `visit` returns false, and always leaves it closed
 * (see release): a read stream left open keeps its gRPC call alive, and one that errors with
 * nobody listening crashes the process.
 */
const drain = async <T>(read: StreamingRead<T>, visit: (item: T) => boolean): Promise<void> => {
  // The iterator listens for errors only while it runs; this covers anything emitted afterwards.
  read.on('error', () => undefined);
  let ended = false;
  try {
    for await (const item of read.iterator({ destroyOnReturn: false })) {
      if (!visit(item as T)) return;
    }
    ended = true;
  } finally {
    if (!ended) release(read);
  }
};

/**
 * The event store port over EventStoreDB (gRPC client). Positions are ESDB's (commit, prepare)
 * pairs packed into one bigint (see ./position). ESDB checks event ids only within a stream and has
 * no index by event id, so unlike the PostgreSQL adapter this one cannot refuse an id that was
 * already used in another stream; within a stream, rejected appends are settled as the port says.
 */
export interface EventStoreDbOptions {
  /** The server's --max-append-size (default 1 MiB): larger appends are refused before they are sent. */
  readonly maxAppendSize?: number;
  /** Where subscription outages and permanent failures are reported, once each. */
  readonly log?: (line: string) => void;
}

export class EventStoreDbEventStore implements EventStore {
  private readonly subscriptions = new Set<Subscription>();
  private readonly maxAppendSize: number;
  private readonly log: (line: string) => void;
  private failure: string | undefined;

  private constructor(
    private readonly client: EventStoreDBClient,
    options: EventStoreDbOptions,
  ) {
    this.maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /**
   * A store over the server(s) in `connectionString`: `esdb://host:2113?tls=false` for one node,
   * `esdb://a:2113,b:2113,c:2113` or `esdb+discover://cluster.dns:2113` for a cluster (gossip picks
   * the node, `nodePreference=leader` by default). Connects lazily.
   */
  static fromConnectionString(connectionString: string, options: EventStoreDbOptions = {}): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), options);
  }

  permanentFailure(): string | undefined {
    return this.failure;
  }

  async append(
    streamId: string,
    events: readonly EventData[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new TypeError('append needs at least one event');
    // An append is atomic, so splitting it would not do; refused here, it never reaches the server.
    const size = appendSize(events);
    if (size > this.maxAppendSize) throw new AppendTooLarge(streamId, size, this.maxAppendSize);
    const proposed = events.map((event) =>
      jsonEvent({ id: event.eventId, type: event.type, data: event.data, metadata: event.metadata }),
    );
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.client.appendToStream(streamId, proposed, {
          expectedRevision: toClientExpectedRevision(expectedRevision),
          // A follower would forward the write; asking for the leader makes the client follow leader changes.
          requiresLeader: true,
        });
        return {
          nextExpectedRevision: result.nextExpectedRevision,
          position:
            result.position === undefined
              ? await this.positionAt(streamId, result.nextExpectedRevision)
              : encodePosition(result.position),
        };
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          return this.settleRejectedAppend(streamId, events, expectedRevision, error.actualVersion);
        }
        // Nothing was written on the node that answered NotLeader: sending it again is safe.
        if (error instanceof NotLeaderError && attempt < NOT_LEADER_ATTEMPTS) {
          await sleep(10 * attempt);
          continue;
        }
        const storeError = asStoreError(error, streamId);
        if (storeError instanceof AppendTooLarge) {
          throw new AppendTooLarge(streamId, size, storeError.maxSize, { cause: error });
        }
        throw storeError;
      }
    }
  }

  /**
   * ESDB answers a retry at the same expected revision with the original result by itself. A retry
   * at another expected revision, or ids reused in a different batch, end up here as a wrong
   * expected version, with the stream's actual revision. A stream that does not exist holds none
   * of the ids, so that conflict needs no read. Otherwise an identical earlier append is looked
   * for where a retry can find it: within n revisions on either side of the expected revision (a
   * caller that re-read the stream after its lost first attempt expects the revision that attempt
   * produced). That read is 2n events whatever the stream's length, so a conflict costs the same
   * on a stream of ten events as on one of a million; an append repeated from further away is
   * reported as the conflict (ESDB has no index by event id to find it cheaply). Finding it
   * returns its result, finding only some of the ids is a DuplicateEventIds, finding none is the
   * conflict the server reported.
   */
  private async settleRejectedAppend(
    streamId: string,
    events: readonly EventData[],
    expectedRevision: ExpectedRevision,
    actual: CurrentRevision,
  ): Promise<AppendResult> {
    if (actual === 'no_stream') throw new WrongExpectedRevision(streamId, expectedRevision, actual);
    // ESDB hands ids back in lower case, whatever case they were written in.
    const ids = events.map((event) => event.eventId.toLowerCase());
    const around =
      typeof expectedRevision === 'bigint' ? expectedRevision : expectedRevision === 'no_stream' ? -1n : actual;
    const from = around - BigInt(ids.length) + 1n;
    const stored = await this.findIds(streamId, new Set(ids), from > 0n ? from : 0n, 2 * ids.length);
    if (stored.length === 0) throw new WrongExpectedRevision(streamId, expectedRevision, actual);
    const first = stored[0]!;
    const sameAppend =
      stored.length === ids.length &&
      stored.every(
        (event, index) =>
          event.eventId.toLowerCase() === ids[index] && event.revision === first.revision + BigInt(index),
      );
    if (!sameAppend) throw new DuplicateEventIds(streamId, [...new Set(stored.map((event) => event.eventId))]);
    const last = stored[stored.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  /** The events of `streamId` from `fromRevision` (at most maxCount) whose ids are wanted. */
  private async findIds(
    streamId: string,
    wanted: ReadonlySet<string>,
    fromRevision: Revision,
    maxCount: number,
  ): Promise<RecordedEvent[]> {
    const found: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, { direction: FORWARDS, fromRevision, maxCount });
      await drain(read, (resolved) => {
        if (resolved.event !== undefined && wanted.has(resolved.event.id.toLowerCase())) {
          found.push(toRecorded(resolved.event));
        }
        return true;
      });
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw asStoreError(error, streamId);
    }
    return found;
  }

  private async positionAt(streamId: string, revision: Revision): Promise<Position> {
    const deadline = Date.now() + POSITION_LOOKUP_TIMEOUT_MS;
    for (let delayMs = 10; ; delayMs = Math.min(delayMs * 2, 250)) {
      const [event] = await this.readStream(streamId, { fromRevision: revision, maxCount: 1 });
      if (event?.revision === revision) return event.position;
      if (Date.now() >= deadline) break;
      await sleep(delayMs);
    }
    throw new EventStoreUnavailable(`EventStoreDB acknowledged ${streamId}@${revision} but does not return it yet`);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.maxCount === 0) return [];
    const backwards = options.direction === 'backwards';
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision ?? (backwards ? END : LOG_START),
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      });
      await drain(read, (resolved) => {
        if (resolved.event !== undefined) events.push(toRecorded(resolved.event));
        return true;
      });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw asStoreError(error, streamId);
    }
    return events;
  }

  /**
   * Reads $all with the filter applied by the server (see readAllFiltered), so a filtered read only
   * transfers matching events, page after page, until maxCount events matched or the log ends. A
   * read starting at a position may return the event at that position; the port's `from` is
   * exclusive, so events at or beyond the cursor are skipped.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
    const events: RecordedEvent[] = [];
    let cursor: Position | undefined = options.from ?? (backwards ? undefined : START);
    if (backwards && cursor === START) return events;
    const filter = serverFilter(options.filter);
    while (events.length < limit) {
      let fromPosition: ReadPosition;
      if (cursor === undefined) fromPosition = END;
      else if (cursor === START) fromPosition = LOG_START;
      else fromPosition = decodePosition(cursor);
      // A forwards read from a position includes the event there, which the port excludes: one more.
      const atCursor = !backwards && typeof fromPosition === 'object' ? 1 : 0;
      const pageSize = Math.min(MAX_READ_PAGE, limit - events.length + atCursor);
      const page: { seen: number; last?: Position } = { seen: 0 };
      try {
        const read = readAllFiltered(this.client, { backwards, fromPosition, maxCount: pageSize, filter });
        await drain(read, (resolved: AllStreamResolvedEvent) => {
          page.seen += 1;
          const event = resolved.event;
          if (event === undefined) return true;
          const position = encodePosition(event.position);
          if (cursor !== undefined && (backwards ? position >= cursor : position <= cursor)) return true;
          page.last = position;
          if (!isSystemEvent(event) && matchesFilter(options.filter, event)) events.push(toRecorded(event));
          return events.length < limit;
        });
      } catch (error) {
        throw asStoreError(error);
      }
      if (page.seen < pageSize || page.last === undefined) break;
      cursor = page.last;
    }
    return events;
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    const filter = serverFilter(options.filter);
    const subscription = new CatchUpSubscription({
      after: options.after ?? START,
      maxBatchSize,
      open: (from) =>
        this.client.subscribeToAll(
          { fromPosition: from === START ? LOG_START : decodePosition(from), filter },
          // Room for one batch, so that a resumed feed hands over a full batch at once.
          { highWaterMark: maxBatchSize },
        ),
      select: (event: AllStreamRecordedEvent) =>
        isSystemEvent(event) || !matchesFilter(options.filter, event) ? undefined : toRecorded(event),
      handler,
      retryDelayMs: RESUBSCRIBE_DELAY_MS,
      isPermanent: isPermanentError,
      onOutage: (error) =>
        this.log(`EventStoreDB subscription to $all dropped (${error.message}); reconnecting with back-off`),
      onResumed: () => this.log('EventStoreDB subscription to $all resumed'),
      onPermanentFailure: (error) => {
        this.failure = `subscription to $all stopped: ${error.message}`;
        this.log(`EventStoreDB ${this.failure}; not retried, fix the cause and restart the process`);
      },
    });
    this.subscriptions.add(subscription);
    const forget = (): boolean => this.subscriptions.delete(subscription);
    void subscription.done.then(forget, forget);
    return subscription;
  }

  async headPosition(): Promise<Position> {
    const [last] = await this.readAll({ direction: 'backwards', maxCount: 1 });
    return last?.position ?? START;
  }

  /** Stops subscriptions (after their batch in flight) and disposes the client. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }
}
