/**
 * Read-model projection speed, beside the write ceiling of the same database in the same run:
 *
 * 1. Generates a realistic log (client stories: registrations, approvals, contracts, links,
 *    campaigns, spend, revocations; interleaved as concurrent users would) through the event store
 *    port, at least BENCH_EVENTS events (default 1,000,000).
 * 2. Measures the ceiling: COPY and 1,000-row multi-row INSERT of rows shaped like read-model rows,
 *    and reading the whole log through the port without projecting it.
 * 3. Rebuilds ka_clients and link_permissions from the whole log (shadow tables, then the swap) and
 *    reports events/s.
 * 4. Starts the projector process (dist/apps/projector: both read models and the cascade
 *    reactor) and writes LAG_RATE commands/s (default 500) for LAG_SECONDS (default 20) from this
 *    process (after a 2 s warm-up), and reports command-to-visible lag: from the start of the append until the
 *    projection's NOTIFY says its checkpoint has passed the event's position. Wake-ups travel
 *    between the processes by NOTIFY, as between the API and the projector.
 *
 * Env: DATABASE_URL (server; a fresh database is created on it and dropped at the end),
 * BENCH_EVENTS, LAG_RATE, LAG_SECONDS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Client, Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PostgresEventStore, START, type EventStore } from '#event-store';
import { withUpcasting } from '#runtime';
import { CASCADE_REACTOR, CHECKPOINT_CHANNEL, READ_MODELS, rebuild } from '#read-models';
import { HistoryWriter, clientStory, generateHistory, randomSource, type PlannedEvent } from './support/domain-history';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const numberFromEnv = (name: string, fallback: number, min: number, max: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(raw)}`);
  }
  return value;
};

const EVENTS = numberFromEnv('BENCH_EVENTS', 1_000_000, 1_000, 50_000_000);
const LAG_RATE = numberFromEnv('LAG_RATE', 500, 1, 10_000);
const LAG_SECONDS = numberFromEnv('LAG_SECONDS', 20, 1, 3_600);
const LAG_WARMUP_SECONDS = 2;
const CEILING_ROWS = 200_000;

const whole = (value: number): string => Math.round(value).toLocaleString('en-US');
const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

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

const openPool = (url: string, max: number): Pool => {
  const pool = new Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined);
  return pool;
};

/** A read-model-like row: a key, a few columns and a jsonb document of a typical client's size. */
const ceilingRow = (index: number): { id: string; payload: string } => ({
  id: `row-${index}`,
  payload: JSON.stringify({
    legalName: `Client ${index} Ltd`,
    kaTier: 'key',
    contracts: { [`c-${index}`]: { status: 'Active', totalValueMinor: '100000000', spentMinor: String(index) } },
    categories: { beauty: { status: 'Approved', validUntil: '2099-12-31' } },
    campaignCounts: { Live: 3, Completed: 2 },
    note: randomBytes(64).toString('hex'),
  }),
});

const measureCeiling = async (pool: Pool): Promise<{ copyPerSecond: number; insertPerSecond: number }> => {
  await pool.query(
    `CREATE TABLE ceiling_copy (id text PRIMARY KEY, payload jsonb NOT NULL, position numeric(40,0) NOT NULL);
     CREATE TABLE ceiling_insert (LIKE ceiling_copy INCLUDING ALL)`,
  );
  const client = await pool.connect();
  try {
    const copyStart = process.hrtime.bigint();
    const lines = function* (): Generator<string> {
      for (let index = 0; index < CEILING_ROWS; index++) {
        const row = ceilingRow(index);
        yield `${row.id}\t${row.payload.replace(/\\/g, '\\\\')}\t${index}\n`;
      }
    };
    await pipeline(lines, client.query(copyFrom('COPY ceiling_copy (id, payload, position) FROM STDIN')));
    const copyPerSecond = CEILING_ROWS / seconds(copyStart);

    const insertStart = process.hrtime.bigint();
    for (let offset = 0; offset < CEILING_ROWS; offset += 1_000) {
      const rows = Array.from({ length: 1_000 }, (_, index) => {
        const row = ceilingRow(offset + index);
        return { id: row.id, payload: JSON.parse(row.payload) as unknown, position: String(offset + index) };
      });
      await client.query(
        `INSERT INTO ceiling_insert (id, payload, position)
         SELECT id, payload, position FROM jsonb_populate_recordset(NULL::ceiling_insert, $1::jsonb)`,
        [JSON.stringify(rows)],
      );
    }
    const insertPerSecond = CEILING_ROWS / seconds(insertStart);
    return { copyPerSecond, insertPerSecond };
  } finally {
    client.release();
  }
};

const readWholeLog = async (store: EventStore): Promise<{ events: number; perSecond: number }> => {
  const start = process.hrtime.bigint();
  let from = START;
  let events = 0;
  for (;;) {
    const page = await store.readAll({ from, maxCount: 5_000 });
    if (page.length === 0) break;
    events += page.length;
    from = page[page.length - 1]!.position;
  }
  return { events, perSecond: events / seconds(start) };
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

/**
 * Open-loop writes at `rate` per second: each tick appends the next step of some client story not
 * already in flight, whether or not earlier appends have returned, as independent users would.
 */
const measureLag = async (
  url: string,
  projections: readonly string[],
): Promise<{
  written: number;
  perSecond: number;
  appends: number[];
  lags: Map<string, number[]>;
  afterAppend: Map<string, number[]>;
}> => {
  const listener = new Client({ connectionString: url });
  await listener.connect();
  await listener.query(`LISTEN ${CHECKPOINT_CHANNEL}`);
  const latest = new Map<string, bigint>(projections.map((name) => [name, 0n]));
  const waiting = new Map<string, { position: bigint; started: bigint; appended: bigint; measured: boolean }[]>(
    projections.map((name) => [name, []]),
  );
  const lags = new Map<string, number[]>(projections.map((name) => [name, []]));
  const afterAppend = new Map<string, number[]>(projections.map((name) => [name, []]));
  const appends: number[] = [];
  const settle = (name: string): void => {
    const now = process.hrtime.bigint();
    const reached = latest.get(name)!;
    const pending = waiting.get(name)!;
    const still = pending.filter((write) => {
      if (write.position > reached) return true;
      if (write.measured) {
        lags.get(name)!.push(Number(now - write.started) / 1e6);
        afterAppend.get(name)!.push(Number(now - write.appended) / 1e6);
      }
      return false;
    });
    waiting.set(name, still);
  };
  listener.on('notification', (message) => {
    const [name, text] = (message.payload ?? '').split(' ');
    if (name === undefined || text === undefined || !latest.has(name)) return;
    const position = BigInt(text);
    if (position > latest.get(name)!) latest.set(name, position);
    settle(name);
  });

  const pool = openPool(url, 16);
  const store = await PostgresEventStore.create(pool);
  const writer = new HistoryWriter(store);
  const random = randomSource(7);
  const stories: PlannedEvent[][][] = [];
  const busy = new Set<PlannedEvent[][]>();
  let written = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  const start = process.hrtime.bigint();
  // The first seconds warm up the projector (its caches, the JIT) and are not measured.
  const warmupTicks = Math.round(LAG_RATE * LAG_WARMUP_SECONDS);
  const total = warmupTicks + Math.round(LAG_RATE * LAG_SECONDS);
  let measureStart = start;
  try {
    for (let tick = 0; tick < total && failure === undefined; tick++) {
      const due = start + BigInt(Math.round((tick * 1e9) / LAG_RATE));
      const wait = Number(due - process.hrtime.bigint()) / 1e6;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      let story = stories.find((candidate) => !busy.has(candidate));
      if (story === undefined) {
        story = clientStory(random);
        stories.push(story);
      }
      const step = story.shift()!;
      if (story.length === 0) stories.splice(stories.indexOf(story), 1);
      const chosen = story;
      busy.add(chosen);
      const started = process.hrtime.bigint();
      const measured = tick >= warmupTicks;
      if (tick === warmupTicks) measureStart = started;
      const write = writer
        .append(step)
        .then((position) => {
          const appended = process.hrtime.bigint();
          if (measured) {
            written++;
            appends.push(Number(appended - started) / 1e6);
          }
          for (const name of projections) {
            waiting.get(name)!.push({ position, started, appended, measured });
            settle(name);
          }
        })
        .catch((error: unknown) => {
          failure ??= error;
        })
        .finally(() => {
          busy.delete(chosen);
          inFlight.delete(write);
        });
      inFlight.add(write);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    const perSecond = written / seconds(measureStart);
    const deadline = Date.now() + 30_000;
    while ([...waiting.values()].some((pending) => pending.length > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { written, perSecond, appends, lags, afterAppend };
  } finally {
    await store.close();
    await pool.end();
    await listener.end();
  }
};

/** The real projector process (projections and reactors), as deployed beside the API. */
const startProjector = (url: string): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'apps', 'projector', 'src', 'main.js')], {
      env: { ...process.env, DATABASE_URL: url, JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    let running = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      running = output.split('running after position').length - 1;
      // Every projection and reactor has taken its lock and subscribed.
      if (running >= READ_MODELS.length + 1) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`the projector exited (${String(code)}):\n${output}`)));
  });

const main = async (): Promise<void> => {
  const database = `bench_projections_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${database}`);
  const url = withDatabase(SERVER_URL, database);
  const info = new Client({ connectionString: url });
  await info.connect();
  const version = (await info.query<{ version: string }>('SELECT version()')).rows[0]!.version;
  await info.end();
  const cpu = cpus();
  console.log('Read-model projection benchmark');
  console.log(
    `machine : ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${release()}`,
  );
  console.log(
    `node    : ${process.version}; load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')} at start`,
  );
  console.log(`server  : ${version}`);
  console.log(`database: ${database} (dropped at the end)`);
  console.log('');

  const pool = openPool(url, 20);
  const store = withUpcasting(await PostgresEventStore.create(pool));
  let projector: ChildProcess | undefined;
  try {
    process.stdout.write(`generating >= ${whole(EVENTS)} events through the event store port ...`);
    const generateStart = process.hrtime.bigint();
    const generated = await generateHistory(store, {
      events: EVENTS,
      writers: 8,
      onProgress: (written) => process.stdout.write(` ${whole(written)}`),
    });
    console.log(` done: ${whole(generated)} events in ${seconds(generateStart).toFixed(1)} s`);
    await pool.query('VACUUM ANALYZE es_events');

    process.stdout.write(`ceiling: COPY and 1,000-row INSERT of ${whole(CEILING_ROWS)} read-model-like rows ... `);
    const ceiling = await measureCeiling(pool);
    console.log(`COPY ${whole(ceiling.copyPerSecond)} rows/s, INSERT ${whole(ceiling.insertPerSecond)} rows/s`);
    process.stdout.write('reading the whole log through the port, projecting nothing ... ');
    const read = await readWholeLog(store);
    console.log(`${whole(read.events)} events, ${whole(read.perSecond)} events/s`);

    console.log('rebuilding ka_clients and link_permissions from the whole log:');
    const built = await rebuild({
      pool,
      store,
      projections: READ_MODELS,
      onProgress: ({ events, eventsPerSecond }) =>
        console.log(`  ${whole(events)} events, ${whole(eventsPerSecond)} events/s`),
      progressEveryMs: 5_000,
    });
    const rebuildRate = built.events / built.seconds;
    const { rows: counts } = await pool.query<{ clients: string; permissions: string }>(
      'SELECT (SELECT count(*) FROM ka_clients)::text AS clients, (SELECT count(*) FROM link_permissions)::text AS permissions',
    );
    console.log(
      `rebuilt : ${whole(built.events)} events in ${built.seconds.toFixed(1)} s = ${whole(rebuildRate)} events/s ` +
        `(${whole(Number(counts[0]!.clients))} ka_clients rows, ${whole(Number(counts[0]!.permissions))} link_permissions rows)`,
    );

    // The reactor would otherwise react to the whole history first; it starts caught up, as in
    // a deployment where it has been running all along (the lag phase's own causes it sees).
    await pool.query(
      `INSERT INTO projection_checkpoints (name, position, version) VALUES ($1, $2::numeric, 1)
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position`,
      [CASCADE_REACTOR, (await store.headPosition()).toString()],
    );
    // The rebuild left dead row versions and dirty buffers: vacuum and checkpoint now, so that
    // autovacuum and the checkpointer do not run into the lag phase.
    for (const table of READ_MODELS.flatMap((projection) => projection.tables)) {
      await pool.query(`VACUUM ANALYZE ${table.name}`);
    }
    await pool.query('CHECKPOINT');
    projector = await startProjector(url);
    console.log(
      `lag     : the projector process (dist/apps/projector) running; ${LAG_RATE} writes/s for ${LAG_SECONDS} s from this process ...`,
    );
    const lag = await measureLag(
      url,
      READ_MODELS.map((projection) => projection.name),
    );
    console.log('');
    console.log(`| measurement | value | target |`);
    console.log(`|:--|--:|--:|`);
    console.log(`| log size | ${whole(generated)} events | >= 1,000,000 |`);
    console.log(`| COPY ceiling (read-model-like rows) | ${whole(ceiling.copyPerSecond)} rows/s | |`);
    console.log(`| 1,000-row INSERT ceiling | ${whole(ceiling.insertPerSecond)} rows/s | |`);
    console.log(`| reading the log, no projection | ${whole(read.perSecond)} events/s | |`);
    console.log(`| rebuild (both read models) | ${whole(rebuildRate)} events/s | >= 30,000 |`);
    console.log(
      `| load average at the end | ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')} | |`,
    );
    console.log(
      `| write load achieved | ${whole(lag.perSecond)} writes/s (${whole(lag.written)} writes) | ${LAG_RATE} |`,
    );
    const appended = [...lag.appends].sort((a, b) => a - b);
    console.log(
      `| append alone (the command's own write) | p50 ${percentile(appended, 0.5).toFixed(1)} ms, p99 ${percentile(appended, 0.99).toFixed(1)} ms | |`,
    );
    for (const [name, values] of lag.lags) {
      const sorted = [...values].sort((a, b) => a - b);
      console.log(
        `| command-to-visible lag, ${name} | p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms, max ${percentile(sorted, 1).toFixed(1)} ms (${whole(sorted.length)} samples) | p99 < 50 ms |`,
      );
    }
    for (const [name, values] of lag.afterAppend) {
      const sorted = [...values].sort((a, b) => a - b);
      console.log(
        `| of which after the append returned, ${name} | p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms | |`,
      );
    }
  } finally {
    if (projector !== undefined && projector.exitCode === null) {
      const exited = new Promise((resolve) => projector!.once('exit', resolve));
      projector.kill('SIGTERM');
      await exited;
    }
    await store.close();
    await pool.end();
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) =>
      console.error(`could not drop database ${database}: ${String(error)}`),
    );
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
