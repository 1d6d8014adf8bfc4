import type { Pool } from 'pg';

/**
 * Every committed event in the PostgreSQL store's table, optionally of one type. The store's own reads
 * stop at its visibility horizon, which any transaction elsewhere on the shared server holds back, so
 * "nothing was appended" compared by head position can see a write acknowledged just before land
 * during the next request (or miss one). Counting the table sees each commit at once.
 */
export const storedEvents = async (pool: Pool, type?: string): Promise<number> =>
  (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM es_events${type === undefined ? '' : ' WHERE type = $1'}`,
      type === undefined ? [] : [type],
    )
  ).rows[0]!.n;
