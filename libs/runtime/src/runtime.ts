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
import { flushTracing, traceEventStore } from './tracing';

/** The process's connections: one PostgreSQL pool (read models, and events unless EventStoreDB) and the event store. */
export interface Runtime {
  readonly config: Config;
  readonly pool: Pool;
  readonly eventStore: EventStore;
  readonly jwtSecret: string | undefined;
  /** The supervised embedded PostgreSQL, in embedded mode. */
  readonly embeddedPostgres: RunningEmbeddedPostgres | undefined;
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

/**
 * `log` receives chatty lines (the embedded server's output, lost connections); `warn` receives what
 * an operator must see: the embedded server died, is restarted, or was given up.
 */
export const openRuntime = async (
  config: Config,
  log: (line: string) => void = () => undefined,
  warn: (line: string) => void = (line) => console.error(`${new Date().toISOString()} ${line}`),
): Promise<Runtime> => {
  let embedded: RunningEmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (config.mode === 'embedded') {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
      onLog: log,
      onEvent: warn,
    });
    databaseUrl = embedded.url;
  }
  const pool = openPool(databaseUrl!, config, log);
  try {
    const eventStore = withUpcasting(await openEventStore(config, pool));
    const jwtSecret =
      config.jwtSecret ??
      (config.jwtPublicKey === undefined && config.jwtJwksUrl === undefined
        ? await developmentSecret(config.dataDir)
        : undefined);
    return {
      config,
      pool,
      eventStore,
      jwtSecret,
      embeddedPostgres: embedded,
      close: async () => {
        await eventStore.close();
        await pool.end();
        await embedded?.stop();
        await flushTracing();
      },
    };
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw error;
  }
};

/**
 * A pool that survives losing its database: a bounded wait for a connection (the caller answers 503
 * instead of hanging), keepalive so dead peers are noticed, and an 'error' listener on every client
 * for its whole life. pg-pool listens only while a client is idle; a connection that fails while a
 * client is checked out would otherwise emit an unhandled 'error' and end the process. The query in
 * flight still rejects, so its caller sees the failure.
 */
export const openPool = (connectionString: string, config: Config, log: (line: string) => void): Pool => {
  const pool = new Pool({
    connectionString,
    max: config.databasePoolSize,
    connectionTimeoutMillis: config.databaseConnectTimeoutMs,
    keepAlive: true,
  });
  // Idle clients also report through their own listener below; this one only keeps the pool's re-emit handled.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', (error) => log(`PostgreSQL pool: connection lost (${error.message})`));
  });
  return pool;
};

/**
 * The store as the application reads it: every read returns events upcast to their current schema
 * version (the domain's UPCASTERS); the audit reaches the stored form through storedFormOf.
 */
export const withUpcasting = (store: EventStore): UpcastingEventStore =>
  new UpcastingEventStore(store, new UpcasterRegistry(UPCASTERS));

const openEventStore = async (config: Config, pool: Pool): Promise<EventStore> => {
  if (config.eventStoreConnectionString !== undefined) {
    return traceEventStore(
      EventStoreDbEventStore.fromConnectionString(config.eventStoreConnectionString, {
        maxAppendSize: config.eventStoreMaxAppendBytes,
      }),
      'eventstoredb',
    );
  }
  return traceEventStore(await PostgresEventStore.create(pool), 'postgresql');
};
