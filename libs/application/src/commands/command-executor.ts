import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { fold, type Command, type Decider, type Event, type Recorded } from '#domain';
import {
  GENESIS_HASH,
  WrongExpectedRevision,
  eventHash,
  streamCategory,
  type EventData,
  type EventStore,
  type JsonObject,
  type Position,
  type RecordedEvent,
} from '#event-store';
import type { CommandContext } from '../command-context';
import { StaleRevision } from '../errors';
import { EVENT_STORE } from '../infrastructure/tokens';
import { CommandMetrics } from './command-metrics';

export const SCHEMA_VERSION = 1;

/** Metadata stored with every event (DESIGN.md section 5); `hash` chains it to the stream's previous event. */
export interface StoredMetadata extends JsonObject {
  eventId: string;
  commandId: string;
  correlationId: string;
  causationId: string | null;
  actor: { userId: string; roles: string[] };
  recordedAt: string;
  schemaVersion: number;
  prevHash: string;
  hash: string;
}

export interface WriteResult {
  readonly id: string;
  readonly streamId: string;
  /** The stream's revision after the write (unchanged when the command recorded nothing). */
  readonly revision: bigint;
  /** Global position of the last event written; absent when nothing was written. */
  readonly position: Position | undefined;
  readonly events: readonly string[];
  /** True when this answers a retry of a command that had already been recorded. */
  readonly replayed: boolean;
}

/** A command without its metadata: what a controller knows. The executor adds actor and time. */
export type Intent<C extends Command> = C extends Command<infer Type, infer Data> ? { type: Type; data: Data } : never;

export interface Execution<C extends Command, E extends Event, S, F> {
  readonly id: string;
  readonly streamId: string;
  readonly decider: Decider<C, E, S, F>;
  readonly intent: Intent<C>;
  /** Reads the other aggregates the decision needs, from the event store. */
  readonly facts: (state: S, command: C) => Promise<F>;
  readonly context: CommandContext;
}

const MAX_ATTEMPTS = 5;

export const toDomainEvent = <E extends Event>(event: RecordedEvent): Recorded<E> =>
  ({ type: event.type, data: event.data, metadata: event.metadata }) as unknown as Recorded<E>;

/**
 * The imperative shell around a decider: load the stream, fold, decide, append at the revision it
 * was loaded at. A conflict re-runs the whole decision on fresh state (a bounded number of times)
 * unless the client pinned the revision with If-Match, which then fails with 412.
 */
@Injectable()
export class CommandExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: CommandMetrics,
  ) {}

  async execute<C extends Command, E extends Event, S, F>(execution: Execution<C, E, S, F>): Promise<WriteResult> {
    const { streamId, decider, context } = execution;
    for (let attempt = 1; ; attempt++) {
      const stored = await this.store.readStream(streamId);
      const last = stored[stored.length - 1];
      const earlier = stored.filter((event) => event.metadata.commandId === context.commandId);
      if (earlier.length > 0) return replay(execution.id, streamId, earlier);
      const revision = last?.revision;
      if (context.expectedRevision !== undefined && context.expectedRevision !== revision) {
        throw new StaleRevision(streamId, revision);
      }
      const now = new Date().toISOString();
      // The shell is the only place with a clock; the decision gets the time as data.
      const command = { ...execution.intent, metadata: { actor: context.actor, now } } as unknown as C;
      const state = fold(
        decider,
        stored.map((event) => toDomainEvent<E>(event)),
      );
      const events = decider.decide(command, state, await execution.facts(state, command));
      if (events.length === 0) {
        return {
          id: execution.id,
          streamId,
          revision: revision ?? -1n,
          position: undefined,
          events: [],
          replayed: false,
        };
      }
      const toAppend = chain(streamId, last, events, context, now);
      try {
        const result = await this.store.append(streamId, toAppend, revision ?? 'no_stream');
        this.metrics.appends.inc({ aggregate: streamCategory(streamId) });
        return {
          id: execution.id,
          streamId,
          revision: result.nextExpectedRevision,
          position: result.position,
          events: events.map((event) => event.type),
          replayed: false,
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        this.metrics.conflicts.inc({ aggregate: streamCategory(streamId) });
        if (context.expectedRevision !== undefined)
          throw new StaleRevision(streamId, error.actual === 'no_stream' ? undefined : error.actual);
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}

/** The answer the first execution gave, rebuilt from the events it recorded. */
const replay = (id: string, streamId: string, earlier: readonly RecordedEvent[]): WriteResult => {
  const final = earlier[earlier.length - 1]!;
  return {
    id,
    streamId,
    revision: final.revision,
    position: final.position,
    events: earlier.map((event) => event.type),
    replayed: true,
  };
};

const chain = (
  streamId: string,
  last: RecordedEvent | undefined,
  events: readonly Event[],
  context: CommandContext,
  now: string,
): EventData[] => {
  let prevHash = (last?.metadata.hash as string | undefined) ?? GENESIS_HASH;
  let revision = last === undefined ? 0n : last.revision + 1n;
  return events.map((event) => {
    const eventId = randomUUID();
    const data = event.data as JsonObject;
    const unhashed = {
      eventId,
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.causationId ?? null,
      actor: { userId: context.actor.userId, roles: [...context.actor.roles] },
      recordedAt: now,
      schemaVersion: SCHEMA_VERSION,
      prevHash,
    };
    const hash = eventHash(prevHash, { streamId, revision, eventId, type: event.type, data, metadata: unhashed });
    const metadata: StoredMetadata = { ...unhashed, hash };
    prevHash = hash;
    revision++;
    return { eventId, type: event.type, data, metadata };
  });
};
