import { Injectable } from '@nestjs/common';
import { GENESIS_HASH, START, eventHash, type RecordedEvent } from '#event-store';
import { ProblemException } from '../http/problem';
import { AuditLog, readAhead } from './audit-log';

export const BREAK_REASONS = ['HASH_MISMATCH', 'PREV_HASH_MISMATCH', 'REVISION_GAP'] as const;
export type BreakReason = (typeof BREAK_REASONS)[number];

export interface BrokenLink {
  readonly streamId: string;
  readonly revision: string;
  readonly position: string;
  readonly reason: BreakReason;
}

export interface VerificationReport {
  readonly verified: boolean;
  readonly scope: { readonly stream: string } | { readonly category: string } | { readonly all: true };
  /** The log was verified up to this position: its head when the check began. */
  readonly throughPosition: string;
  readonly streamsChecked: number;
  readonly eventsChecked: number;
  readonly brokenLinks: number;
  readonly firstBroken?: BrokenLink;
}

/**
 * Recomputes each stream's hash chain from the stored events: every event must follow its stream's
 * previous revision, name the previous event's hash as prevHash (GENESIS_HASH for revision 0), and
 * hash to the stored hash. After a broken link the check carries on from the stored values, so one
 * altered event is reported once, not as a cascade through the rest of its stream.
 */
export class ChainVerifier {
  private readonly heads = new Map<string, { readonly revision: bigint; readonly hash: unknown }>();
  eventsChecked = 0;
  brokenLinks = 0;
  firstBroken: BrokenLink | undefined;

  check(event: RecordedEvent): void {
    this.eventsChecked++;
    const head = this.heads.get(event.streamId);
    const { prevHash, hash } = event.metadata;
    const reason: BreakReason | undefined =
      event.revision !== (head === undefined ? 0n : head.revision + 1n)
        ? 'REVISION_GAP'
        : prevHash !== (head === undefined ? GENESIS_HASH : head.hash)
          ? 'PREV_HASH_MISMATCH'
          : typeof prevHash !== 'string' || hash !== eventHash(prevHash, event)
            ? 'HASH_MISMATCH'
            : undefined;
    if (reason !== undefined) {
      this.brokenLinks++;
      this.firstBroken ??= {
        streamId: event.streamId,
        revision: event.revision.toString(),
        position: event.position.toString(),
        reason,
      };
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
  constructor(private readonly log: AuditLog) {}

  async verify(scope: { stream?: string; category?: string }): Promise<VerificationReport> {
    const scan = await this.log.open({
      after: START,
      ...(scope.stream === undefined ? {} : { stream: scope.stream }),
      ...(scope.category === undefined ? {} : { categories: [scope.category] }),
    });
    const verifier = new ChainVerifier();
    for await (const page of readAhead(scan.pages(VERIFY_PAGE))) {
      for (const event of page) verifier.check(event);
    }
    if (scope.stream !== undefined && verifier.eventsChecked === 0) {
      throw new ProblemException(404, 'STREAM_NOT_FOUND', `no stream ${scope.stream}`);
    }
    return {
      verified: verifier.brokenLinks === 0,
      scope:
        scope.stream !== undefined
          ? { stream: scope.stream }
          : scope.category !== undefined
            ? { category: scope.category }
            : { all: true },
      throughPosition: scan.through.toString(),
      streamsChecked: verifier.streamsChecked,
      eventsChecked: verifier.eventsChecked,
      brokenLinks: verifier.brokenLinks,
      ...(verifier.firstBroken === undefined ? {} : { firstBroken: verifier.firstBroken }),
    };
  }
}
