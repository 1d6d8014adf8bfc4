import { Inject, Injectable } from '@nestjs/common';
import { toDomainEvent } from '#application';
import { epochMs, fold, type Command, type Decider, type Event } from '#domain';
import { parsePosition, type EventStore, type Position, type RecordedEvent } from '#event-store';
import { ProblemException } from '../http/problem';
import { EVENT_STORE } from '../infrastructure/tokens';
import { recordedAtMs } from './audit-event';

export type AsOf = { readonly position: Position } | { readonly epochMs: number };

/** A global position (digits only) or a UTC instant such as 2027-03-01T12:00:00Z. */
export const parseAsOf = (text: string): AsOf => {
  const position = parsePosition(text);
  if (position !== undefined) return { position };
  const ms = epochMs(text);
  if (ms !== undefined) return { epochMs: ms };
  throw new ProblemException(
    400,
    'INVALID_AS_OF',
    `asOf must be a global position (digits, e.g. from X-Event-Position) or a UTC instant such as 2027-03-01T12:00:00Z (got ${JSON.stringify(text)})`,
  );
};

const atOrBefore = (event: RecordedEvent, asOf: AsOf): boolean =>
  'position' in asOf ? event.position <= asOf.position : (recordedAtMs(event) ?? Infinity) <= asOf.epochMs;

export interface StateAsOfView<S> {
  readonly id: string;
  readonly streamId: string;
  readonly asOf: string | null;
  /** The last event folded: the ETag the API sent then was W/"<revision>". */
  readonly revision: string;
  readonly position: string;
  readonly recordedAt: string | null;
  readonly state: S;
}

/**
 * An aggregate as the API showed it at a moment: the same fold over the longest prefix of its
 * stream recorded at or before that moment (a stream's events are recorded in revision order).
 */
@Injectable()
export class StateAsOf {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async view<E extends Event, S>(
    decider: Decider<Command, E, S, unknown>,
    what: { readonly noun: string; readonly code: string; readonly id: string; readonly streamId: string },
    asOfText: string | undefined,
  ): Promise<StateAsOfView<S>> {
    const asOf = asOfText === undefined ? undefined : parseAsOf(asOfText);
    const events = await this.store.readStream(what.streamId);
    if (events.length === 0) throw new ProblemException(404, what.code, `no ${what.noun} ${what.id}`);
    const cut = asOf === undefined ? events.length : events.findIndex((event) => !atOrBefore(event, asOf));
    const prefix = cut === -1 ? events : events.slice(0, cut);
    const last = prefix[prefix.length - 1];
    if (last === undefined) {
      const first = events[0]!;
      throw new ProblemException(
        404,
        what.code,
        `${what.noun} ${what.id} did not exist as of ${asOfText}: it was first recorded at ${String(first.metadata.recordedAt)} (position ${first.position.toString()})`,
      );
    }
    return {
      id: what.id,
      streamId: what.streamId,
      asOf: asOfText ?? null,
      revision: last.revision.toString(),
      position: last.position.toString(),
      recordedAt: typeof last.metadata.recordedAt === 'string' ? last.metadata.recordedAt : null,
      state: fold(
        decider,
        prefix.map((event) => toDomainEvent<E>(event)),
      ),
    };
  }
}
