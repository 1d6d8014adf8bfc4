import { Inject, Injectable } from '@nestjs/common';
import {
  GENESIS_HASH,
  START,
  eventHash,
  type EventStore,
  type IntegrityBatch,
  type IntegrityScope,
  type RecordedEvent,
  type StoredEvent,
} from '#event-store';
import { ProblemException } from '../http/problem';
import { EVENT_STORE } from '../infrastructure/tokens';
import { AuditLog, readAhead } from './audit-log';
import { parsesExactly } from './exact-json';

export const BREAK_REASONS = ['HASH_MISMATCH', 'PREV_HASH_MISMATCH', 'REVISION_GAP'] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];

export const ANOMALY_REASONS = ['IMPOSSIBLE_TRANSACTION'] as const;
export type AnomalyReason = (typeof ANOMALY_REASONS)[number];

export interface BrokenLink {
  readonly streamId: string;
  readonly revision: string;
  readonly position: string;
  readonly reason: BreakReason;
}

export interface Anomaly {
  readonly streamId: string;
  readonly revision: string;
  readonly position: string;
  readonly reason: AnomalyReason;
}

export interface VerificationReport {
  readonly verified: boolean;
  readonly scope: { readonly stream: string } | { readonly category: string } | { readonly all: true };
  /** The log's head when the check began: what reads and exports of the log reach. */
  readonly throughPosition: string;
  readonly streamsChecked: number;
  /** Every stored event of the scope, whatever its visibility. */
  readonly eventsChecked: number;
  /** Of those, committed after throughPosition while an older transaction ran: checked, not yet in the log. */
  readonly eventsAfterThrough: number;
  readonly brokenLinks: number;
  readonly firstBroken?: BrokenLink;
  /** Stored events no read hands out (see ANOMALY_REASONS): each one is evidence of tampering. */
  readonly anomalies: number;
  readonly firstAnomaly?: Anomaly;
}

/** An event as the verifier takes it: a store without integrityScan gives only what the log shows. */
export type CheckedEvent = RecordedEvent & Partial<Pick<StoredEvent, 'visibility' | 'storedText'>>;

/**
 * Recomputes each stream's hash chain from the stored events, taken in global order: every event must
 * follow its stream's previous revision (so a changed global order within a stream shows as a gap),
 * name the previous event's hash as prevHash (GENESIS_HASH for revision 0), and hash to the stored
 * hash, computed over content whose numbers parse exactly (see parsesExactly). After a broken link
 * the check carries on from the stored values, so one altered event is reported once, not as a
 * cascade through the rest of its stream.
 *
 * An event with an impossible transaction id is an anomaly and stays out of its chain: no read hands
 * it out, so it is not part of the history the chain proves.
 */
export class ChainVerifier {
  private readonly heads = new Map<string, { readonly revision: bigint; readonly hash: unknown }>();
  eventsChecked = 0;
  eventsAfterThrough = 0;
  brokenLinks = 0;
  firstBroken: BrokenLink | undefined;
  anomalies = 0;
  firstAnomaly: Anomaly | undefined;

  check(event: CheckedEvent): void {
    this.eventsChecked++;
    const where = {
      streamId: event.streamId,
      revision: event.revision.toString(),
      position: event.position.toString(),
    };
    if (event.visibility === 'impossible') {
      this.anomalies++;
      this.firstAnomaly ??= { ...where, reason: 'IMPOSSIBLE_TRANSACTION' };
      if (!this.heads.has(event.streamId)) this.heads.set(event.streamId, { revision: -1n, hash: GENESIS_HASH });
      return;
    }
    if (event.visibility === 'pending') this.eventsAfterThrough++;
    const head = this.heads.get(event.streamId);
    const { prevHash, hash } = event.metadata;
    const exact =
      event.storedText === undefined ||
      (parsesExactly(event.storedText.data) && parsesExactly(event.storedText.metadata));
    const reason: BreakReason | undefined =
      event.revision !== (head === undefined ? 0n : head.revision + 1n)
        ? 'REVISION_GAP'
        : prevHash !== (head === undefined ? GENESIS_HASH : head.hash)
          ? 'PREV_HASH_MISMATCH'
          : !exact || typeof prevHash !== 'string' || hash !== eventHash(prevHash, event)
            ? 'HASH_MISMATCH'
            : undefined;
    if (reason !== undefined) {
      this.brokenLinks++;
      this.firstBroken ??= { ...where, reason };
    }
    this.heads.set(event.streamId, { revision: event.revision, hash });
  }

  get streamsChecked(): number {
    return this.heads.size;
  }
}

const VERIFY_PAGE = 2_000;

@Injectable()
export class ChainVerification {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly log: AuditLog,
  ) {}

  async verify(scope: { stream?: string; category?: string }): Promise<VerificationReport> {
    const verifier = new ChainVerifier();
    let through = START;
    for await (const batch of readAhead(this.scan(scope))) {
      through = batch.head;
      for (const event of batch.events) verifier.check(event);
    }
    if (scope.stream !== undefined && verifier.eventsChecked === 0) {
      throw new ProblemException(404, 'STREAM_NOT_FOUND', `no stream ${scope.stream}`);
    }
    return {
      verified: verifier.brokenLinks === 0 && verifier.anomalies === 0,
      scope:
        scope.stream !== undefined
          ? { stream: scope.stream }
          : scope.category !== undefined
            ? { category: scope.category }
            : { all: true },
      throughPosition: through.toString(),
      streamsChecked: verifier.streamsChecked,
      eventsChecked: verifier.eventsChecked,
      eventsAfterThrough: verifier.eventsAfterThrough,
      brokenLinks: verifier.brokenLinks,
      ...(verifier.firstBroken === undefined ? {} : { firstBroken: verifier.firstBroken }),
      anomalies: verifier.anomalies,
      ...(verifier.firstAnomaly === undefined ? {} : { firstAnomaly: verifier.firstAnomaly }),
    };
  }

  /**
   * Every stored event of the scope when the store can list them whatever their visibility;
   * otherwise (EventStoreDB, which has no such thing as a hidden event) the log up to its head.
   */
  private async *scan(scope: { stream?: string; category?: string }): AsyncGenerator<IntegrityBatch> {
    const integrity: IntegrityScope = {
      batchSize: VERIFY_PAGE,
      ...(scope.stream === undefined ? {} : { streamId: scope.stream }),
      ...(scope.category === undefined ? {} : { category: scope.category }),
    };
    if (this.store.integrityScan !== undefined) {
      yield* this.store.integrityScan(integrity);
      return;
    }
    const scan = await this.log.open({
      after: START,
      ...(scope.stream === undefined ? {} : { stream: scope.stream }),
      ...(scope.category === undefined ? {} : { categories: [scope.category] }),
    });
    yield { head: scan.through, events: [] };
    for await (const page of scan.pages(VERIFY_PAGE)) {
      yield { head: scan.through, events: page.map((event) => ({ ...event, visibility: 'log' as const })) };
    }
  }
}
