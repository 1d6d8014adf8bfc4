import type { ClientBase } from 'pg';

/** The maximum of two positions kept as decimal strings (numeric(40,0) is wider than a double). */
export const laterPosition = (a: string | undefined, b: string): string =>
  a === undefined || BigInt(b) > BigInt(a) ? b : a;

export interface RowWrite {
  readonly table: string;
  readonly key: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

/**
 * Set-based writes: each table's rows travel as one jsonb parameter (jsonb_populate_recordset
 * converts arrays, numbers and nested objects by the table's own column types; keys are the
 * snake_case column names), and all tables' upserts go as one statement, one data-modifying CTE
 * each. A batch's writes thus cost one round trip however many events it holds, and every round
 * trip after the first write is time the event store's read horizon waits for the transaction.
 * The tables must differ: the CTEs of one statement cannot see each other's rows.
 */
export const upsertAll = async (client: ClientBase, writes: readonly RowWrite[]): Promise<void> => {
  const present = writes.filter((write) => write.rows.length > 0);
  if (present.length === 0) return;
  const ctes = present.map((write, index) => {
    const columns = Object.keys(write.rows[0]!);
    const updates = columns.filter((column) => !write.key.includes(column));
    const onConflict =
      updates.length === 0
        ? 'DO NOTHING'
        : `DO UPDATE SET ${updates.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}`;
    return `w${index} AS (INSERT INTO ${write.table} (${columns.join(', ')})
      SELECT ${columns.join(', ')} FROM jsonb_populate_recordset(NULL::${write.table}, $${index + 1}::jsonb)
      ON CONFLICT (${write.key.join(', ')}) ${onConflict})`;
  });
  await client.query(
    `WITH ${ctes.join(',\n')} SELECT 1`,
    present.map((write) => JSON.stringify(write.rows)),
  );
};
