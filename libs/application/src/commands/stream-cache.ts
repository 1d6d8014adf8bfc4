import { Inject, Injectable } from '@nestjs/common';
import type { Command, Decider, Event, Recorded } from '#domain';
import { GENESIS_HASH, type EventStore, type RecordedEvent } from '#event-store';
import { EVENT_STORE } from '../infrastructure/tokens';

/** A stream folded up to `revision` (undefined: the stream had no events), and the hash to chain onto. */
export interface FoldedStream<S> {
  readonly state: S;
  readonly revision: bigint | undefined;
  readonly lastHash: string;
}

/**
 * A cached fold. `evolve` grows a state in place (libs/domain/src/shared/decider.ts), so once newer
 * events are folded onto an entry its state object belongs to the newer entry: the older one is
 * marked superseded and must not be decided on or folded onto again.
 */
interface Entry<S> extends FoldedStream<S> {
  superseded: boolean;
}

interface QueuedRead {
  readonly streamId: string;
  readonly fromRevision: bigint;
  readonly resolve: (events: RecordedEvent[]) => void;
  readonly reject: (error: unknown) => void;
}

type AnyDecider<S> = Pick<Decider<Command, Event, S, unknown>, 'initialState' | 'evolve'>;

/** Streams kept folded in memory; the least recently used one is dropped beyond this. */
const MAX_STREAMS = 10_000;

export const toDomainEvent = <E extends Event>(event: Pick<RecordedEvent, 'type' | 'data' | 'metadata'>): Recorded<E> =>
  ({ type: event.type, data: event.data, metadata: event.metadata }) as unknown as Recorded<E>;

const initialEntry = <S>(decider: AnyDecider<S>): Entry<S> => ({
  state: decider.initialState,
  revision: undefined,
  lastHash: GENESIS_HASH,
  superseded: false,
});

/**
 * Folded state per stream with the revision it reaches, so a command reads only the events appended
 * since (DESIGN.md section 8). The cache is only ever behind the store, never ahead or different: it
 * holds nothing but committed events, read back or written by this process. A decision taken on a
 * state that is behind is appended at that state's revision, so the store refuses it
 * (WrongExpectedRevision) and the command is decided again on fresher state; a decision that appends
 * nothing (a refusal, a no-op) is only ever taken on a state refreshed from the store.
 *
 * Because folds change states in place, events are only ever folded onto the stream's current entry,
 * each at most once (those it already holds are skipped), synchronously: two commands that read the
 * same newer events concurrently fold them once, and a command whose entry was superseded while it
 * awaited something takes the current one instead (`isCurrent`).
 */
@Injectable()
export class StreamCache {
  private readonly streams = new Map<string, Entry<unknown>>();
  private queued: QueuedRead[] = [];

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** What this process last knew of the stream, without asking the store. */
  peek<S>(decider: AnyDecider<S>, streamId: string): FoldedStream<S> {
    const known = this.streams.get(streamId) as Entry<S> | undefined;
    if (known === undefined) return initialEntry(decider);
    // Re-inserting keeps the Map in least-recently-used order.
    this.streams.delete(streamId);
    this.streams.set(streamId, known);
    return known;
  }

  /** Whether `folded` is still safe to decide on: no newer events were folded onto its state since. */
  isCurrent(folded: FoldedStream<unknown>): boolean {
    return !(folded as Entry<unknown>).superseded;
  }

  /**
   * The stream as the store has it now: one read of the events after the known revision. Reads
   * asked for in the same turn of the event loop (a decision's facts, concurrent commands) go to a
   * store that can as one statement.
   */
  async refresh<S>(decider: AnyDecider<S>, streamId: string): Promise<FoldedStream<S>> {
    let base = this.peek(decider, streamId) as Entry<S>;
    for (;;) {
      const newer = await this.readAfter(streamId, base.revision);
      const folded = this.foldIn(decider, streamId, base, newer);
      if (folded !== undefined) return folded;
      // What was read does not join what is cached now (the entry was dropped or replaced by an
      // older lineage while the read was in flight): read again from what is cached.
      base = this.peek(decider, streamId) as Entry<S>;
    }
  }

  private readAfter(streamId: string, revision: bigint | undefined): Promise<RecordedEvent[]> {
    const fromRevision = revision === undefined ? 0n : revision + 1n;
    if (this.store.readStreams === undefined) return this.store.readStream(streamId, { fromRevision });
    return new Promise((resolve, reject) => {
      this.queued.push({ streamId, fromRevision, resolve, reject });
      if (this.queued.length === 1) process.nextTick(() => this.readQueued());
    });
  }

  private readQueued(): void {
    const reads = this.queued;
    this.queued = [];
    if (reads.length === 1) {
      const [{ streamId, fromRevision, resolve, reject }] = reads as [QueuedRead];
      this.store.readStream(streamId, { fromRevision }).then(resolve, reject);
      return;
    }
    const fromRevisions = new Map<string, bigint>();
    for (const { streamId, fromRevision } of reads) {
      const earliest = fromRevisions.get(streamId);
      if (earliest === undefined || fromRevision < earliest) fromRevisions.set(streamId, fromRevision);
    }
    this.store.readStreams!(fromRevisions).then(
      (read) => {
        for (const { streamId, fromRevision, resolve } of reads) {
          resolve((read.get(streamId) ?? []).filter((event) => event.revision >= fromRevision));
        }
      },
      (error: unknown) => {
        for (const { reject } of reads) reject(error);
      },
    );
  }

  /** Folds events this process has just appended at `folded.revision`, sparing the next command a read. */
  advance<S>(decider: AnyDecider<S>, streamId: string, folded: FoldedStream<S>, appended: readonly RecordedEvent[]) {
    if (this.foldIn(decider, streamId, folded as Entry<S>, appended) === undefined) this.forget(streamId);
  }

  /** Drops what is known of a stream, when a write's outcome cannot be folded in with certainty. */
  forget(streamId: string): void {
    const known = this.streams.get(streamId);
    if (known !== undefined) known.superseded = true;
    this.streams.delete(streamId);
  }

  /**
   * Folds `events` (read after `base.revision`) onto the stream's current entry, skipping those it
   * already holds. Undefined when they do not follow on from it: the caller reads again.
   */
  private foldIn<S>(
    decider: AnyDecider<S>,
    streamId: string,
    base: Entry<S>,
    events: readonly RecordedEvent[],
  ): Entry<S> | undefined {
    const cached = this.streams.get(streamId) as Entry<S> | undefined;
    const current = cached ?? (base.superseded ? undefined : base);
    if (current === undefined) return undefined;
    const after = current.revision ?? -1n;
    const unseen = events.filter((event) => event.revision > after);
    if (unseen.length > 0 && unseen[0]!.revision !== after + 1n) return undefined;
    if (unseen.length === 0) return current;
    let state = current.state;
    for (const event of unseen) state = decider.evolve(state, toDomainEvent(event));
    current.superseded = true;
    const last = unseen[unseen.length - 1]!;
    const next: Entry<S> = {
      state,
      revision: last.revision,
      lastHash: String(last.metadata.hash ?? GENESIS_HASH),
      superseded: false,
    };
    this.streams.delete(streamId);
    this.streams.set(streamId, next);
    if (this.streams.size > MAX_STREAMS) this.forget(this.streams.keys().next().value!);
    return next;
  }
}
