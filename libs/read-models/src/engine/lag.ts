import type { Pool } from 'pg';
import type { EventStore } from '#event-store';

export interface ProjectionLag {
  readonly name: string;
  /** Checkpoint and head as decimal strings: positions are opaque, so only their order means something. */
  readonly position: string;
  readonly head: string;
  readonly caughtUp: boolean;
  /**
   * How long the oldest event the projection has not applied has been waiting (0 when caught up).
   * The age of the oldest unapplied event, rather than of the last applied one, so a projection
   * that was idle for an hour and is one event behind reports milliseconds, not an hour.
   */
  readonly secondsBehind: number;
  /** When the projector last committed a batch (or a rebuild). */
  readonly updatedAt: Date;
}

/**
 * Lag of every projection from the checkpoints table, so any process (an API replica that does
 * not run the projector, the metrics endpoint) can report it.
 */
export const projectionLag = async (
  pool: Pool,
  store: EventStore,
  now: Date = new Date(),
): Promise<ProjectionLag[]> => {
  const [head, { rows }] = await Promise.all([
    store.headPosition(),
    pool.query<{ name: string; position: string; updated_at: Date }>(
      'SELECT name, position::text, updated_at FROM projection_checkpoints ORDER BY name',
    ),
  ]);
  return Promise.all(
    rows.map(async (row) => {
      const position = BigInt(row.position);
      const caughtUp = position >= head;
      let secondsBehind = 0;
      if (!caughtUp) {
        const [oldest] = await store.readAll({ from: position, maxCount: 1 });
        secondsBehind = oldest ? Math.max(0, (now.getTime() - oldest.createdAt.getTime()) / 1000) : 0;
      }
      return {
        name: row.name,
        position: row.position,
        head: head.toString(),
        caughtUp,
        secondsBehind,
        updatedAt: row.updated_at,
      };
    }),
  );
};
