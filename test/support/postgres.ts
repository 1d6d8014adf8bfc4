import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Client, Pool } from 'pg';
import { closes, starts } from './resources';

/**
 * The PostgreSQL server tests use: global-setup.ts keeps TEST_DATABASE_URL when a server answers
 * there (default 127.0.0.1:5432), and otherwise points it at the embedded PostgreSQL it started.
 */
export const serverUrl = (): string => process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly url: string;
  readonly pool: Pool;
  drop(): Promise<void>;
}

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/**
 * A fresh, empty database on the server at `url`, so tests never see each other's rows. Its name
 * carries the run's id, so global-teardown.ts can drop it if its suite could not.
 */
export const createTestDatabase = (url: string = serverUrl(), poolSize = 30): Promise<TestDatabase> =>
  starts(openTestDatabase(url, poolSize));

const openTestDatabase = async (url: string, poolSize: number): Promise<TestDatabase> => {
  const name = `test_${process.env.TEST_RUN_ID ?? 'adhoc'}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = withDatabase(url, name);
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
  // pg's pool.end() resolves before its sockets finish closing; DROP DATABASE ... WITH (FORCE) then
  // makes them report 'administrator command' errors, which are expected at teardown.
  pool.on('error', () => undefined);
  return {
    url: databaseUrl,
    pool,
    drop: closes(async () => {
      if (!pool.ended) await pool.end();
      const dropper = new Client({ connectionString: url });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    }),
  };
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
