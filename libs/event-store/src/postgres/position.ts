import type { Position } from '../event-store';

const SEQ_BITS = 64n;
const SEQ_MASK = (1n << SEQ_BITS) - 1n;

export const toPosition = (transactionId: string | bigint, seq: string | bigint): Position =>
  (BigInt(transactionId) << SEQ_BITS) | BigInt(seq);

/** es_events.seq is a signed bigint; a transaction's events never number anywhere near it. */
const MAX_SEQ = (1n << 63n) - 1n;

/**
 * The (transaction id, sequence) a position compares as. A sequence beyond what the column holds
 * (a position no event has, from a caller) compares as the largest one: no event lies between.
 */
export const fromPosition = (position: Position): { transactionId: string; seq: string } => {
  const seq = position & SEQ_MASK;
  return {
    transactionId: (position >> SEQ_BITS).toString(),
    seq: (seq > MAX_SEQ ? MAX_SEQ : seq).toString(),
  };
};
