import type { Position } from '../event-store';

const SEQ_BITS = 64n;
const SEQ_MASK = (1n << SEQ_BITS) - 1n;

export const toPosition = (transactionId: string | bigint, seq: string | bigint): Position =>
  (BigInt(transactionId) << SEQ_BITS) | BigInt(seq);

export const fromPosition = (position: Position): { transactionId: string; seq: string } => ({
  transactionId: (position >> SEQ_BITS).toString(),
  seq: (position & SEQ_MASK).toString(),
});
