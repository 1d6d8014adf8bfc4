import { Inject, Injectable } from '@nestjs/common';
import { DomainError, UPCASTERS, type Command, type Decider, type Event } from '#domain';
import {
  UpcasterRegistry,
  WrongExpectedRevision,
  eventHash,
  streamCategory,
  type EventData,
  type EventStore,
  type JsonObject,
  type Position,
  type RecordedEvent,
} from '#event-store';
import { activeTraceparent, inSpan } from '#runtime';
import { commandIdFor, type CommandContext } from '../command-context';
import { StaleRevision } from '../errors';
import { EVENT_STORE } from '../infrastructure/tokens';
import { CommandMetrics } from './command-metrics';
import { StreamCache, type FoldedStream } from './stream-cache';

export { toDomainEvent } from './stream-cache';

/** Events are written in their type's current shape: the version its upcasters lead to. */
const SCHEMA_VERSIONS = new UpcasterRegistry(UPCASTERS);

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
  /** W3C trace context of the command's span, when tracing is on: the projector's spans link to it. */
  traceparent?: string;
}

/** One event a command recorded, with the id it is stored under. */
export interface RecordedByCommand {
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
}

export interface WriteResult {
  readonly id: string;
  readonly streamId: string;
  /** The stream's revision after the write (unchanged when the command recorded nothing). */
  readonly revision: bigint;
  /** Global position of the last event written; absent when nothing was written. */
  readonly position: Position | undefined;
  readonly events: readonly string[];
  /** The command's events as stored: what a process manager continues from. */
  readonly recorded: readonly RecordedByCommand[];
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

/** More events than any one command records: bounds the read that rebuilds a replayed answer. */
const MAX_EVENTS_PER_COMMAND = 100;

/**
 * The store's unique event-id index is the last guard against a command recorded twice: the ids
 * follow from the command id, so a second write of the same command is refused (or recognised as
 * the same append) whatever happened above.
 */
export const eventIdFor = (commandId: string, index: number): string => commandIdFor(commandId, `event#${index}`);

/**
 * The imperative shell around a decider: fold, decide, append at the revision the decision was
 * taken on. The folded state comes from the stream cache; the append's expected revision is what
 * makes that safe. A conflict re-runs the whole decision on fresh state (a bounded number of times)
 * unless the issuer pinned the revision (If-Match), which then fails with StaleRevision.
 */
@Injectable()
export class CommandExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly cache: StreamCache,
    private readonly metrics: CommandMetrics,
  ) {}

  execute<C extends Command, E extends Event, S, F>(execution: Execution<C, E, S, F>): Promise<WriteResult> {
    return inSpan(
      `command ${execution.intent.type}`,
      () => ({
        'ka.stream_id': execution.streamId,
        'ka.command_id': execution.context.commandId,
        'ka.correlation_id': execution.context.correlationId,
      }),
      () => this.run(execution),
    );
  }

  private async run<C extends Command, E extends Event, S, F>(execution: Execution<C, E, S, F>): Promise<WriteResult> {
    const { streamId, decider, context } = execution;
    const expected = context.expectedRevision;
    let folded = this.cache.peek(decider, streamId);
    // Whether `folded` was read up to the store's head during this attempt.
    let fresh = false;
    const refresh = async () => {
      folded = await this.cache.refresh(decider, streamId);
      fresh = true;
    };
    for (let attempt = 1; ; attempt++) {
      // A cache behind what the issuer saw cannot tell whether the issuer is stale: ask the store.
      if (!fresh && expected !== undefined && (folded.revision === undefined || folded.revision < expected)) {
        await refresh();
      }
      if (expected !== undefined && expected !== folded.revision) {
        const earlier = await this.recorded(execution.id, streamId, context.commandId);
        if (earlier !== undefined) return earlier;
        throw new StaleRevision(streamId, folded.revision);
      }
      const now = new Date().toISOString();
      // The shell is the only place with a clock; the decision gets the time as data.
      const command = { ...execution.intent, metadata: { actor: context.actor, now } } as unknown as C;
      let events: E[];
      try {
        const facts = await execution.facts(folded.state, command);
        // Another command folded newer events onto this state while the facts were read.
        if (!this.cache.isCurrent(folded)) {
          folded = this.cache.peek(decider, streamId);
          continue;
        }
        events = decider.decide(command, folded.state, facts);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // A refusal appends nothing, so no expected revision checks it: it is taken on the store's head.
        if (!fresh) {
          await refresh();
          continue;
        }
        const earlier = await this.recorded(execution.id, streamId, context.commandId);
        if (earlier !== undefined) return earlier;
        throw error;
      }
      if (events.length === 0) {
        if (!fresh) {
          await refresh();
          continue;
        }
        return nothingRecorded(execution.id, streamId, folded.revision);
      }
      const toAppend = chain(streamId, folded, events, context, now);
      try {
        const result = await this.store.append(streamId, toAppend, folded.revision ?? 'no_stream');
        const recorded = toAppend.map(({ eventId, type, data }) => ({ eventId, type, data }));
        if (result.replayed === true) {
          return {
            ...writeOf(execution.id, streamId, result.nextExpectedRevision, result.position, recorded),
            replayed: true,
          };
        }
        if (result.replayed === false) {
          const first = result.nextExpectedRevision - BigInt(toAppend.length) + 1n;
          this.cache.advance(
            decider,
            streamId,
            folded,
            toAppend.map((event, index) => ({
              ...event,
              streamId,
              revision: first + BigInt(index),
              position: result.position,
              createdAt: new Date(now),
            })),
          );
        } else {
          // The adapter cannot say whether it wrote or recognised a retry: read it back next time.
          this.cache.forget(streamId);
        }
        this.metrics.appends.inc({ aggregate: streamCategory(streamId) });
        return writeOf(execution.id, streamId, result.nextExpectedRevision, result.position, recorded);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        this.metrics.conflicts.inc({ aggregate: streamCategory(streamId) });
        fresh = false;
        if (expected !== undefined) {
          const earlier = await this.recorded(execution.id, streamId, context.commandId);
          if (earlier !== undefined) return earlier;
          throw new StaleRevision(streamId, error.actual === 'no_stream' ? undefined : error.actual);
        }
        if (attempt >= MAX_ATTEMPTS) throw error;
        await refresh();
      }
    }
  }

  /**
   * Decides on the store's head without recording anything, so a process can check a command before
   * it moves anything elsewhere: refusals come out as `execute` would throw them, and a command
   * already recorded comes back as its replayed answer. The state read stays cached for the step.
   */
  async preview<C extends Command, E extends Event, S, F>(
    execution: Execution<C, E, S, F>,
  ): Promise<{ readonly replayed: WriteResult | undefined; readonly revision: bigint | undefined; readonly state: S }> {
    const { streamId, decider, context } = execution;
    let folded = await this.cache.refresh(decider, streamId);
    const replayedOr = async (error: Error) => {
      const earlier = await this.recorded(execution.id, streamId, context.commandId);
      if (earlier === undefined) throw error;
      return { replayed: earlier, revision: folded.revision, state: folded.state };
    };
    if (context.expectedRevision !== undefined && context.expectedRevision !== folded.revision) {
      return replayedOr(new StaleRevision(streamId, folded.revision));
    }
    const command = {
      ...execution.intent,
      metadata: { actor: context.actor, now: new Date().toISOString() },
    } as unknown as C;
    try {
      let facts = await execution.facts(folded.state, command);
      // Newer events were folded onto this state while the facts were read: decide on the newer one.
      while (!this.cache.isCurrent(folded)) {
        folded = this.cache.peek(decider, streamId);
        facts = await execution.facts(folded.state, command);
      }
      decider.decide(command, folded.state, facts);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return replayedOr(error);
    }
    return { replayed: undefined, revision: folded.revision, state: folded.state };
  }

  /**
   * The answer a command already recorded gives, if it was recorded: a retry whose first run was
   * written but never answered (a crash, a lost response). Found through the event id its first
   * event must have, so it costs one indexed lookup and only on the paths that refuse.
   */
  private async recorded(id: string, streamId: string, commandId: string): Promise<WriteResult | undefined> {
    const mine = (event: RecordedEvent) => event.metadata.commandId === commandId;
    let events: RecordedEvent[];
    if (this.store.findEvent) {
      const first = await this.store.findEvent(eventIdFor(commandId, 0));
      if (first === undefined || first.streamId !== streamId) return undefined;
      const following = await this.store.readStream(streamId, {
        fromRevision: first.revision,
        maxCount: MAX_EVENTS_PER_COMMAND,
      });
      const end = following.findIndex((event) => !mine(event));
      events = end === -1 ? following : following.slice(0, end);
    } else {
      events = (await this.store.readStream(streamId)).filter(mine);
    }
    if (events.length === 0) return undefined;
    const last = events[events.length - 1]!;
    return {
      ...writeOf(
        id,
        streamId,
        last.revision,
        last.position,
        events.map(({ eventId, type, data }) => ({ eventId, type, data })),
      ),
      replayed: true,
    };
  }
}

const writeOf = (
  id: string,
  streamId: string,
  revision: bigint,
  position: Position,
  recorded: readonly RecordedByCommand[],
): WriteResult => ({
  id,
  streamId,
  revision,
  position,
  events: recorded.map((event) => event.type),
  recorded,
  replayed: false,
});

const nothingRecorded = (id: string, streamId: string, revision: bigint | undefined): WriteResult => ({
  id,
  streamId,
  revision: revision ?? -1n,
  position: undefined,
  events: [],
  recorded: [],
  replayed: false,
});

const chain = (
  streamId: string,
  folded: FoldedStream<unknown>,
  events: readonly Event[],
  context: CommandContext,
  now: string,
): EventData[] => {
  let prevHash = folded.lastHash;
  let revision = folded.revision === undefined ? 0n : folded.revision + 1n;
  const traceparent = activeTraceparent();
  return events.map((event, index) => {
    const eventId = eventIdFor(context.commandId, index);
    const data = event.data as JsonObject;
    const unhashed = {
      eventId,
      commandId: context.commandId,
      correlationId: context.correlationId,
      causationId: context.causationId ?? null,
      actor: { userId: context.actor.userId, roles: [...context.actor.roles] },
      recordedAt: now,
      schemaVersion: SCHEMA_VERSIONS.currentVersion(event.type),
      prevHash,
      ...(traceparent === undefined ? {} : { traceparent }),
    };
    const hash = eventHash(prevHash, { streamId, revision, eventId, type: event.type, data, metadata: unhashed });
    const metadata: StoredMetadata = { ...unhashed, hash };
    prevHash = hash;
    revision++;
    return { eventId, type: event.type, data, metadata };
  });
};
