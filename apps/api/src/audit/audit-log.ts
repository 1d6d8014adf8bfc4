import { Inject, Injectable } from '@nestjs/common';
import { advertiserStreamId, categoryApprovalStreamId, epochMs } from '#domain';
import {
  START,
  storedFormOf,
  streamAllOf,
  streamCategory,
  type EventStore,
  type ExportRow,
  type LogFilter,
  type Position,
  type RecordedEvent,
} from '#event-store';
import { EVENT_STORE } from '../infrastructure/tokens';
import { actorOf, recordedAtOf, toAuditEvent, toExportRow, type AuditEvent } from './audit-event';

/** Which events of the log a request asks for. */
export interface LogSelection {
  readonly stream?: string;
  readonly categories?: readonly string[];
  readonly eventTypes?: readonly string[];
  readonly advertiserId?: string;
  /** metadata.actor.userId */
  readonly actor?: string;
  /** Inclusive bounds on metadata.recordedAt, in epoch milliseconds. */
  readonly recordedFromMs?: number;
  readonly recordedToMs?: number;
  /** Exclusive lower bound: a cursor (an event's exact position) or START. */
  readonly after: Position;
  /** Inclusive lower bound (fromPosition), when it lies beyond `after`. */
  readonly from?: Position;
  /** Inclusive upper bound. */
  readonly through?: Position;
}

/** The streams an advertiser's history lives in, by category. */
const ADVERTISER_CATEGORIES = ['advertiser', 'categoryApproval', 'contract', 'campaign'];

const CREATIONS: LogFilter = {
  streamCategories: ['contract', 'campaign'],
  eventTypes: ['ContractDrafted', 'CampaignCreated'],
};

/** Filters the store cannot apply are applied while reading, over at most this many events per request. */
export const MAX_SCAN_PER_REQUEST = 20_000;
const SCAN_PAGE = 1_000;

export interface EventsPage {
  readonly events: AuditEvent[];
  /** Continue after this position (the last event read, matching or not); null when nothing was read. */
  readonly next: string | null;
  /** False when this page reached the end of the log as it was at the request, or toPosition. */
  readonly hasMore: boolean;
  readonly scanned: number;
}

/**
 * Which contract and campaign streams belong to which advertiser, from the creation events in the
 * event store (an advertiser never changes on either). Kept in memory and caught up to the log head
 * before every use, so an answer never misses a stream that existed when the request arrived, and
 * each request reads only the creations recorded since the previous one instead of the whole log.
 */
@Injectable()
export class AdvertiserStreams {
  private readonly streamsByAdvertiser = new Map<string, Set<string>>();
  private checkpoint: Position = START;
  private catchingUp: Promise<void> = Promise.resolve();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** A test for "this stream is part of the advertiser's history", complete up to `head`. */
  async ownedBy(advertiserId: string, head: Position): Promise<(streamId: string) => boolean> {
    await this.catchUp(head);
    const created = this.streamsByAdvertiser.get(advertiserId) ?? new Set<string>();
    const own = advertiserStreamId(advertiserId);
    const approvals = categoryApprovalStreamId(advertiserId, '');
    return (streamId) => streamId === own || streamId.startsWith(approvals) || created.has(streamId);
  }

  private catchUp(head: Position): Promise<void> {
    // One catch-up at a time: concurrent requests wait for it instead of reading the same events.
    const run = this.catchingUp.then(async () => {
      if (this.checkpoint >= head) return;
      for await (const batch of streamAllOf(this.store, { from: this.checkpoint, through: head, filter: CREATIONS })) {
        for (const event of batch) {
          const advertiserId = String(event.data.advertiserId);
          const streams = this.streamsByAdvertiser.get(advertiserId) ?? new Set<string>();
          streams.add(event.streamId);
          this.streamsByAdvertiser.set(advertiserId, streams);
        }
      }
      this.checkpoint = head;
    });
    this.catchingUp = run.catch(() => undefined);
    return run;
  }
}

/** A selection resolved against the log as it was when the request arrived. */
export interface LogScan {
  /** The last position this scan may return: the head at the start, or the requested bound. */
  readonly through: Position;
  /** True when some filter cannot be applied by the store and is applied while reading. */
  readonly filtersWhileReading: boolean;
  matches(event: RecordedEvent): boolean;
  /** Pages of the log (or of the stream) in order, unfiltered by `matches`. */
  pages(pageSize: number): AsyncGenerator<readonly RecordedEvent[]>;
  /** The same as export rows, with their own `matches`. */
  readonly rows: {
    matches(row: ExportRow): boolean;
    pages(pageSize: number): AsyncGenerator<readonly ExportRow[]>;
  };
}

/** What the filters applied while reading look at. */
interface Filtered {
  readonly streamId: string;
  readonly type: string;
  readonly actor: string | null;
  readonly recordedAt: string | null;
}

const intersection = (lists: readonly (readonly string[] | undefined)[]): string[] | undefined =>
  lists.reduce<string[] | undefined>(
    (result, list) =>
      list === undefined ? result : result === undefined ? [...list] : result.filter((item) => list.includes(item)),
    undefined,
  );

@Injectable()
export class AuditLog {
  private readonly store: EventStore;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly advertisers: AdvertiserStreams,
  ) {
    // Finance reads, exports and verifies events exactly as stored (old schema versions included):
    // the hash chain covers that form, and upcasting is the application's reading, not the record.
    this.store = storedFormOf(store);
  }

  async open(selection: LogSelection): Promise<LogScan> {
    const head = await this.store.headPosition();
    const after = selection.from === undefined ? selection.after : await this.positionBefore(selection.from);
    const through = selection.through !== undefined && selection.through < head ? selection.through : head;
    const owned =
      selection.advertiserId === undefined ? undefined : await this.advertisers.ownedBy(selection.advertiserId, head);
    const categories = intersection([
      selection.categories,
      selection.stream === undefined ? undefined : [streamCategory(selection.stream)],
      owned === undefined ? undefined : ADVERTISER_CATEGORIES,
    ]);
    const filter: LogFilter = {
      ...(categories === undefined ? {} : { streamCategories: categories }),
      ...(selection.eventTypes === undefined ? {} : { eventTypes: selection.eventTypes }),
    };
    const { actor, recordedFromMs, recordedToMs } = selection;
    const recordedWithin = (recordedAt: string | null): boolean => {
      if (recordedFromMs === undefined && recordedToMs === undefined) return true;
      const at = recordedAt === null ? undefined : epochMs(recordedAt);
      return at !== undefined && at >= (recordedFromMs ?? at) && at <= (recordedToMs ?? at);
    };
    // Reading one stream, the store applies neither the category nor the event type filter.
    const types =
      selection.stream === undefined || selection.eventTypes === undefined ? undefined : new Set(selection.eventTypes);
    const selected = (event: Filtered): boolean =>
      (selection.stream === undefined || event.streamId === selection.stream) &&
      (types === undefined || types.has(event.type)) &&
      (owned === undefined || owned(event.streamId)) &&
      (actor === undefined || event.actor === actor) &&
      recordedWithin(event.recordedAt);
    const matches = (event: RecordedEvent): boolean =>
      selected({ streamId: event.streamId, type: event.type, actor: actorOf(event), recordedAt: recordedAtOf(event) });
    const nothing = categories?.length === 0 || after >= through;
    const { store } = this;
    return {
      through,
      filtersWhileReading:
        types !== undefined ||
        owned !== undefined ||
        actor !== undefined ||
        recordedFromMs !== undefined ||
        recordedToMs !== undefined,
      matches,
      pages: (pageSize) =>
        nothing
          ? empty()
          : selection.stream === undefined
            ? streamAllOf(store, { from: after, through, filter, batchSize: pageSize })
            : streamPages(store, selection.stream, after, through, pageSize),
      rows: {
        matches: selected,
        pages: (pageSize) =>
          nothing
            ? empty()
            : selection.stream === undefined && store.streamExportRows !== undefined
              ? generator(store.streamExportRows({ from: after, through, filter, batchSize: pageSize }))
              : asRows(
                  selection.stream === undefined
                    ? streamAllOf(store, { from: after, through, filter, batchSize: pageSize })
                    : streamPages(store, selection.stream, after, through, pageSize),
                ),
      },
    };
  }

  /** The exact position of the last event before `position` (START if none): an exclusive bound that means "from position". */
  private async positionBefore(position: Position): Promise<Position> {
    const [previous] = await this.store.readAll({ direction: 'backwards', from: position, maxCount: 1 });
    return previous?.position ?? START;
  }

  async page(selection: LogSelection, limit: number): Promise<EventsPage> {
    const scan = await this.open(selection);
    const events: RecordedEvent[] = [];
    let scanned = 0;
    let last: Position | undefined;
    const result = (hasMore: boolean): EventsPage => ({
      events: events.map(toAuditEvent),
      next: last === undefined ? null : last.toString(),
      hasMore,
      scanned,
    });
    for await (const page of scan.pages(scan.filtersWhileReading ? SCAN_PAGE : limit)) {
      for (const event of page) {
        scanned++;
        last = event.position;
        if (scan.matches(event) && events.push(event) === limit) return result(true);
      }
      if (scanned >= MAX_SCAN_PER_REQUEST) return result(true);
    }
    return result(false);
  }

  /** A whole stream, or undefined when it does not exist. */
  async stream(streamId: string): Promise<AuditEvent[] | undefined> {
    const events = await this.store.readStream(streamId);
    return events.length === 0 ? undefined : events.map(toAuditEvent);
  }
}

async function* empty<T>(): AsyncGenerator<readonly T[]> {
  yield* [];
}

async function* generator<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  yield* source;
}

async function* asRows(pages: AsyncGenerator<readonly RecordedEvent[]>): AsyncGenerator<readonly ExportRow[]> {
  for await (const page of pages) yield page.map(toExportRow);
}

/** A stream is read by revision; its positions grow with its revisions, so the bounds apply the same. */
async function* streamPages(
  store: EventStore,
  streamId: string,
  after: Position,
  through: Position,
  pageSize: number,
): AsyncGenerator<readonly RecordedEvent[]> {
  let fromRevision = 0n;
  for (;;) {
    const page = await store.readStream(streamId, { fromRevision, maxCount: pageSize });
    const within = page.filter((event) => event.position > after && event.position <= through);
    if (within.length > 0) yield within;
    const last = page[page.length - 1];
    if (last === undefined || page.length < pageSize || last.position >= through) return;
    fromRevision = last.revision + 1n;
  }
}

/**
 * Keeps the next read in flight while the consumer works on the current item, so the database and
 * this process work at the same time. Stopping early waits for that one read and drops it.
 */
export async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let pending = source.next();
  try {
    for (;;) {
      const result = await pending;
      if (result.done) return;
      pending = source.next();
      yield result.value;
    }
  } finally {
    await pending.catch(() => undefined);
    await source.return(undefined);
  }
}
