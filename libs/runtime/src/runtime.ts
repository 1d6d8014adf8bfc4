import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool } from 'pg';
import { UPCASTERS } from '#domain';
import {
  EventStoreDbEventStore,
  PostgresEventStore,
  UpcasterRegistry,
  UpcastingEventStore,
  type EventStore,
} from '#event-store';
import type { Config } from './config';
import { startEmbeddedPostgres, type RunningEmbeddedPostgres } from './embedded-postgres';

/** The process's connections: one PostgreSQL pool (read models, and events unless EventStoreDB) and the event store. */
export interface Runtime {
  readonly config: Config;
  readonly pool: Pool;
  readonly eventStore: EventStore;
  readonly jwtSecret: string | undefined;
  /** Closes the event store, then the pool, then the embedded PostgreSQL if this process started one. */
  close(): Promise<void>;
}

/** The embedded-mode signing secret, generated once under the data directory. */
export const developmentSecret = async (dataDir: string): Promise<string> => {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
};

export const openRuntime = async (config: Config, log: (line: string) => void = () => undefined): Promise<Runtime> => {
  let embedded: RunningEmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (config.mode === 'embedded') {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, onLog: log });
    databaseUrl = embedded.url;
  }
  const pool = new Pool({ connectionString: databaseUrl, max: config.databasePoolSize });
  // An idle client that loses its connection emits 'error'; the pool replaces it, so only log it.
  pool.on('error', (error) => log(`PostgreSQL pool: ${error.message}`));
  try {
    const eventStore = withUpcasting(await openEventStore(config, pool));
    const jwtSecret =
      config.jwtSecret ?? (config.jwtPublicKey === undefined ? await developmentSecret(config.dataDir) : undefined);
    return {
      config,
      pool,
      eventStore,
      jwtSecret,
      close: async () => {
        await eventStore.close();
        await pool.end();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw error;
  }
};

/**
 * The store as the application reads it: every read returns events upcast to their current schema
 * version (the domain's UPCASTERS); the audit reaches the stored form through storedFormOf.
 */
export const withUpcasting = (store: EventStore): UpcastingEventStore =>
  new UpcastingEventStore(store, new UpcasterRegistry(UPCASTERS));

const openEventStore = async (config: Config, pool: Pool): Promise<EventStore> => {
  if (config.eventStoreConnectionString !== undefined) {
    return EventStoreDbEventStore.fromConnectionString(config.eventStoreConnectionString);
  }
  return PostgresEventStore.create(pool);
};
