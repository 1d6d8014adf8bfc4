import type { Pool } from 'pg';
import { connectGuarded } from './errors';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// One key for every component: migrations are rare, and one lock cannot deadlock with another.
const MIGRATION_LOCK = 72_630_001;

/**
 * Applies the component's missing migrations in version order, all in one transaction under an
 * advisory lock, so it is safe to run at every start-up and from several processes at once.
 */
export const migrate = async (pool: Pool, component: string, migrations: readonly Migration[]): Promise<void> => {
  const client = await connectGuarded(pool);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version))`);
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations WHERE component = $1',
      [component],
    );
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)', [
        component,
        migration.version,
        migration.name,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};
