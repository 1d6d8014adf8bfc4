import type { Position as LogPosition } from '@eventstore/db-client';
import type { Position } from '../event-store';

const HALF = 64n;
const HALF_MASK = (1n << HALF) - 1n;

/**
 * EventStoreDB addresses an event in $all by a pair (commit, prepare), each an unsigned 64-bit
 * offset into the transaction log, ordered by commit and then prepare. Packing the pair as
 * commit << 64 | prepare keeps that order in one bigint, which is what the port calls a position.
 */
export const encodePosition = ({ commit, prepare }: LogPosition): Position => {
  if (commit < 0n || commit > HALF_MASK || prepare < 0n || prepare > HALF_MASK) {
    throw new RangeError(`EventStoreDB position out of range: commit ${commit}, prepare ${prepare}`);
  }
  return (commit << HALF) | prepare;
};

export const decodePosition = (position: Position): LogPosition => {
  if (position < 0n || position >> (2n * HALF) !== 0n) {
    throw new RangeError(`not an EventStoreDB position: ${position}`);
  }
  return { commit: position >> HALF, prepare: position & HALF_MASK };
};
