/**
 * TEST DOUBLE — not EventStoreDB. The in-memory transaction log behind the EventStoreDB server
 * double (./server.ts): our reading of the server's documented semantics for appends, expected
 * revisions, idempotency, positions, deletes and tombstones. It checks the adapter against that
 * reading, not against the server; README.md in this folder lists what it models and what not.
 */

export type Expected = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly commit: bigint;
  readonly prepare: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as the server reports `created`. */
  readonly createdTicks: bigint;
}

interface StreamState {
  readonly events: StoredEvent[];
  /** Revision of the last event ever written; -1 before the first. */
  last: bigint;
  /** Soft delete: events before this revision are hidden and the stream reads as missing until written again. */
  truncateBefore: bigint;
  tombstoned: boolean;
}

export type AppendOutcome =
  | { readonly kind: 'written'; readonly last: StoredEvent }
  /** An identical earlier append: the server answers with its revision and no position. */
  | { readonly kind: 'idempotent'; readonly revision: bigint }
  | { readonly kind: 'wrong-expected-version'; readonly current: bigint | 'no_stream' }
  | { readonly kind: 'stream-deleted' };

export type ReadOutcome =
  | { readonly kind: 'events'; readonly events: StoredEvent[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'deleted' };

/** Bytes of log record per event beyond its payload, so positions advance like byte offsets. */
const RECORD_OVERHEAD = 120n;

/** The size the server checks against its maximum append size (EventStore's Event.SizeOnDisk). */
export const sizeOnDisk = (event: ProposedEvent): number =>
  event.data.length + event.metadata.length + event.type.length * 2;

export const comparePositions = (a: { commit: bigint; prepare: bigint }, b: { commit: bigint; prepare: bigint }) =>
  a.commit === b.commit ? (a.prepare < b.prepare ? -1 : a.prepare > b.prepare ? 1 : 0) : a.commit < b.commit ? -1 : 1;

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

export class DoubleLog {
  /** $all, in position order; never shrinks (scavenging is not modelled). */
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StreamState>();
  private readonly listeners = new Set<() => void>();
  private nextOffset = 0n;

  constructor() {
    // A fresh server's $all already holds its own events; the adapter must never hand them out.
    this.write('$epoch-information', [this.systemEvent('$epoch-information', '{"epochNumber":0}')]);
    this.write('$scavenges', [this.systemEvent('$scavengeIndexInitialized', '{}')]);
  }

  /** Called after every write; subscriptions use it to push live events. */
  onWrite(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(streamId: string, events: readonly ProposedEvent[], expected: Expected): AppendOutcome {
    const stream = this.streams.get(streamId);
    if (stream?.tombstoned) return { kind: 'stream-deleted' };
    const visible = stream !== undefined && stream.last >= stream.truncateBefore;
    const current = visible ? stream.last : -1n;
    const decision = this.checkCommit(stream, current, events, expected);
    if (decision !== 'write') return decision;
    const last = this.write(streamId, events);
    return { kind: 'written', last };
  }

  /**
   * The server's commit check: a write at the expected revision goes ahead; one behind it whose
   * events are already there, in order, at the revisions after the expected one, is idempotent;
   * anything else is a wrong expected version. With `any`, the server recognises a retry by its
   * cache of recent event ids; this cache never forgets.
   */
  private checkCommit(
    stream: StreamState | undefined,
    current: bigint,
    events: readonly ProposedEvent[],
    expected: Expected,
  ): AppendOutcome | 'write' {
    const wrong = { kind: 'wrong-expected-version', current: current < 0n ? 'no_stream' : current } as const;
    const alreadyAt = (first: bigint): boolean =>
      stream !== undefined &&
      events.every((event, index) => stream.events[Number(first) + index]?.id === event.id.toLowerCase());
    if (expected === 'any' || (expected === 'stream_exists' && current >= 0n)) {
      const firstId = events[0]!.id.toLowerCase();
      const seenAt = stream?.events.findIndex((event) => event.id === firstId) ?? -1;
      if (seenAt < 0) return 'write';
      return alreadyAt(BigInt(seenAt)) ? { kind: 'idempotent', revision: BigInt(seenAt + events.length - 1) } : wrong;
    }
    if (expected === 'stream_exists') return wrong;
    const expectedRevision = expected === 'no_stream' ? -1n : expected;
    if (expectedRevision === current) return 'write';
    if (expectedRevision < current && alreadyAt(expectedRevision + 1n)) {
      return { kind: 'idempotent', revision: expectedRevision + BigInt(events.length) };
    }
    return wrong;
  }

  private write(streamId: string, events: readonly ProposedEvent[]): StoredEvent {
    let stream = this.streams.get(streamId);
    if (stream === undefined) {
      stream = { events: [], last: -1n, truncateBefore: 0n, tombstoned: false };
      this.streams.set(streamId, stream);
    }
    // One write is one implicit transaction: every event carries the commit position of the
    // transaction (its first record) and its own prepare position.
    const commit = this.nextOffset;
    const createdTicks = BigInt(Date.now()) * 10_000n;
    let last: StoredEvent | undefined;
    for (const event of events) {
      const prepare = this.nextOffset;
      this.nextOffset += RECORD_OVERHEAD + BigInt(sizeOnDisk(event));
      stream.last += 1n;
      last = { ...event, id: event.id.toLowerCase(), streamId, revision: stream.last, commit, prepare, createdTicks };
      stream.events.push(last);
      this.all.push(last);
    }
    for (const listener of [...this.listeners]) listener();
    return last!;
  }

  readStream(streamId: string, from: bigint | 'start' | 'end', backwards: boolean, count: bigint): ReadOutcome {
    const stream = this.streams.get(streamId);
    if (stream?.tombstoned) return { kind: 'deleted' };
    if (stream === undefined || stream.last < stream.truncateBefore) return { kind: 'not-found' };
    const visible = stream.events.slice(Number(stream.truncateBefore));
    const selected = backwards
      ? visible.filter((event) => from === 'end' || from === 'start' || event.revision <= from).reverse()
      : visible.filter((event) => from === 'start' || (from !== 'end' && event.revision >= from));
    return { kind: 'events', events: selected.slice(0, Number(count > 1_000_000n ? 1_000_000n : count)) };
  }

  /** Index of the first event in $all at or after the position. */
  indexAtOrAfter(position: { commit: bigint; prepare: bigint }): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (comparePositions(this.all[middle]!, position) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Soft delete: the stream reads as missing; writing again continues after its last revision. */
  delete(streamId: string, expected: Expected): AppendOutcome {
    return this.remove(streamId, expected, false);
  }

  /** Hard delete: the stream can never be read or written again. */
  tombstone(streamId: string, expected: Expected): AppendOutcome {
    return this.remove(streamId, expected, true);
  }

  private remove(streamId: string, expected: Expected, hard: boolean): AppendOutcome {
    const stream = this.streams.get(streamId);
    if (stream?.tombstoned) return { kind: 'stream-deleted' };
    const current = stream !== undefined && stream.last >= stream.truncateBefore ? stream.last : -1n;
    const matches =
      expected === 'any' ||
      (expected === 'stream_exists' && current >= 0n) ||
      (expected === 'no_stream' && current < 0n) ||
      expected === current;
    if (!matches) return { kind: 'wrong-expected-version', current: current < 0n ? 'no_stream' : current };
    const state = stream ?? { events: [], last: -1n, truncateBefore: 0n, tombstoned: false };
    this.streams.set(streamId, state);
    state.truncateBefore = state.last + 1n;
    state.tombstoned = hard;
    // The server records a delete as an event of its own in $all.
    const marker = hard
      ? this.systemEvent('$streamDeleted', JSON.stringify({ streamId }))
      : this.systemEvent('$metadata', JSON.stringify({ $tb: state.truncateBefore.toString() }));
    return { kind: 'written', last: this.write(`$$${streamId}`, [marker]) };
  }

  private systemEvent(type: string, json: string): ProposedEvent {
    return {
      id: crypto.randomUUID(),
      type,
      contentType: 'application/json',
      data: utf8(json),
      metadata: new Uint8Array(),
    };
  }
}
