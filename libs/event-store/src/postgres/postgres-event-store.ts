import { Client, type Pool } from 'pg';
import {
  DuplicateEventIds,
  START,
  StreamAlteredOutsideStore,
  WrongExpectedRevision,
  type AppendResult,
  type BatchHandler,
  type EventData,
  type EventStore,
  type ExpectedRevision,
  type ExportRow,
  type IntegrityBatch,
  type IntegrityScope,
  type LogFilter,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Revision,
  type StoredEvent,
  type StreamAllOptions,
  type StreamHead,
  type StreamHeadsBatch,
  type SubscribeOptions,
  type Subscription,
} from '../event-store';
import { asStoreError } from './errors';
import { migrate } from './migrate';
import { fromPosition, toPosition } from './position';
import { EVENT_STORE_MIGRATIONS } from './schema';
import { SharedTail } from './shared-tail';
import { PollingSubscription, type LogPage } from './subscription';
import { WakeChannel } from './wake-channel';

interface EventRow {
  transaction_id: string;
  seq: string;
  stream_id: string;
  stream_revision: string;
  event_id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: Date;
}

const EVENT_COLUMNS =
  'e.transaction_id::text, e.seq::text, e.stream_id, e.stream_revision::text, e.event_id::text, e.type, e.data, e.metadata, e.created_at';

// Only events of transactions older than every running one are safe to hand out (see schema.ts).
const HORIZON = 'pg_snapshot_xmin(pg_current_snapshot())';

/*
 * A row this statement can see was committed before its snapshot, so its transaction id is below the
 * snapshot's xmax, and never one of PostgreSQL's reserved ids (0-2). A row outside that range was
 * stored with a forged transaction_id; no read hands it out (the global log never reaches it, being
 * bounded by the horizon), and integrityScan reports it. The subquery makes it one evaluation per statement.
 */
const FIRST_NORMAL_XID = 3n;
const POSSIBLE_TRANSACTION = `e.transaction_id < (SELECT pg_snapshot_xmax(pg_current_snapshot())) AND e.transaction_id >= '${FIRST_NORMAL_XID}'::xid8`;

const INTEGRITY_BATCH = 2_000;

const toRecorded = (row: EventRow): RecordedEvent => ({
  eventId: row.event_id,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  streamId: row.stream_id,
  revision: BigInt(row.stream_revision),
  position: toPosition(row.transaction_id, row.seq),
  createdAt: row.created_at,
});

interface ExportRowRow {
  transaction_id: string;
  seq: string;
  stream_id: string;
  stream_revision: string;
  type: string;
  recorded_at: string | null;
  actor: string | null;
  reason: string | null;
  hash: string | null;
  prev_hash: string | null;
  data: string;
}

const stringAt = (path: string): string => `CASE WHEN jsonb_typeof(${path}) = 'string' THEN ${path} #>> '{}' END`;

// The same choices as the audit API's reasonOf, actorOf and recordedAtOf.
const EXPORT_COLUMNS = `e.transaction_id::text, e.seq::text, e.stream_id, e.stream_revision::text, e.type,
  ${stringAt(`e.metadata->'recordedAt'`)} AS recorded_at,
  ${stringAt(`e.metadata->'actor'->'userId'`)} AS actor,
  ${stringAt(`coalesce(nullif(e.data->'reason', 'null'::jsonb), e.data->'cause')`)} AS reason,
  ${stringAt(`e.metadata->'hash'`)} AS hash,
  ${stringAt(`e.metadata->'prevHash'`)} AS prev_hash,
  e.data::text AS data`;

const toExportRow = (row: ExportRowRow): ExportRow => ({
  position: toPosition(row.transaction_id, row.seq),
  streamId: row.stream_id,
  revision: BigInt(row.stream_revision),
  type: row.type,
  recordedAt: row.recorded_at,
  actor: row.actor,
  reason: row.reason,
  hash: row.hash,
  prevHash: row.prev_hash,
  data: row.data,
});

/** Adds the filter's predicates to `params` and returns the SQL condition. */
const filterCondition = (filter: LogFilter | undefined, params: unknown[]): string => {
  const conditions: string[] = [];
  if (filter?.streamCategories) {
    params.push(filter.streamCategories);
    conditions.push(`e.category = ANY($${params.length}::text[])`);
  }
  if (filter?.eventTypes) {
    params.push(filter.eventTypes);
    conditions.push(`e.type = ANY($${params.length}::text[])`);
  }
  return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
};

/*
 * Each batch costs every projection runner a statement whatever its size, so under load fewer,
 * larger batches take less CPU from the commands and from each other. Measured on 2 cores at 500
 * link toggles/s: 20 ms gave a lower command-to-feed p99 than 10 ms (shorter queues) and higher
 * write throughput; 35 ms added more waiting than it saved.
 */
const SUBSCRIPTION_READ_INTERVAL_MS = 20;

const NOTIFY_CHANNEL = 'es_events_appended';
// Other processes' subscribers are woken at most this often; under load one NOTIFY covers many appends.
const NOTIFY_INTERVAL_MS = 10;

/*
 * One statement per append, so one round trip and atomic without an explicit transaction. The stream
 * row is both the optimistic check and the lock that serialises writers of one stream. The statements
 * are named so that PostgreSQL parses and plans each once per connection: planning this statement
 * costs as much as running it.
 */
const claimRevision = {
  no_stream: `INSERT INTO es_streams (stream_id, revision) VALUES ($1, $2 - 1)
    ON CONFLICT (stream_id) DO NOTHING RETURNING revision`,
  any: `INSERT INTO es_streams (stream_id, revision) VALUES ($1, $2 - 1)
    ON CONFLICT (stream_id) DO UPDATE SET revision = es_streams.revision + $2 RETURNING revision`,
  stream_exists: `UPDATE es_streams SET revision = revision + $2 WHERE stream_id = $1 RETURNING revision`,
  exact: `UPDATE es_streams SET revision = revision + $2 WHERE stream_id = $1 AND revision = $7::bigint RETURNING revision`,
};

const APPEND_STATEMENTS = Object.fromEntries(
  Object.entries(claimRevision).map(([kind, claim]) => [
    kind,
    {
      name: `es_append_${kind}`,
      text: `
        WITH claimed AS (${claim}),
        inserted AS (
          INSERT INTO es_events (stream_id, stream_revision, event_id, type, data, metadata)
          SELECT $1, claimed.revision - $2 + e.ord, e.event_id, e.type, e.data, e.metadata
          FROM claimed,
            unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY AS e(event_id, type, data, metadata, ord)
          ORDER BY e.ord
          RETURNING transaction_id, seq, stream_revision
        )
        SELECT transaction_id::text AS transaction_id, seq::text AS seq, stream_revision::text AS stream_revision
        FROM inserted ORDER BY inserted.seq DESC LIMIT 1`,
    },
  ]),
) as Record<keyof typeof claimRevision, { name: string; text: string }>;

export interface PostgresEventStoreOptions {
  /** How often an idle subscription polls in case a notification was lost. */
  readonly idlePollMs?: number;
  /** Shortest time between two reads of a caught-up subscription (see PollingSubscription); 0 reads on every wake. */
  readonly subscriptionReadIntervalMs?: number;
}

export class PostgresEventStore implements EventStore {
  private readonly wake: WakeChannel;
  private readonly tail: SharedTail;
  private notifyTimer: NodeJS.Timeout | undefined;
  private lastNotifyAt = 0;
  private readonly subscriptions = new Set<PollingSubscription>();

  private constructor(
    private readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.wake = new WakeChannel(() => new Client(pool.options), NOTIFY_CHANNEL);
    this.tail = new SharedTail(
      (from, limit) => this.readPage(from, undefined, limit),
      () => this.wake.generation,
    );
  }

  /** Migrates the schema (idempotent, safe concurrently) and returns a store over `pool`. */
  static async create(pool: Pool, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    await migrate(pool, 'event-store', EVENT_STORE_MIGRATIONS);
    return new PostgresEventStore(pool, options);
  }

  async append(
    streamId: string,
    events: readonly EventData[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new TypeError('append needs at least one event');
    const count = events.length;
    const params: unknown[] = [
      streamId,
      count,
      events.map((event) => event.eventId),
      events.map((event) => event.type),
      events.map((event) => JSON.stringify(event.data)),
      events.map((event) => JSON.stringify(event.metadata)),
    ];
    if (typeof expectedRevision === 'bigint') params.push(expectedRevision.toString());
    try {
      const { rows } = await this.pool.query<{ transaction_id: string; seq: string; stream_revision: string }>({
        ...APPEND_STATEMENTS[typeof expectedRevision === 'bigint' ? 'exact' : expectedRevision],
        values: params,
      });
      const last = rows[0];
      if (last === undefined) return await this.settleRejectedAppend(streamId, events, expectedRevision);
      this.announceAppend();
      return {
        nextExpectedRevision: BigInt(last.stream_revision),
        position: toPosition(last.transaction_id, last.seq),
        replayed: false,
      };
    } catch (error) {
      const constraint = (error as { constraint?: string }).constraint;
      if (constraint === 'es_events_event_id_key') return this.settleRejectedAppend(streamId, events, expectedRevision);
      // The stream row was claimed, so no append of the store's own holds these revisions.
      if (constraint === 'es_events_stream_revision_key')
        throw new StreamAlteredOutsideStore(streamId, { cause: error });
      throw asStoreError(error);
    }
  }

  /**
   * An append that found the stream elsewhere than expected, or hit event ids already stored, is
   * either a retry of an append that succeeded (return its result) or a real conflict.
   */
  private async settleRejectedAppend(
    streamId: string,
    events: readonly EventData[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    const ids = events.map((event) => event.eventId);
    const { rows } = await this.pool
      .query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM es_events e WHERE e.event_id = ANY($1::uuid[])`, [ids])
      .catch((error: unknown) => {
        throw asStoreError(error);
      });
    if (rows.length > 0) {
      const stored = rows.map(toRecorded).sort((a, b) => (a.revision < b.revision ? -1 : 1));
      const sameAppend =
        stored.length === ids.length &&
        stored.every(
          (event, index) =>
            event.streamId === streamId &&
            event.eventId === ids[index] &&
            event.revision === stored[0]!.revision + BigInt(index),
        );
      if (!sameAppend)
        throw new DuplicateEventIds(
          streamId,
          stored.map((event) => event.eventId),
        );
      const last = stored[stored.length - 1]!;
      return { nextExpectedRevision: last.revision, position: last.position, replayed: true };
    }
    // The head and the stream's last event, from one snapshot: a stream holding events beyond its
    // head was altered by hand, and no revision a caller can expect will ever be accepted.
    const current = await this.pool
      .query<{ revision: string | null; last: string | null }>(
        `SELECT (SELECT revision::text FROM es_streams WHERE stream_id = $1) AS revision,
           (SELECT max(stream_revision)::text FROM es_events WHERE stream_id = $1) AS last`,
        [streamId],
      )
      .catch((error: unknown) => {
        throw asStoreError(error);
      });
    const { revision, last } = current.rows[0]!;
    if (last !== null && (revision === null || BigInt(last) > BigInt(revision))) {
      throw new StreamAlteredOutsideStore(streamId);
    }
    throw new WrongExpectedRevision(streamId, expectedRevision, revision === null ? 'no_stream' : BigInt(revision));
  }

  /** Wakes subscribers here at once and those of other processes within NOTIFY_INTERVAL_MS. */
  private announceAppend(): void {
    this.wake.wakeLocal();
    if (this.notifyTimer !== undefined) return;
    // NOTIFY inside the append would serialise every commit behind one lock (PostgreSQL queues
    // notifications in commit order), so it is sent after the commit instead, at most once per
    // interval. A lost notification only delays subscribers until their idle poll.
    const wait = Math.max(0, this.lastNotifyAt + NOTIFY_INTERVAL_MS - Date.now());
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      this.lastNotifyAt = Date.now();
      this.pool.query(`NOTIFY ${NOTIFY_CHANNEL}`).catch(() => undefined);
    }, wait);
  }

  async findEvent(eventId: string): Promise<RecordedEvent | undefined> {
    try {
      const { rows } = await this.pool.query<EventRow>({
        name: 'es_find_event',
        text: `SELECT ${EVENT_COLUMNS} FROM es_events e WHERE e.event_id = $1::uuid`,
        values: [eventId],
      });
      return rows[0] === undefined ? undefined : toRecorded(rows[0]);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const params: unknown[] = [streamId];
    let from = 'TRUE';
    if (options.fromRevision !== undefined) {
      params.push(options.fromRevision.toString());
      from = `e.stream_revision ${backwards ? '<=' : '>='} $${params.length}::bigint`;
    }
    params.push(options.maxCount ?? null);
    const text = `SELECT ${EVENT_COLUMNS} FROM es_events e WHERE e.stream_id = $1 AND ${from} AND ${POSSIBLE_TRANSACTION}
      ORDER BY e.stream_revision ${backwards ? 'DESC' : 'ASC'} LIMIT $${params.length}`;
    // Every command reads its stream first: a named statement is planned once per connection.
    const name = `es_read_stream_${backwards ? 'b' : 'f'}${options.fromRevision === undefined ? '' : '_from'}`;
    try {
      const { rows } = await this.pool.query<EventRow>({ name, text, values: params });
      return rows.map(toRecorded);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  async readStreams(fromRevisions: ReadonlyMap<string, Revision>): Promise<Map<string, RecordedEvent[]>> {
    const read = new Map<string, RecordedEvent[]>([...fromRevisions.keys()].map((streamId) => [streamId, []]));
    if (read.size === 0) return read;
    try {
      const { rows } = await this.pool.query<EventRow>({
        name: 'es_read_streams',
        // LATERAL: one range scan of the (stream_id, stream_revision) index per stream; joined plainly,
        // the planner guesses a hundred streams and hashes the whole log.
        text: `SELECT e.* FROM unnest($1::text[], $2::bigint[]) AS w(stream_id, from_revision)
          CROSS JOIN LATERAL (
            SELECT ${EVENT_COLUMNS} FROM es_events e
            WHERE e.stream_id = w.stream_id AND e.stream_revision >= w.from_revision AND ${POSSIBLE_TRANSACTION}
            ORDER BY e.stream_revision) e`,
        values: [[...fromRevisions.keys()], [...fromRevisions.values()].map(String)],
      });
      for (const row of rows) read.get(row.stream_id)!.push(toRecorded(row));
      for (const events of read.values()) events.sort((a, b) => (a.revision < b.revision ? -1 : 1));
      return read;
    } catch (error) {
      throw asStoreError(error);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (options.direction === 'backwards') return this.readAllBackwards(options);
    const page = await this.readPage(options.from ?? START, options.filter, options.maxCount ?? null);
    return page.events;
  }

  private async readAllBackwards(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const params: unknown[] = [];
    let before = 'TRUE';
    if (options.from !== undefined) {
      const { transactionId, seq } = fromPosition(options.from);
      params.push(transactionId, seq);
      before = '(e.transaction_id, e.seq) < ($1::xid8, $2::bigint)';
    }
    const filter = filterCondition(options.filter, params);
    params.push(options.maxCount ?? null);
    const sql = `SELECT ${EVENT_COLUMNS} FROM es_events e
      WHERE e.transaction_id < ${HORIZON} AND ${before} AND ${filter}
      ORDER BY e.transaction_id DESC, e.seq DESC LIMIT $${params.length}`;
    try {
      const { rows } = await this.pool.query<EventRow>(sql, params);
      return rows.map(toRecorded);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  /**
   * Events after `from`, plus, from the same snapshot, how far the safe log reaches and whether
   * committed events wait behind a running transaction. A filtered subscriber uses the head to move
   * its cursor past events it skipped, so it does not scan them again.
   */
  private async readPage(from: Position, filter: LogFilter | undefined, limit: number | null): Promise<LogPage> {
    const { transactionId, seq } = fromPosition(from);
    const params: unknown[] = [transactionId, seq];
    const condition = filterCondition(filter, params);
    params.push(limit);
    const sql = `
      WITH horizon AS MATERIALIZED (SELECT ${HORIZON} AS xmin),
      head AS (
        SELECT e.transaction_id, e.seq FROM es_events e, horizon h
        WHERE e.transaction_id < h.xmin ORDER BY e.transaction_id DESC, e.seq DESC LIMIT 1
      ),
      page AS (
        SELECT ${EVENT_COLUMNS} FROM es_events e, horizon h
        WHERE e.transaction_id < h.xmin AND (e.transaction_id, e.seq) > ($1::xid8, $2::bigint) AND ${condition}
        ORDER BY e.transaction_id, e.seq LIMIT $${params.length}
      )
      SELECT head.transaction_id::text AS head_transaction_id, head.seq::text AS head_seq,
        -- The newest transaction through the primary key, not EXISTS over a join with the horizon:
        -- the planner cannot bound that by the index and scanned the whole log on every page.
        coalesce((SELECT e.transaction_id FROM es_events e ORDER BY e.transaction_id DESC, e.seq DESC LIMIT 1)
          >= (SELECT xmin FROM horizon), false) AS held_back,
        page.*
      FROM (SELECT 1) AS one LEFT JOIN head ON TRUE LEFT JOIN page ON TRUE
      ORDER BY page.transaction_id::xid8, page.seq::bigint`;
    type PageRow = Partial<EventRow> & {
      head_transaction_id: string | null;
      head_seq: string | null;
      held_back: boolean;
    };
    try {
      const { rows } = await this.pool.query<PageRow>(sql, params);
      const first = rows[0]!;
      const head = first.head_transaction_id === null ? START : toPosition(first.head_transaction_id, first.head_seq!);
      const events = rows.filter((row) => row.event_id != null).map((row) => toRecorded(row as EventRow));
      return { events, head, heldBack: first.held_back, more: limit !== null && events.length === limit };
    } catch (error) {
      throw asStoreError(error);
    }
  }

  /**
   * Pages by key between two positions known to be safe (`through` is at most the head, which is
   * below the horizon), so unlike readPage it needs no horizon and no head: each batch is one index
   * range scan, whatever the size of the log.
   */
  async *streamAll(options: StreamAllOptions = {}): AsyncGenerator<readonly RecordedEvent[]> {
    yield* this.pageRange(options, EVENT_COLUMNS, toRecorded);
  }

  /**
   * streamAll for exports: PostgreSQL picks out the few metadata fields shown and sends data as text,
   * so this process parses no JSON; that was most of an export's CPU and garbage.
   */
  async *streamExportRows(options: StreamAllOptions = {}): AsyncGenerator<readonly ExportRow[]> {
    yield* this.pageRange(options, EXPORT_COLUMNS, toExportRow);
  }

  /**
   * Pages by key between two positions known to be safe (`through` is at most the head, which is
   * below the horizon), so unlike readPage it needs no horizon and no head: each batch is one index
   * range scan, whatever the size of the log.
   */
  private async *pageRange<R extends { transaction_id: string; seq: string }, T extends { position: Position }>(
    options: StreamAllOptions,
    columns: string,
    map: (row: R) => T,
  ): AsyncGenerator<readonly T[]> {
    const head = await this.headPosition();
    const through = options.through !== undefined && options.through < head ? options.through : head;
    const batchSize = options.batchSize ?? 1_000;
    let from = options.from ?? START;
    while (from < through) {
      const batch = (await this.readRange<R>(columns, from, through, options.filter, batchSize)).map(map);
      if (batch.length === 0) return;
      from = batch[batch.length - 1]!.position;
      const full = batch.length === batchSize;
      // Nothing here refers to the batch once it is handed out, so the consumer alone decides how
      // long it lives: an export formats it at once and lets it die young.
      yield batch;
      if (!full) return;
    }
  }

  private async readRange<R extends object>(
    columns: string,
    after: Position,
    through: Position,
    filter: LogFilter | undefined,
    limit: number,
  ): Promise<R[]> {
    const lower = fromPosition(after);
    const upper = fromPosition(through);
    const params: unknown[] = [lower.transactionId, lower.seq, upper.transactionId, upper.seq];
    const condition = filterCondition(filter, params);
    params.push(limit);
    const sql = `SELECT ${columns} FROM es_events e
      WHERE (e.transaction_id, e.seq) > ($1::xid8, $2::bigint) AND (e.transaction_id, e.seq) <= ($3::xid8, $4::bigint)
        AND ${condition}
      ORDER BY e.transaction_id, e.seq LIMIT $${params.length}`;
    try {
      const { rows } = await this.pool.query<R>(sql, params);
      return rows;
    } catch (error) {
      throw asStoreError(error);
    }
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    const subscription = new PollingSubscription({
      after: options.after ?? START,
      maxBatchSize: options.maxBatchSize ?? 500,
      idlePollMs: this.options.idlePollMs ?? 1_000,
      minReadIntervalMs: this.options.subscriptionReadIntervalMs ?? SUBSCRIPTION_READ_INTERVAL_MS,
      readPage: (from, limit, seenGeneration) =>
        options.filter === undefined
          ? this.tail.readPage(from, limit, seenGeneration)
          : this.readPage(from, options.filter, limit),
      wake: this.wake,
      handler,
    });
    this.subscriptions.add(subscription);
    void subscription.done.then(
      () => this.subscriptions.delete(subscription),
      () => this.subscriptions.delete(subscription),
    );
    return subscription;
  }

  /**
   * One REPEATABLE READ, read-only transaction, so the head, the visibility bounds and every row come
   * from one snapshot. It takes no transaction id, so it holds back no reader's horizon.
   */
  private async *inSnapshot<T>(
    run: (
      query: <R extends object>(text: string, values?: unknown[]) => Promise<R[]>,
      bounds: { xmin: bigint; xmax: bigint; head: Position; headCommittedAt: Date | null },
    ) => AsyncGenerator<T>,
  ): AsyncGenerator<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw asStoreError(error);
    });
    let failure: Error | undefined;
    let open = false;
    const query = async <R extends object>(text: string, values: unknown[] = []): Promise<R[]> => {
      try {
        return (await client.query<R>(text, values)).rows;
      } catch (error) {
        failure = error as Error;
        throw asStoreError(error);
      }
    };
    try {
      await query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
      const [snapshot] = await query<{ xmin: string; xmax: string }>(
        'SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax FROM pg_current_snapshot() s',
      );
      const xmin = BigInt(snapshot!.xmin);
      const [head] = await query<{ transaction_id: string; seq: string; created_at: Date }>(
        `SELECT e.transaction_id::text, e.seq::text, e.created_at FROM es_events e WHERE e.transaction_id < $1::xid8
         ORDER BY e.transaction_id DESC, e.seq DESC LIMIT 1`,
        [xmin.toString()],
      );
      yield* run(query, {
        xmin,
        xmax: BigInt(snapshot!.xmax),
        head: head === undefined ? START : toPosition(head.transaction_id, head.seq),
        headCommittedAt: head?.created_at ?? null,
      });
      await query('COMMIT');
      open = false;
    } finally {
      // Stopped early or failed: the transaction (and its cursor) is still open.
      if (open && failure === undefined) await client.query('ROLLBACK').catch(() => undefined);
      client.release(failure);
    }
  }

  integrityScan(scope: IntegrityScope): AsyncGenerator<IntegrityBatch> {
    const batchSize = scope.batchSize ?? INTEGRITY_BATCH;
    const params: unknown[] = [];
    let rows = 'SELECT * FROM es_events e';
    if (scope.streamId !== undefined) {
      params.push(scope.streamId);
      // Through the stream's own index, then sorted: the planner would rather walk the whole log in order.
      rows = 'SELECT * FROM es_events e WHERE e.stream_id = $1 OFFSET 0';
    } else if (scope.category !== undefined) {
      params.push(scope.category);
      rows = 'SELECT * FROM es_events e WHERE e.category = $1';
    }
    return this.inSnapshot(async function* (query, { xmin, xmax, head }) {
      await query(
        `DECLARE es_integrity NO SCROLL CURSOR FOR
         SELECT e.transaction_id::text, e.seq::text, e.stream_id, e.stream_revision::text, e.event_id::text, e.type,
           e.data::text AS data, e.metadata::text AS metadata, e.created_at
         FROM (${rows}) e ORDER BY e.transaction_id, e.seq`,
        params,
      );
      for (let first = true; ; first = false) {
        const page = await query<EventRow & { data: string; metadata: string }>(`FETCH ${batchSize} FROM es_integrity`);
        const events = page.map((row): StoredEvent => {
          const transactionId = BigInt(row.transaction_id);
          return {
            ...toRecorded({ ...row, data: JSON.parse(row.data), metadata: JSON.parse(row.metadata) }),
            visibility:
              transactionId < FIRST_NORMAL_XID || transactionId >= xmax
                ? 'impossible'
                : transactionId < xmin
                  ? 'log'
                  : 'pending',
            storedText: { data: row.data, metadata: row.metadata },
          };
        });
        if (events.length > 0 || first) yield { head, events };
        if (events.length < batchSize) return;
      }
    });
  }

  streamHeads(scope: { readonly category?: string; readonly batchSize?: number }): AsyncGenerator<StreamHeadsBatch> {
    const batchSize = scope.batchSize ?? INTEGRITY_BATCH;
    return this.inSnapshot(async function* (query, { xmin, head, headCommittedAt }) {
      const params: unknown[] = [xmin.toString()];
      let category = 'TRUE';
      if (scope.category !== undefined) {
        params.push(scope.category);
        category = 'e.category = $2';
      }
      // A skip scan over the stream index: one probe per stream for its id, one for its last event,
      // so the cost follows the number of streams, not of events (no sort of the whole log).
      await query(
        `DECLARE es_heads NO SCROLL CURSOR FOR
         WITH RECURSIVE streams AS (
           (SELECT e.stream_id FROM es_events e ORDER BY e.stream_id LIMIT 1)
           UNION ALL
           SELECT (SELECT e.stream_id FROM es_events e WHERE e.stream_id > s.stream_id ORDER BY e.stream_id LIMIT 1)
           FROM streams s WHERE s.stream_id IS NOT NULL
         )
         SELECT h.* FROM streams s CROSS JOIN LATERAL (
           SELECT e.stream_id, e.stream_revision::text, e.metadata->'hash' AS hash, e.transaction_id::text, e.seq::text
           FROM es_events e WHERE e.stream_id = s.stream_id AND e.transaction_id < $1::xid8 AND ${category}
           ORDER BY e.stream_revision DESC LIMIT 1
         ) h`,
        params,
      );
      for (let first = true; ; first = false) {
        const page = await query<{
          stream_id: string;
          stream_revision: string;
          hash: unknown;
          transaction_id: string;
          seq: string;
        }>(`FETCH ${batchSize} FROM es_heads`);
        const heads = page.map((row): StreamHead => ({
          streamId: row.stream_id,
          revision: BigInt(row.stream_revision),
          hash: row.hash,
          position: toPosition(row.transaction_id, row.seq),
        }));
        if (heads.length > 0 || first) yield { head, headCommittedAt, heads };
        if (heads.length < batchSize) return;
      }
    });
  }

  async headPosition(): Promise<Position> {
    try {
      const { rows } = await this.pool.query<{ transaction_id: string; seq: string }>(
        `SELECT e.transaction_id::text, e.seq::text FROM es_events e WHERE e.transaction_id < ${HORIZON}
         ORDER BY e.transaction_id DESC, e.seq DESC LIMIT 1`,
      );
      const head = rows[0];
      return head ? toPosition(head.transaction_id, head.seq) : START;
    } catch (error) {
      throw asStoreError(error);
    }
  }

  /** Stops subscriptions and the notification listener; the pool belongs to the caller. */
  async close(): Promise<void> {
    clearTimeout(this.notifyTimer);
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.wake.close();
  }
}
