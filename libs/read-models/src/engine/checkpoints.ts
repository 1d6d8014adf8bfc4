import type { ClientBase, Pool } from 'pg';
import { START, migrate, type Migration, type Position } from '#event-store';

/** Where a runner NOTIFYs after each commit (`<projection> <position>`), for X-Min-Position waiters. */
export const CHECKPOINT_CHANNEL = 'projection_checkpoints';

// Positions are (transaction id << 64 | seq) in PostgreSQL, beyond int8: numeric(40,0) holds any of them.
const CHECKPOINT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'projection checkpoints',
    sql: `
      CREATE TABLE projection_checkpoints (
        name text PRIMARY KEY,
        position numeric(40,0) NOT NULL,
        version integer NOT NULL,
        last_event_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
];

export const migrateCheckpoints = (pool: Pool): Promise<void> =>
  migrate(pool, 'projection-checkpoints', CHECKPOINT_MIGRATIONS);

export interface Checkpoint {
  readonly position: Position;
  readonly version: number;
}

/**
 * The projection's checkpoint, created at START under `version` when it has none yet. A plain read
 * first: it never waits for a batch in flight, so a successor reads the committed position at once.
 */
export const ensureCheckpoint = async (
  client: ClientBase | Pool,
  name: string,
  version: number,
): Promise<Checkpoint> => {
  const select = () =>
    client.query<{ position: string; version: number }>(
      'SELECT position::text, version FROM projection_checkpoints WHERE name = $1',
      [name],
    );
  let { rows } = await select();
  if (rows.length === 0) {
    await client.query(
      `INSERT INTO projection_checkpoints (name, position, version) VALUES ($1, 0, $2) ON CONFLICT (name) DO NOTHING`,
      [name, version],
    );
    ({ rows } = await select());
  }
  return { position: BigInt(rows[0]!.position), version: rows[0]!.version };
};

export const readCheckpoint = async (client: ClientBase | Pool, name: string): Promise<Position> => {
  const { rows } = await client.query<{ position: string }>(
    'SELECT position::text FROM projection_checkpoints WHERE name = $1',
    [name],
  );
  return rows[0] ? BigInt(rows[0].position) : START;
};

export const notifyCheckpoint = (client: ClientBase, name: string, position: Position): Promise<unknown> =>
  client.query('SELECT pg_notify($1, $2)', [CHECKPOINT_CHANNEL, `${name} ${position.toString()}`]);
