import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { START, connectGuarded, migrate, streamAllOf, type EventStore, type Position } from '#event-store';
import { migrateCheckpoints, notifyCheckpoint } from './checkpoints';
import { appliedPrefix, type Projection } from './projection';
import { upsertAll } from './rows';

export interface RebuildProgress {
  readonly events: number;
  readonly position: Position;
  readonly elapsedSeconds: number;
  readonly eventsPerSecond: number;
}

export interface RebuildOptions {
  readonly pool: Pool;
  readonly store: EventStore;
  readonly projections: readonly Projection[];
  /** Events per read and per transaction (default 20,000): larger than a live batch because nobody waits on it. */
  readonly batchSize?: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
  readonly progressEveryMs?: number;
}

/** Tables filled from the log in a schema of their own, not yet visible to readers. */
export interface ShadowBuild {
  readonly schema: string;
  readonly liveSchema: string;
  readonly position: Position;
  readonly lastEventAt: Date | null;
  readonly events: number;
  readonly seconds: number;
}

export const migrateProjections = async (pool: Pool, projections: readonly Projection[]): Promise<void> => {
  await migrateCheckpoints(pool);
  for (const projection of projections) await migrate(pool, projection.component, projection.migrations);
};

const quoted = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/**
 * Replays the whole log into copies of the projections' tables (same columns, constraints and
 * indexes, in a fresh schema) while the live tables keep serving and the live runner keeps
 * applying. The next page is read while the current one is applied, and each projection applies
 * it on a connection of its own, so reading and the projections' writes overlap.
 */
export const buildShadow = async (options: RebuildOptions): Promise<ShadowBuild> => {
  const { pool, store, projections } = options;
  const batchSize = options.batchSize ?? 20_000;
  await migrateProjections(pool, projections);
  const schema = `rebuild_${randomBytes(6).toString('hex')}`;
  const clients: PoolClient[] = [];
  try {
    for (const _ of projections) clients.push(await connectGuarded(pool));
    const { rows } = await clients[0]!.query<{ schema: string }>('SELECT current_schema() AS schema');
    const liveSchema = rows[0]!.schema;
    await clients[0]!.query(`CREATE SCHEMA ${schema}`);
    for (const table of projections.flatMap((projection) => projection.tables)) {
      await clients[0]!.query(
        `CREATE TABLE ${schema}.${table.name} (LIKE ${quoted(liveSchema)}.${table.name} INCLUDING ALL)`,
      );
    }
    // The projections write unqualified names: these now find the shadow tables first.
    for (const client of clients) await client.query(`SET search_path TO ${schema}, ${quoted(liveSchema)}`);

    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    const progressEveryMs = options.progressEveryMs ?? 1_000;
    let lastReport = 0;
    let events = 0;
    let position = START;
    let lastEventAt: Date | null = null;
    const appliers = projections.map((projection) => projection.applier({ rebuild: true }));
    // The log up to its head as the read begins; the live runner applies whatever comes after.
    const log = streamAllOf(store, { batchSize })[Symbol.asyncIterator]();
    let next = log.next();
    // A failure below leaves the read ahead unawaited; it must not surface as an unhandled rejection.
    next.catch(() => undefined);
    for (;;) {
      const { value: page, done } = await next;
      if (done) break;
      next = log.next();
      next.catch(() => undefined);
      const last = page[page.length - 1]!;
      const applied = await Promise.allSettled(
        appliers.map((apply, index) =>
          inTransaction(clients[index]!, async () => {
            for (let rest = page; rest.length > 0;) {
              const { writes, through } = appliedPrefix(await apply(clients[index]!, rest), rest.length);
              await upsertAll(clients[index]!, writes);
              rest = rest.slice(through);
            }
          }),
        ),
      );
      const failed = applied.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      events += page.length;
      position = last.position;
      lastEventAt = last.createdAt;
      const seconds = elapsed();
      if (options.onProgress && seconds * 1000 - lastReport >= progressEveryMs) {
        lastReport = seconds * 1000;
        options.onProgress({ events, position, elapsedSeconds: seconds, eventsPerSecond: events / seconds });
      }
    }
    return { schema, liveSchema, position, lastEventAt, events, seconds: elapsed() };
  } catch (error) {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    throw error;
  } finally {
    // The search_path was changed for these sessions only: never hand them back to the pool.
    for (const client of clients) client.release(true);
  }
};

const inTransaction = async (client: PoolClient, work: () => Promise<void>): Promise<void> => {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
};

/**
 * Puts the shadow tables in place of the live ones and moves the checkpoints to the shadow's
 * position, in one transaction. Locking the checkpoint rows first waits for a live runner's batch
 * in flight; its next batch then finds the checkpoint moved (the fence) and resumes from the
 * shadow's position. Readers wait only for the renames.
 */
export const swapShadow = async (pool: Pool, build: ShadowBuild, projections: readonly Projection[]): Promise<void> => {
  const live = quoted(build.liveSchema);
  const retired = `retired_${randomBytes(6).toString('hex')}`;
  const client = await connectGuarded(pool);
  try {
    await client.query('BEGIN');
    for (const projection of projections) {
      await client.query(
        `INSERT INTO ${live}.projection_checkpoints (name, position, version) VALUES ($1, 0, $2)
         ON CONFLICT (name) DO NOTHING`,
        [projection.name, projection.version],
      );
    }
    await client.query(
      `SELECT name FROM ${live}.projection_checkpoints WHERE name = ANY($1) ORDER BY name FOR UPDATE`,
      [projections.map((projection) => projection.name)],
    );
    await client.query(`CREATE SCHEMA ${retired}`);
    for (const table of projections.flatMap((projection) => projection.tables)) {
      await client.query(`ALTER TABLE ${live}.${table.name} SET SCHEMA ${retired}`);
      await client.query(`ALTER TABLE ${build.schema}.${table.name} SET SCHEMA ${live}`);
    }
    for (const projection of projections) {
      await client.query(
        `UPDATE ${live}.projection_checkpoints
         SET position = $2::numeric, version = $3, last_event_at = $4, updated_at = now() WHERE name = $1`,
        [projection.name, build.position.toString(), projection.version, build.lastEventAt],
      );
      await notifyCheckpoint(client, projection.name, build.position);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  await dropSchemas(pool, [retired, build.schema]);
};

export const dropShadow = (pool: Pool, build: ShadowBuild): Promise<void> => dropSchemas(pool, [build.schema]);

const dropSchemas = async (pool: Pool, schemas: readonly string[]): Promise<void> => {
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
};

/** Rebuilds the projections from the whole log without taking them away from readers. */
export const rebuild = async (options: RebuildOptions): Promise<ShadowBuild> => {
  const build = await buildShadow(options);
  await swapShadow(options.pool, build, options.projections);
  return build;
};

/**
 * An order-independent fingerprint of a table's content (row count and md5 over its rows in key
 * order), to compare a read model with a clean rebuild.
 */
export const tableChecksum = async (
  client: Pool | PoolClient,
  schema: string,
  table: { readonly name: string; readonly key: readonly string[] },
): Promise<{ rows: number; md5: string }> => {
  const { rows } = await client.query<{ rows: string; md5: string }>(
    `SELECT count(*)::text AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY ${table.key
      .map((column) => `t.${column}`)
      .join(', ')}), '')) AS md5
     FROM ${quoted(schema)}.${table.name} AS t`,
  );
  return { rows: Number(rows[0]!.rows), md5: rows[0]!.md5 };
};
