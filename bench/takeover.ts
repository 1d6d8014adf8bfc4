/**
 * Projection takeover: how long after SIGKILL of the projector holding the projections' advisory
 * locks a standby projector holds them all and has projected an event appended right after the kill.
 *
 * Runs two projector processes (dist/apps/projector) on a fresh database, writes a light load
 * (WRITE_RATE advertiser registrations/s, default 50) so that kills land mid-batch too, then KILLS
 * times (default 10): waits a random 1-2 s, SIGKILLs the holder, appends a probe event, measures
 * (a) until the standby holds every lock and (b) until every projection's checkpoint has passed the
 * probe, and starts a fresh standby in place of the killed one.
 *
 * Env: DATABASE_URL (server; a database is created on it and dropped at the end), KILLS, WRITE_RATE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { PostgresEventStore } from '#event-store';
import { CASCADE_REACTOR, READ_MODELS } from '#read-models';
import { HistoryWriter, events } from './support/domain-history';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const KILLS = Number(process.env.KILLS ?? 10);
const WRITE_RATE = Number(process.env.WRITE_RATE ?? 50);
const NAMES = [...READ_MODELS.map((projection) => projection.name), CASCADE_REACTOR];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const since = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

const withDatabase = (url: string, database: string, applicationName?: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (applicationName) parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
};

const admin = async (sql: string): Promise<void> => {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};

const until = async (what: string, condition: () => Promise<boolean>, limitMs = 60_000): Promise<void> => {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(5);
  }
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const main = async (): Promise<void> => {
  const database = `takeover_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${database}`);
  const pool = new Pool({ connectionString: withDatabase(SERVER_URL, database), max: 4 });
  pool.on('error', () => undefined);
  const projectors = new Map<string, ChildProcess>();
  const startProjector = (name: string): void => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'apps', 'projector', 'src', 'main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: withDatabase(SERVER_URL, database, name),
        JWT_SECRET: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    projectors.set(name, child);
  };
  const holders = async (): Promise<Map<string, number>> => {
    const { rows } = await pool.query<{ application_name: string; locks: string }>(
      `SELECT a.application_name, count(*) AS locks FROM pg_locks l JOIN pg_stat_activity a USING (pid)
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND a.datname = current_database()
         AND NOT (l.classid = 0 AND l.objid = 72630001) -- the migrations' transaction lock
       GROUP BY 1`,
    );
    return new Map(rows.map((row) => [row.application_name, Number(row.locks)]));
  };
  const holderOfAll = async (): Promise<string | undefined> =>
    [...(await holders())].find(([, locks]) => locks === NAMES.length)?.[0];
  const connected = async (name: string): Promise<boolean> => {
    const { rows } = await pool.query(
      'SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [name],
    );
    return rows.length > 0;
  };
  const checkpointsPast = async (position: bigint): Promise<boolean> => {
    const { rows } = await pool.query<{ behind: string }>(
      'SELECT count(*) AS behind FROM projection_checkpoints WHERE name = ANY($1) AND position < $2::numeric',
      [NAMES, position.toString()],
    );
    const { rows: all } = await pool.query('SELECT 1 FROM projection_checkpoints WHERE name = ANY($1)', [NAMES]);
    return all.length === NAMES.length && rows[0]!.behind === '0';
  };

  let writing = true;
  let writeFailure: unknown;
  const results: { lockMs: number; projectedMs: number }[] = [];
  try {
    const store = await PostgresEventStore.create(pool);
    const writer = new HistoryWriter(store);
    const load = (async () => {
      while (writing) {
        await writer.append([events.advertiserRegistered(randomUUID())]).catch((error: unknown) => {
          writeFailure ??= error;
        });
        await sleep(1_000 / WRITE_RATE);
      }
    })();
    let generation = 0;
    startProjector(`takeover-${generation++}`);
    startProjector(`takeover-${generation++}`);
    await until('a holder of every lock', async () => (await holderOfAll()) !== undefined);
    for (let kill = 1; kill <= KILLS; kill++) {
      const holder = (await holderOfAll())!;
      const standby = [...projectors.keys()].find((name) => name !== holder)!;
      await until(`standby ${standby} to connect`, () => connected(standby));
      await sleep(1_000 + Math.random() * 1_000);
      const killed = projectors.get(holder)!;
      const exited = new Promise((resolve) => killed.once('exit', resolve));
      const start = process.hrtime.bigint();
      killed.kill('SIGKILL');
      const probe = await writer.append([events.advertiserRegistered(randomUUID())]);
      await until('the standby to hold every lock', async () => (await holders()).get(standby) === NAMES.length);
      const lockMs = since(start);
      await until('the probe to be projected', () => checkpointsPast(probe));
      const projectedMs = since(start);
      results.push({ lockMs, projectedMs });
      console.log(
        `kill ${String(kill).padStart(2)}: locks taken over after ${lockMs.toFixed(0).padStart(5)} ms, ` +
          `probe projected after ${projectedMs.toFixed(0).padStart(5)} ms`,
      );
      await exited;
      projectors.delete(holder);
      startProjector(`takeover-${generation++}`);
    }
    writing = false;
    await load;
    if (writeFailure) throw writeFailure;
    const summary = (label: string, values: number[]): string =>
      `${label}: min ${Math.min(...values).toFixed(0)} ms, median ${median(values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;
    console.log(
      summary(
        'locks taken over',
        results.map((result) => result.lockMs),
      ),
    );
    console.log(
      summary(
        'probe projected  ',
        results.map((result) => result.projectedMs),
      ),
    );
  } finally {
    writing = false;
    for (const child of projectors.values()) child.kill('SIGKILL');
    await pool.end();
    await sleep(200);
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
