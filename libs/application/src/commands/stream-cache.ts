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

type AnyDecider<S> = Pick<Decider<Command, Event, S, unknown>, 'initialState' | 'evolve'>;

/** Streams kept folded in memory; the least recently used one is dropped beyond this. */
const MAX_STREAMS = 10_000;

export const toDomainEvent = <E extends Event>(event: Pick<RecordedEvent, 'type' | 'data' | 'metadata'>): Recorded<E> =>
  ({ type: event.type, data: event.data, metadata: event.metadata }) as unknown as Recorded<E>;

const foldOnto = <S>(
  decider: AnyDecider<S>,
  folded: FoldedStream<S>,
  events: readonly RecordedEvent[],
): FoldedStream<S> => {
  if (events.length === 0) return folded;
  let state = folded.state;
  for (const event of events) state = decider.evolve(state, toDomainEvent(event));
  const last = events[events.length - 1]!;
  return { state, revision: last.revision, lastHash: String(last.metadata.hash ?? GENESIS_HASH) };
};

/**
 * Folded state per stream with the revision it reaches, so a command reads only the events appended
 * since (DESIGN.md section 8). The cache is only ever behind the store, never ahead or different: it
 * holds nothing but committed events, read back or written by this process. A decision taken on a
 * state that is behind is appended at that state's revision, so the store refuses it
 * (WrongExpectedRevision) and the command is decided again on fresher state; a decision that appends
 * nothing (a refusal, a no-op) is only ever taken on a state refreshed from the store.
 */
@Injectable()
export class StreamCache {
  private readonly streams = new Map<string, FoldedStream<unknown>>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** What this process last knew of the stream, without asking the store. */
  peek<S>(decider: AnyDecider<S>, streamId: string): FoldedStream<S> {
    const known = this.streams.get(streamId) as FoldedStream<S> | undefined;
    if (known === undefined) return { state: decider.initialState, revision: undefined, lastHash: GENESIS_HASH };
    // Re-inserting keeps the Map in least-recently-used order.
    this.streams.delete(streamId);
    this.streams.set(streamId, known);
    return known;
  }

  /** The stream as the store has it now: one read of the events after the known revision. */
  async refresh<S>(decider: AnyDecider<S>, streamId: string): Promise<FoldedStream<S>> {
    const known = this.peek(decider, streamId);
    const newer = await this.store.readStream(
      streamId,
      known.revision === undefined ? {} : { fromRevision: known.revision + 1n },
    );
    return this.keep(streamId, foldOnto(decider, known, newer));
  }

  /** Folds events this process has just appended at `folded.revision`, sparing the next command a read. */
  advance<S>(decider: AnyDecider<S>, streamId: string, folded: FoldedStream<S>, appended: readonly RecordedEvent[]) {
    this.keep(streamId, foldOnto(decider, folded, appended));
  }

  /** Drops what is known of a stream, when a write's outcome cannot be folded in with certainty. */
  forget(streamId: string): void {
    this.streams.delete(streamId);
  }

  /** Keeps the newest of what is known: concurrent commands may finish their reads in any order. */
  private keep<S>(streamId: string, folded: FoldedStream<S>): FoldedStream<S> {
    const known = this.streams.get(streamId) as FoldedStream<S> | undefined;
    if (known?.revision !== undefined && (folded.revision === undefined || folded.revision <= known.revision)) {
      return known;
    }
    this.streams.delete(streamId);
    this.streams.set(streamId, folded);
    if (this.streams.size > MAX_STREAMS) this.streams.delete(this.streams.keys().next().value!);
    return folded;
  }
}
