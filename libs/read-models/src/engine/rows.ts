import type { ClientBase } from 'pg';

/** The maximum of two positions kept as decimal strings (numeric(40,0) is wider than a double). */
export const laterPosition = (a: string | undefined, b: string): string =>
  a === undefined || BigInt(b) > BigInt(a) ? b : a;

export interface RowWrite {
  readonly table: string;
  readonly key: readonly string[];
  /** Rows to insert or, where the key exists, update. */
  readonly rows: readonly Record<string, unknown>[];
  /** Keys (the `key` columns) of rows to delete; none of them the key of a row in `rows`. */
  readonly deletes?: readonly Record<string, unknown>[];
}

/** Data-modifying CTEs and their parameters, to be joined into one statement. */
export interface WriteCtes {
  readonly ctes: readonly string[];
  readonly params: readonly unknown[];
}

/**
 * Set-based writes: each table's rows travel as one jsonb parameter (jsonb_populate_recordset
 * converts arrays, numbers and nested objects by the table's own column types; keys are the
 * snake_case column names), one data-modifying CTE per table for the upserts and one for the
 * deletes. Parameters are numbered after
 * `firstParam - 1` others; with `onlyIf`, the name of another CTE, a table is written only when
 * that CTE returned a row. The tables must differ: the CTEs of one statement cannot see each
 * other's rows.
 */
export const upsertCtes = (writes: readonly RowWrite[], firstParam = 1, onlyIf?: string): WriteCtes => {
  const guard = onlyIf === undefined ? '' : `EXISTS (SELECT FROM ${onlyIf})`;
  const ctes: string[] = [];
  const params: string[] = [];
  const param = (rows: readonly Record<string, unknown>[]): string => {
    params.push(JSON.stringify(rows));
    return `$${firstParam + params.length - 1}::jsonb`;
  };
  for (const write of writes) {
    if (write.rows.length > 0) {
      const columns = Object.keys(write.rows[0]!);
      const updates = columns.filter((column) => !write.key.includes(column));
      const onConflict =
        updates.length === 0
          ? 'DO NOTHING'
          : `DO UPDATE SET ${updates.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}`;
      ctes.push(`w${ctes.length} AS (INSERT INTO ${write.table} (${columns.join(', ')})
        SELECT ${columns.join(', ')} FROM jsonb_populate_recordset(NULL::${write.table}, ${param(write.rows)})
        ${guard === '' ? '' : `WHERE ${guard}`}
        ON CONFLICT (${write.key.join(', ')}) ${onConflict})`);
    }
    if (write.deletes !== undefined && write.deletes.length > 0) {
      const matches = write.key.map((column) => `t.${column} = gone.${column}`);
      ctes.push(`w${ctes.length} AS (DELETE FROM ${write.table} t
        USING jsonb_populate_recordset(NULL::${write.table}, ${param(write.deletes)}) AS gone
        WHERE ${[...matches, ...(guard === '' ? [] : [guard])].join(' AND ')})`);
    }
  }
  return { ctes, params };
};

/** The writes in one statement: a batch's writes cost one round trip however many events it holds. */
export const upsertAll = async (client: ClientBase, writes: readonly RowWrite[]): Promise<void> => {
  const { ctes, params } = upsertCtes(writes);
  if (ctes.length === 0) return;
  await client.query(`WITH ${ctes.join(',\n')} SELECT 1`, params as unknown[]);
};
