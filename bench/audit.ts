/**
 * Audit export throughput and memory: the API (its own process, as in production) streams a log of
 * AUDIT_BENCH_EVENTS events (default 1,000,000) as NDJSON and as CSV over HTTP, and the run reports
 * events/s and the API process's peak RSS for each, beside the ceiling of the same database in the
 * same run: a plain PostgreSQL COPY of the same rows in the same order, and the port's own read rate.
 *
 * Each format is exported AUDIT_BENCH_RUNS times, each by a freshly started API whose peak RSS is
 * reset just before the request: V8 sometimes promotes whole young-generation pages under this load
 * and the old generation then balloons until the next full collection, so one run can mislead.
 *
 * Env: DATABASE_URL (server to use; a fresh database is created on it and dropped afterwards),
 * AUDIT_BENCH_EVENTS (log size, default 1000000), AUDIT_BENCH_RUNS (exports per format, default 3),
 * AUDIT_BENCH_API_NODE_FLAGS (Node/V8 flags for the API process, e.g. --no-page-promotion, which
 * NODE_OPTIONS does not accept), AUDIT_BENCH_KEEP_DATABASE (a database name: generated once, kept,
 * and reused by later runs with the same name, so that trying a change costs the exports only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, platform, release, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Client, Pool, type Submittable } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PostgresEventStore, streamAllOf, type EventStore } from '#event-store';
import { mintToken } from '../apps/api/src/http/tokens';
import { HistoryWriter, events, type PlannedEvent } from './support/domain-history';

declare module 'pg-copy-streams' {
  export function to(sql: string): Readable & Submittable;
}

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const EVENTS = (() => {
  const raw = process.env.AUDIT_BENCH_EVENTS ?? '1000000';
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1_000 || count > 100_000_000) {
    throw new Error(`AUDIT_BENCH_EVENTS must be a whole number from 1000 to 100000000, got ${JSON.stringify(raw)}`);
  }
  return count;
})();
const RUNS = (() => {
  const runs = Number(process.env.AUDIT_BENCH_RUNS ?? '3');
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error('AUDIT_BENCH_RUNS must be 1 to 20');
  return runs;
})();
const KEEP_DATABASE = (() => {
  const name = process.env.AUDIT_BENCH_KEEP_DATABASE;
  if (name !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error('AUDIT_BENCH_KEEP_DATABASE must be a lower-case database name');
  }
  return name;
})();
const API_NODE_FLAGS = (process.env.AUDIT_BENCH_API_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
const TARGET = { eventsPerSecond: 50_000, peakRssMb: 200 } as const;
const WRITERS = 8;
const SPEND_REPORTS = 95;
const EVENTS_PER_CAMPAIGN = 4 + SPEND_REPORTS + 1;
const JWT_SECRET = randomBytes(32).toString('hex');
const JWT = { issuer: 'ka-contracting', audience: 'ka-contracting-api' } as const;

const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;
const mb = (kb: number): number => Math.round(kb / 102.4) / 10;

// ---------------------------------------------------------------------------------------------
// The log: campaigns as the command handlers record them (hash-chained, with full metadata), each
// command one append at the stream's revision, several writers interleaving their campaigns.

const campaignStory = (index: number): [PlannedEvent[], { userId: string; roles: string[] }][] => {
  const campaignId = randomUUID();
  const contractId = randomUUID();
  const advertiserId = randomUUID();
  const sales = { userId: ['sam', 'sue', 'sid'][index % 3]!, roles: ['sales'] };
  return [
    [
      [
        events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', String(1_000_000 + index), {
          platform: 'taobao',
          url: `https://item.taobao.com/item.htm?id=${index}`,
        }),
        events.campaignSubmitted(campaignId),
      ],
      sales,
    ],
    [[events.campaignApproved(campaignId)], { userId: 'cora', roles: ['compliance'] }],
    [[events.campaignLaunched(campaignId)], sales],
    [
      Array.from({ length: SPEND_REPORTS }, (_, day) => events.spendReported(campaignId, String(1_000 + day), day)),
      { userId: 'ad-serving', roles: ['service'] },
    ],
    [[events.campaignPaused(campaignId, `creative refresh, "round ${index % 7}"`)], sales],
  ];
};

const generate = async (store: EventStore): Promise<number> => {
  const writer = new HistoryWriter(store);
  const campaigns = Math.ceil(EVENTS / EVENTS_PER_CAMPAIGN);
  let next = 0;
  let written = 0;
  let reported = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < campaigns) {
        for (const [batch, actor] of campaignStory(next++)) {
          await writer.append(batch, actor);
          written += batch.length;
        }
        if (written >= reported + 100_000) {
          reported = written - (written % 100_000);
          process.stdout.write(`\r  written ${reported.toLocaleString('en')} events`);
        }
      }
    }),
  );
  process.stdout.write('\n');
  return written;
};

// ---------------------------------------------------------------------------------------------
// Measurements

interface Measurement {
  readonly what: string;
  readonly events: number;
  readonly seconds: number;
  readonly bytes: number;
  readonly peakRssKb?: number;
  readonly idleRssKb?: number;
}

/** The ceiling: PostgreSQL sending the same rows, in the same order, to a client that only counts them. */
const measureCopy = async (pool: Pool, expected: number): Promise<Measurement> => {
  const client = await pool.connect();
  try {
    const started = process.hrtime.bigint();
    const stream = client.query(
      copyTo(`COPY (SELECT e.transaction_id, e.seq, e.stream_id, e.stream_revision, e.type, e.data, e.metadata, e.created_at
               FROM es_events e ORDER BY e.transaction_id, e.seq) TO STDOUT`),
    );
    let bytes = 0;
    let rows = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) rows++;
    }
    if (rows !== expected) throw new Error(`COPY sent ${rows} rows, expected ${expected}`);
    return { what: 'PostgreSQL COPY (raw ceiling)', events: rows, seconds: seconds(started), bytes };
  } finally {
    client.release();
  }
};

/**
 * What the export's reads cost alone, in this process: through the adapter's streamAll (the path the
 * export takes), and through readAll page by page (the port-only fallback, as for EventStoreDB).
 */
const measureRead = async (
  store: PostgresEventStore,
  path: 'streamAll' | 'readAll' | 'streamExportRows',
  expected: number,
): Promise<Measurement> => {
  if (path === 'streamExportRows') {
    const started = process.hrtime.bigint();
    let count = 0;
    for await (const batch of store.streamExportRows({ batchSize: 1_000 })) count += batch.length;
    if (count !== expected) throw new Error(`${path} returned ${count} events, expected ${expected}`);
    return { what: 'read: PostgreSQL streamExportRows (no HTTP)', events: count, seconds: seconds(started), bytes: 0 };
  }
  const source: EventStore =
    path === 'streamAll'
      ? store
      : {
          append: (...args) => store.append(...args),
          readStream: (...args) => store.readStream(...args),
          readAll: (...args) => store.readAll(...args),
          subscribeToAll: (...args) => store.subscribeToAll(...args),
          headPosition: () => store.headPosition(),
          close: () => store.close(),
        };
  const started = process.hrtime.bigint();
  let count = 0;
  for await (const batch of streamAllOf(source, { batchSize: 1_000 })) count += batch.length;
  if (count !== expected) throw new Error(`${path} returned ${count} events, expected ${expected}`);
  const what = path === 'streamAll' ? 'read: PostgreSQL streamAll (no HTTP)' : 'read: port readAll pages (no HTTP)';
  return { what, events: count, seconds: seconds(started), bytes: 0 };
};

/** Linux resets a process's peak RSS (VmHWM) to its current RSS when 5 is written to clear_refs. */
const resetPeak = (pid: number): void => writeFileSync(`/proc/${pid}/clear_refs`, '5');

const rssOf = (pid: number): { rssKb: number; peakKb: number } => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), peakKb: field('VmHWM') };
};

interface Api {
  readonly process: ChildProcess;
  readonly url: string;
}

// Started processes and the database are cleaned up on Ctrl-C too, not only when the run ends.
const running = new Set<ChildProcess>();
let cleanUp = async (): Promise<void> => undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the API and dropping the database`);
    running.forEach((child) => child.kill('SIGKILL'));
    void cleanUp().finally(() => process.exit(130));
  });
}

const startApi = (databaseUrl: string): Promise<Api> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...API_NODE_FLAGS, resolve(__dirname, '../apps/api/src/main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        JWT_SECRET,
        PORT: '0',
        LOG_LEVEL: 'warn',
        RUN_PROJECTOR: 'false',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /on (http:\/\/[^;\s]+);/.exec(output)?.[1];
      if (url !== undefined) resolvePromise({ process: child, url });
    });
    child.once('exit', (code) => reject(new Error(`the API exited with ${code} before listening: ${output}`)));
  });

const stopApi = async (api: Api): Promise<void> => {
  const exited = new Promise((resolvePromise) => api.process.once('exit', resolvePromise));
  api.process.kill('SIGTERM');
  await exited;
};

const measureExport = async (databaseUrl: string, format: 'ndjson' | 'csv', expected: number): Promise<Measurement> => {
  const api = await startApi(databaseUrl);
  try {
    const token = await mintToken({ secret: JWT_SECRET, ...JWT, userId: 'bench', roles: ['finance_auditor'] });
    const idle = rssOf(api.process.pid!);
    resetPeak(api.process.pid!);
    const started = process.hrtime.bigint();
    const { bytes, lines, status } = await new Promise<{ bytes: number; lines: number; status: number }>(
      (resolvePromise, reject) => {
        get(
          `${api.url}/v1/audit/export?format=${format}`,
          { headers: { authorization: `Bearer ${token}` } },
          (response) => {
            let received = 0;
            let newlines = 0;
            response.on('data', (chunk: Buffer) => {
              received += chunk.length;
              for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines++;
            });
            response.on('end', () =>
              resolvePromise({ bytes: received, lines: newlines, status: response.statusCode! }),
            );
            response.on('error', reject);
          },
        ).on('error', reject);
      },
    );
    const elapsed = seconds(started);
    const { peakKb } = rssOf(api.process.pid!);
    const events = format === 'csv' ? lines - 1 : lines;
    if (status !== 200 || events !== expected) {
      throw new Error(`the ${format} export answered ${status} with ${events} events, expected ${expected}`);
    }
    return {
      what: `HTTP export, ${format}`,
      events,
      seconds: elapsed,
      bytes,
      peakRssKb: peakKb,
      idleRssKb: idle.rssKb,
    };
  } finally {
    await stopApi(api);
  }
};

// ---------------------------------------------------------------------------------------------

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

const report = (rows: readonly Measurement[]): void => {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  console.log();
  console.log(line(['what', 'events', 'seconds', 'events/s', 'MB/s', 'API idle RSS MB', 'API peak RSS MB']));
  console.log(line(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const row of rows) {
    console.log(
      line([
        row.what,
        row.events.toLocaleString('en'),
        row.seconds.toFixed(1),
        Math.round(row.events / row.seconds).toLocaleString('en'),
        row.bytes === 0 ? '' : (row.bytes / 1_048_576 / row.seconds).toFixed(1),
        row.idleRssKb === undefined ? '' : String(mb(row.idleRssKb)),
        row.peakRssKb === undefined ? '' : String(mb(row.peakRssKb)),
      ]),
    );
  }
  console.log();
  for (const format of ['ndjson', 'csv']) {
    const runs = rows.filter((row) => row.what === `HTTP export, ${format}`);
    const slowest = Math.min(...runs.map((row) => row.events / row.seconds));
    const peak = Math.max(...runs.map((row) => mb(row.peakRssKb!)));
    const verdict = slowest >= TARGET.eventsPerSecond && peak < TARGET.peakRssMb ? 'meets' : 'MISSES';
    console.log(
      `${format}: ${verdict} the target (>= ${TARGET.eventsPerSecond.toLocaleString('en')} events/s, peak RSS < ${TARGET.peakRssMb} MB) over ${runs.length} runs: slowest ${Math.round(slowest).toLocaleString('en')} events/s, highest peak ${peak} MB`,
    );
  }
};

const main = async (): Promise<void> => {
  console.log(
    `audit export bench: ${EVENTS.toLocaleString('en')} events, ${RUNS} exports per format${API_NODE_FLAGS.length > 0 ? `, API started with ${API_NODE_FLAGS.join(' ')}` : ''}; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}`,
  );
  const database = KEEP_DATABASE ?? `bench_audit_${randomBytes(4).toString('hex')}`;
  const reused = await adminQuery(`CREATE DATABASE ${database}`).then(
    () => false,
    (error: { code?: string }) => {
      if (KEEP_DATABASE === undefined || error.code !== '42P04') throw error;
      return true;
    },
  );
  const databaseUrl = withDatabase(SERVER_URL, database);
  const pool = new Pool({ connectionString: databaseUrl, max: WRITERS + 2 });
  pool.on('error', () => undefined);
  if (KEEP_DATABASE === undefined) cleanUp = () => adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  try {
    const store = await PostgresEventStore.create(pool);
    let written = reused ? Number((await pool.query('SELECT count(*)::int AS n FROM es_events')).rows[0].n) : 0;
    const planned = Math.ceil(EVENTS / EVENTS_PER_CAMPAIGN) * EVENTS_PER_CAMPAIGN;
    if (written !== planned) {
      if (written !== 0) throw new Error(`database ${database} holds ${written} events, not ${planned}: drop it`);
      const started = process.hrtime.bigint();
      written = await generate(store);
      console.log(`  generated in ${seconds(started).toFixed(1)} s through the port`);
      // As autovacuum would have by now: the export reads a settled table, not one fresh from bulk load.
      await pool.query('VACUUM ANALYZE es_events');
      await pool.query('CHECKPOINT').catch(() => undefined);
    } else {
      console.log(`  reusing the ${written.toLocaleString('en')} events of database ${database}`);
    }

    const rows: Measurement[] = [];
    const copyBefore = await measureCopy(pool, written);
    rows.push(await measureRead(store, 'streamAll', written));
    rows.push(await measureRead(store, 'readAll', written));
    rows.push(await measureRead(store, 'streamExportRows', written));
    await store.close();
    for (let run = 0; run < RUNS; run++) {
      rows.push(await measureExport(databaseUrl, 'ndjson', written));
      rows.push(await measureExport(databaseUrl, 'csv', written));
    }
    const copyAfter = await measureCopy(pool, written);
    const drift = Math.abs(copyAfter.seconds - copyBefore.seconds) / copyBefore.seconds;
    rows.unshift({ ...copyBefore, seconds: (copyBefore.seconds + copyAfter.seconds) / 2 });
    report(rows);
    if (drift > 0.15)
      console.log(`note: the COPY rate drifted ${Math.round(drift * 100)} % during the run (load changed)`);
  } finally {
    await pool.end();
    await cleanUp();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
