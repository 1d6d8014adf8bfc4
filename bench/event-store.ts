/**
 * Write throughput of the PostgreSQL event store adapter, measured against the ceiling of the same
 * server: plain single-row INSERT commits at the same concurrency, in the same run. Comparing with a
 * ceiling measured minutes earlier on another day would mostly measure the machine, not the adapter.
 *
 * Scenarios (each writer only ever touches its own streams, so no writer waits on another's row lock):
 * - 1 event per append: every append opens a fresh stream with expected revision 'no_stream'.
 * - 10 events per append: a stream takes 10 appends; the first expects 'no_stream', the others the
 *   stream's exact revision, so both the insert and the update path of the stream row are exercised.
 *
 * The raw INSERT rate is measured with the same client, pool size and payload generation, so the
 * ratio isolates what the adapter adds: its SQL, its indexes and its NOTIFY.
 *
 * Env: DATABASE_URL (server to use; a fresh database is created on it and dropped afterwards),
 * BENCH_SECONDS (measured seconds per scenario, default 10; a 2 s warm-up precedes each).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { cpus, platform, release, totalmem } from 'node:os';
import { Client, Pool } from 'pg';
import { PostgresEventStore, type EventData, type ExpectedRevision } from '#event-store';

const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WARMUP_SECONDS = 2;
const WRITER_COUNTS = [1, 8] as const;
const EVENTS_PER_APPEND = [1, 10] as const;
const TARGET = { writers: 8, eventsPerAppend: 1, ratio: 0.7 } as const;

const measureSeconds = (): number => {
  const raw = process.env.BENCH_SECONDS;
  if (raw === undefined || raw === '') return 10;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3_600) {
    throw new Error(`BENCH_SECONDS must be a number of seconds in (0, 3600], got ${JSON.stringify(raw)}`);
  }
  return seconds;
};
const MEASURE_SECONDS = measureSeconds();

// A signal must still lead to the database being dropped, so it only asks the loops to stop.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping after the requests in flight, then dropping the database`);
  });
}

// ---------------------------------------------------------------------------------------------
// Payloads: shaped like the contracting domain's events and unique per event (random ids land all
// over the unique indexes, as in production), built afresh for every request on both sides so
// that building and encoding them costs the adapter and the raw INSERT alike.

const EVENT_TYPES = ['ContractLineItemAdded', 'ContractPriceAgreed', 'ContractPlacementBooked'] as const;
const PLACEMENTS = ['homepage-top', 'article-inline', 'newsletter-footer', 'app-interstitial'] as const;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

const makeEvent = (streamId: string): EventData => {
  const cents = 50_000 + Math.floor(Math.random() * 5_000_000);
  const data = {
    contractId: streamId.slice(streamId.indexOf('-') + 1),
    lineItemId: randomUUID(),
    accountId: `acc-${hex(6)}`,
    placement: pick(PLACEMENTS),
    impressions: 100_000 + Math.floor(Math.random() * 9_900_000),
    price: { amount: (cents / 100).toFixed(2), currency: 'EUR' },
    period: { from: '2027-01-01', to: '2027-03-31' },
    note: `Q1 campaign ${hex(4)}, key-account desk`,
  };
  return {
    eventId: randomUUID(),
    type: pick(EVENT_TYPES),
    data,
    metadata: {
      actor: { id: randomUUID(), kind: 'user', role: 'key-account-manager' },
      tenantId: `tenant-${hex(4)}`,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      requestId: `req_${hex(12)}`,
      contentHash: createHash('sha256').update(JSON.stringify(data)).digest('hex'),
      schemaVersion: 3,
    },
  };
};

const rawPayload = (): string => {
  const event = makeEvent(`contract-${randomUUID()}`);
  return JSON.stringify({ data: event.data, metadata: event.metadata });
};

// ---------------------------------------------------------------------------------------------
// Measurement: closed loop, each writer issues its next request when the previous one returns.

interface Sample {
  /** Requests that started inside the measured window, per second of that window. */
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** All completed requests, warm-up included, to check the row counts afterwards. */
  readonly completed: number;
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;

const measure = async (writers: number, makeWriter: (writer: number) => () => Promise<void>): Promise<Sample> => {
  const requests = Array.from({ length: writers }, (_, writer) => makeWriter(writer));
  const measureFrom = process.hrtime.bigint() + BigInt(WARMUP_SECONDS * 1e9);
  const stopAt = measureFrom + BigInt(Math.round(MEASURE_SECONDS * 1e9));
  const latenciesNs: number[] = [];
  let lastFinish = measureFrom;
  let completed = 0;
  let failure: { error: unknown } | undefined;

  await Promise.all(
    requests.map(async (request) => {
      while (failure === undefined && !interrupted) {
        const started = process.hrtime.bigint();
        if (started >= stopAt) return;
        try {
          await request();
        } catch (error) {
          failure ??= { error };
          return;
        }
        const finished = process.hrtime.bigint();
        completed++;
        if (started >= measureFrom) {
          latenciesNs.push(Number(finished - started));
          if (finished > lastFinish) lastFinish = finished;
        }
      }
    }),
  );
  if (failure !== undefined) throw failure.error;
  if (interrupted) throw new Error('interrupted');

  // Dividing by the time the last measured request finished (not by the nominal window) keeps the
  // requests that straddle the end of the window from inflating the rate.
  const seconds = Number(lastFinish - measureFrom) / 1e9;
  const sorted = Float64Array.from(latenciesNs).sort();
  return {
    perSecond: seconds > 0 ? latenciesNs.length / seconds : 0,
    p50Ms: percentile(sorted, 0.5) / 1e6,
    p99Ms: percentile(sorted, 0.99) / 1e6,
    completed,
  };
};

// ---------------------------------------------------------------------------------------------
// Database lifecycle

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

const openPool = (url: string, writers: number): Pool => {
  const pool = new Pool({
    connectionString: url,
    // The adapter sends its NOTIFY on a pool connection after each append; the spare connections
    // keep that from queueing behind the writers and distorting their latency.
    max: writers + 2,
    // A stuck server must fail the run, not hang it: the benchmark has to stop by itself.
    statement_timeout: 30_000,
    query_timeout: 60_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client's error (e.g. the server restarting) would otherwise crash the process before
  // the database is dropped; the next query reports it instead.
  pool.on('error', () => undefined);
  return pool;
};

// Every scenario starts right after a checkpoint, so the burst of full-page writes that follows a
// checkpoint hits each of them alike instead of whichever happens to run when one is due.
const checkpoint = (pool: Pool): Promise<unknown> => pool.query('CHECKPOINT').catch(() => undefined);

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
  readonly scenario: string;
  readonly writers: number;
  readonly eventsPerAppend: number;
  readonly sample: Sample;
  readonly rawPerSecond: number;
}

interface RawRun {
  readonly writers: number;
  readonly before: Sample;
  readonly after: Sample;
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const whole = (value: number): string => Math.round(value).toLocaleString('en-US');

const printTable = (headers: readonly string[], rows: readonly (readonly string[])[]): void => {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[], alignLeft: (column: number) => boolean): string =>
    `| ${cells.map((cell, column) => (alignLeft(column) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  console.log(line(headers, () => true));
  console.log(
    `|${widths.map((width, column) => (column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
  );
  for (const row of rows) console.log(line(row, (column) => column === 0));
};

// ---------------------------------------------------------------------------------------------

const main = async (): Promise<void> => {
  const database = `bench_${hex(6)}`;
  const probe = new Client({ connectionString: SERVER_URL });
  await probe.connect();
  let serverInfo: string;
  let settings: string;
  try {
    serverInfo = (await probe.query<{ version: string }>('SELECT version()')).rows[0]!.version;
    const { rows } = await probe.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
       WHERE name IN ('synchronous_commit', 'fsync', 'wal_sync_method', 'commit_delay', 'shared_buffers', 'full_page_writes')
       ORDER BY name`,
    );
    settings = rows.map((row) => `${row.name}=${row.setting}${row.unit ?? ''}`).join(', ');
    await probe.query(`CREATE DATABASE ${database}`);
  } finally {
    await probe.end();
  }

  const cpu = cpus();
  const sample = makeEvent(`contract-${randomUUID()}`);
  console.log('Event store write benchmark (PostgreSQL adapter vs. raw single-row INSERT commits)');
  console.log(
    `machine : ${cpu.length} CPUs (${cpu[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${release()}`,
  );
  console.log(`node    : ${process.version}`);
  console.log(`server  : ${serverInfo}`);
  console.log(`settings: ${settings}`);
  console.log(`database: ${database} (dropped at the end)`);
  console.log(
    `payload : data ${JSON.stringify(sample.data).length} B + metadata ${JSON.stringify(sample.metadata).length} B JSON per event; raw rows carry both in one jsonb`,
  );
  console.log(
    `timing  : ${WARMUP_SECONDS} s warm-up + ${MEASURE_SECONDS} s measured per scenario; pool size = writers + 2`,
  );
  console.log('');

  const databaseUrl = withDatabase(SERVER_URL, database);
  const rows: Row[] = [];
  let expectedEvents = 0;
  let expectedRawRows = 0;
  const raws: RawRun[] = [];
  const wrongRevisions: { count: number; example?: string } = { count: 0 };
  try {
    for (const writers of WRITER_COUNTS) {
      const pool = openPool(databaseUrl, writers);
      let store: PostgresEventStore | undefined;
      try {
        store = await PostgresEventStore.create(pool);
        const adapter = store;
        await pool.query('CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, payload jsonb NOT NULL)');

        const measureRaw = async (when: string): Promise<Sample> => {
          await checkpoint(pool);
          process.stdout.write(`raw INSERT, ${writers} writer(s), ${when} ... `);
          const raw = await measure(
            writers,
            () => () => pool.query('INSERT INTO bench_raw (payload) VALUES ($1)', [rawPayload()]).then(() => undefined),
          );
          expectedRawRows += raw.completed;
          console.log(`${whole(raw.perSecond)} commits/s`);
          return raw;
        };
        // The raw rate is measured before and after the adapter scenarios and averaged: on a shared
        // machine the load drifts, and bracketing shows by how much.
        const rawBefore = await measureRaw('before');
        const adapterRows: Omit<Row, 'rawPerSecond'>[] = [];
        for (const eventsPerAppend of EVENTS_PER_APPEND) {
          const appendsPerStream = eventsPerAppend === 1 ? 1 : 10;
          await checkpoint(pool);
          process.stdout.write(`adapter, ${writers} writer(s), ${eventsPerAppend} event(s)/append ... `);
          const result = await measure(writers, () => {
            let streamId = '';
            let appendsInStream = appendsPerStream;
            // Each writer owns its streams, so it knows their revision without asking the store; the
            // store's answer is checked against it instead of being trusted.
            let revision = -1n;
            return async () => {
              if (appendsInStream === appendsPerStream) {
                streamId = `contract-${randomUUID()}`;
                appendsInStream = 0;
                revision = -1n;
              }
              const events = Array.from({ length: eventsPerAppend }, () => makeEvent(streamId));
              const expected: ExpectedRevision = revision < 0n ? 'no_stream' : revision;
              const { nextExpectedRevision } = await adapter.append(streamId, events, expected);
              revision += BigInt(eventsPerAppend);
              if (nextExpectedRevision !== revision) {
                wrongRevisions.count++;
                wrongRevisions.example ??= `${streamId}: returned ${nextExpectedRevision}, stream is at ${revision}`;
              }
              appendsInStream++;
            };
          });
          expectedEvents += result.completed * eventsPerAppend;
          console.log(`${whole(result.perSecond)} appends/s`);
          adapterRows.push({
            scenario: appendsPerStream === 1 ? 'append, new stream each' : `append, ${appendsPerStream} per stream`,
            writers,
            eventsPerAppend,
            sample: result,
          });
        }
        const rawAfter = await measureRaw('after');
        const rawPerSecond = (rawBefore.perSecond + rawAfter.perSecond) / 2;
        raws.push({ writers, before: rawBefore, after: rawAfter });
        rows.push(...adapterRows.map((row) => ({ ...row, rawPerSecond })));
      } finally {
        await store?.close();
        await pool.end();
      }
    }

    // A benchmark that silently lost writes would report nonsense rates.
    const check = new Client({ connectionString: databaseUrl });
    await check.connect();
    try {
      const { rows: counts } = await check.query<{ events: string; raw: string }>(
        'SELECT (SELECT count(*) FROM es_events)::text AS events, (SELECT count(*) FROM bench_raw)::text AS raw',
      );
      const { events, raw } = counts[0]!;
      if (Number(events) !== expectedEvents || Number(raw) !== expectedRawRows) {
        throw new Error(
          `row counts disagree: es_events ${events} (expected ${expectedEvents}), bench_raw ${raw} (expected ${expectedRawRows})`,
        );
      }
      console.log(
        `check   : es_events holds ${whole(expectedEvents)} events, bench_raw ${whole(expectedRawRows)} rows, as written`,
      );
    } finally {
      await check.end();
    }
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) =>
      console.error(`could not drop database ${database}: ${String(error)}`),
    );
  }

  console.log('');
  printTable(
    [
      'scenario',
      'writers',
      'events/append',
      'appends/s',
      'events/s',
      'p50 ms',
      'p99 ms',
      'raw INSERT commits/s (same writers)',
      'ratio (appends/s ÷ raw)',
    ],
    rows.map((row) => [
      row.scenario,
      String(row.writers),
      String(row.eventsPerAppend),
      whole(row.sample.perSecond),
      whole(row.sample.perSecond * row.eventsPerAppend),
      fixed(row.sample.p50Ms, 2),
      fixed(row.sample.p99Ms, 2),
      whole(row.rawPerSecond),
      fixed(row.sample.perSecond / row.rawPerSecond, 2),
    ]),
  );
  console.log('');
  for (const { writers, before, after } of raws) {
    const describe = (raw: Sample): string =>
      `${whole(raw.perSecond)}/s (p50 ${fixed(raw.p50Ms, 2)} ms, p99 ${fixed(raw.p99Ms, 2)} ms)`;
    const drift = Math.abs(before.perSecond - after.perSecond) / Math.max(before.perSecond, after.perSecond);
    console.log(
      `raw INSERT, ${writers} writer(s): before ${describe(before)}, after ${describe(after)}` +
        (drift > 0.15 ? ` -- drifted ${fixed(drift * 100, 0)}%: the machine's load changed, ratios are rough` : ''),
    );
  }
  if (wrongRevisions.count > 0) {
    console.log(
      `WARNING : the adapter returned a wrong nextExpectedRevision for ${whole(wrongRevisions.count)} append(s), e.g. ${wrongRevisions.example}`,
    );
  }
  const target = rows.find((row) => row.writers === TARGET.writers && row.eventsPerAppend === TARGET.eventsPerAppend)!;
  const ratio = target.sample.perSecond / target.rawPerSecond;
  console.log(
    `target  : ratio >= ${TARGET.ratio} at ${TARGET.writers} writers, ${TARGET.eventsPerAppend} event/append: ${fixed(ratio, 2)} -> ${ratio >= TARGET.ratio ? 'MET' : 'NOT MET'}`,
  );
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
