/**
 * Crash test of the projector (issue 5): the real projector process (dist/apps/projector) runs
 * over a log of at least CRASH_EVENTS events and is killed with SIGKILL at random points,
 * CRASH_KILLS times; then it runs to the end and stops with SIGTERM. Passes when
 *   - every read-model table equals a clean rebuild from the same log (row counts and checksums),
 *   - the cascade reactor issued each compensating command exactly once (one event per reaction,
 *     none twice for the same cause and target), although it was killed mid-reaction too,
 *   - the graceful stop exits 0.
 * Takes 30 s on a quiet 2-CPU machine and up to 2 minutes on a busy one, spawning processes from
 * dist/, so it is `npm run test:crash` (and a CI step), not part of `npm test`.
 *
 * Env: DATABASE_URL (server; a fresh database is created and dropped), CRASH_EVENTS (default
 * 60,000), CRASH_KILLS (default 10), CRASH_SEED.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { PostgresEventStore } from '#event-store';
import { withUpcasting } from '#runtime';
import {
  BATCH_GRAINED_TABLES,
  CASCADE_REACTOR,
  READ_MODELS,
  buildShadow,
  dropShadow,
  tableChecksum,
} from '#read-models';
import { generateHistory, randomSource } from '../bench/support/domain-history';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const EVENTS = Number(process.env.CRASH_EVENTS ?? 60_000);
const KILLS = Number(process.env.CRASH_KILLS ?? 10);
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
const PROJECTOR = join(__dirname, '..', 'apps', 'projector', 'src', 'main.js');
const NAMES = [...READ_MODELS.map((projection) => projection.name), CASCADE_REACTOR];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

const adminQuery = async (sql: string): Promise<void> => {
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
};

interface Projector {
  readonly child: ChildProcess;
  /** Resolves once a runner reports that it is applying events. */
  readonly running: Promise<void>;
  /** The exit code, or the signal that ended the process. */
  readonly exited: Promise<number | string | null>;
}

const startProjector = (url: string): Projector => {
  const child = spawn(process.execPath, [PROJECTOR], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'info',
      RUN_PROJECTOR: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const running = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('running after position')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`projector exited (${String(code)}) before running:\n${output}`)));
  });
  running.catch(() => undefined);
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  return { child, running, exited };
};

const checkpoints = async (pool: Pool): Promise<Map<string, bigint>> => {
  const { rows } = await pool.query<{ name: string; position: string }>(
    'SELECT name, position::text FROM projection_checkpoints',
  );
  return new Map(rows.map((row) => [row.name, BigInt(row.position)]));
};

/** How many events of the log lie at or before a position (PostgreSQL adapter: position = xid << 64 | seq). */
const eventsUpTo = async (pool: Pool, position: bigint): Promise<number> => {
  const { rows } = await pool.query<{ count: string }>(
    `SELECT count(*)::text AS count FROM es_events
     WHERE (transaction_id::text::numeric * 18446744073709551616 + seq) <= $1::numeric`,
    [position.toString()],
  );
  return Number(rows[0]!.count);
};

const main = async (): Promise<void> => {
  const started = Date.now();
  const random = randomSource(SEED);
  const database = `crash_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${database}`);
  const url = withDatabase(SERVER_URL, database);
  const pool = new Pool({ connectionString: url, max: 8 });
  pool.on('error', () => undefined);
  const store = withUpcasting(await PostgresEventStore.create(pool));
  const failures: string[] = [];
  try {
    console.log(`projector crash test: seed ${SEED}, database ${database}`);
    const written = await generateHistory(store, { events: EVENTS, writers: 8, seed: SEED });
    console.log(`log: ${written.toLocaleString('en')} events written through the event store port`);

    for (let kill = 1; kill <= KILLS; kill++) {
      const projector = startProjector(url);
      await projector.running;
      const delay = Math.round(50 + random() * 650);
      await sleep(delay);
      projector.child.kill('SIGKILL');
      await projector.exited;
      const reached = await checkpoints(pool);
      const head = await store.headPosition();
      const progress = await Promise.all(
        NAMES.map(async (name) => `${name} ${(await eventsUpTo(pool, reached.get(name) ?? 0n)).toLocaleString('en')}`),
      );
      const total = await eventsUpTo(pool, head);
      const midRun = NAMES.some((name) => (reached.get(name) ?? 0n) < head);
      console.log(
        `kill ${kill}: SIGKILL ${delay} ms after start; applied ${progress.join(', ')} of ${total.toLocaleString('en')}` +
          (midRun ? '' : ' (had already caught up)'),
      );
    }

    const last = startProjector(url);
    await last.running;
    let previousHead = -1n;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const head = await store.headPosition();
      const reached = await checkpoints(pool);
      const caughtUp = NAMES.every((name) => (reached.get(name) ?? 0n) >= head);
      // The reactor's own commands extend the log; done when nothing moves any more.
      if (caughtUp && head === previousHead) break;
      if (Date.now() > deadline) throw new Error('the projector did not catch up within 5 minutes');
      previousHead = caughtUp ? head : -1n;
      await sleep(500);
    }
    last.child.kill('SIGTERM');
    const ended = await last.exited;
    // Nest re-raises the signal once its shutdown hooks have finished, as the API does.
    console.log(`final run caught up; after SIGTERM the projector ended with ${String(ended)}`);
    if (ended !== 'SIGTERM' && ended !== 0) failures.push(`graceful stop ended with ${String(ended)}`);

    const shadow = await buildShadow({ pool, store, projections: READ_MODELS });
    try {
      for (const table of READ_MODELS.flatMap((projection) => projection.tables)) {
        if (BATCH_GRAINED_TABLES.has(table.name)) continue;
        const [live, clean] = await Promise.all([
          tableChecksum(pool, shadow.liveSchema, table),
          tableChecksum(pool, shadow.schema, table),
        ]);
        const same = live.rows === clean.rows && live.md5 === clean.md5;
        console.log(
          `${same ? 'equal  ' : 'DIFFERS'} ${table.name}: ${live.rows.toLocaleString('en')} rows, md5 ${live.md5}` +
            (same ? '' : ` (clean rebuild: ${clean.rows} rows, md5 ${clean.md5})`),
        );
        if (!same) failures.push(`${table.name} differs from a clean rebuild`);
      }
    } finally {
      await dropShadow(pool, shadow);
    }

    const { rows: reactions } = await pool.query<{ reactions: string; done: string; events: string; twice: string }>(
      `SELECT
         (SELECT count(*) FROM cascade_reactions)::text AS reactions,
         (SELECT count(*) FROM cascade_reactions WHERE outcome = 'done')::text AS done,
         (SELECT count(*) FROM es_events WHERE metadata->'actor'->>'userId' = 'system:reactor')::text AS events,
         (SELECT count(*) FROM (
            SELECT 1 FROM es_events WHERE metadata->'actor'->>'userId' = 'system:reactor'
            GROUP BY metadata->>'causationId', stream_id, type, data->>'platform' HAVING count(*) > 1
          ) twice)::text AS twice`,
    );
    const { reactions: decided, done, events, twice } = reactions[0]!;
    const { rows: outcomes } = await pool.query<{ outcome: string; code: string | null; count: string }>(
      `SELECT outcome, code, count(*)::text AS count FROM cascade_reactions GROUP BY outcome, code ORDER BY outcome, code`,
    );
    console.log(
      `cascade outcomes: ${outcomes.map((row) => `${row.outcome}${row.code ? ` ${row.code}` : ''} ${row.count}`).join(', ')}`,
    );
    console.log(
      `cascade: ${decided} reactions decided, ${done} commands recorded, ${events} reactor events in the log, ${twice} issued twice`,
    );
    if (Number(decided) === 0) failures.push('the history triggered no cascade reactions: nothing was tested');
    if (Number(done) !== Number(events)) failures.push(`${done} reactions recorded but ${events} reactor events`);
    if (Number(twice) !== 0) failures.push(`${twice} reactions were issued more than once`);
  } finally {
    await store.close();
    await pool.end();
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (failures.length > 0) {
    console.error(`FAILED after ${seconds} s:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.log(`PASSED in ${seconds} s: ${KILLS} SIGKILLs, read models equal a clean rebuild, each reaction once`);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
