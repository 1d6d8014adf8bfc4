/**
 * Command throughput over real HTTP, on the API in embedded mode, against the raw single-row INSERT
 * commit rate of the same embedded PostgreSQL measured in the same run, interleaved with it: for 8
 * and 16 connections, raw, POST /v1/advertisers (a fresh stream per request), raw, PUT
 * /v1/advertisers/{id}/ka-tier with If-Match (an existing stream, at the revision last seen), raw.
 * Each route's ratio is against the mean of the raw runs before and after it. Prints req/s, latency
 * percentiles, the API's RSS and the load average.
 *
 *   npm run bench:commands      (BENCH_SECONDS, default 5; BENCH_CONNECTIONS, default "8,16")
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { removeDataDir } from '#runtime';
import { mintToken } from '../apps/api/src/http/tokens';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTION_COUNTS = (process.env.BENCH_CONNECTIONS ?? '8,16').split(',').map(Number);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

const rssOf = async (pid: number): Promise<{ rss: number; peak: number }> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
};

/** CPU seconds used so far by the API process (all its threads) and by its PostgreSQL (every descendant). */
const cpuOf = async (apiPid: number): Promise<{ api: number; postgres: number; bench: number }> => {
  const processes = new Map<number, { parent: number; seconds: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    // Fields after the parenthesised command name: state, ppid, ..., utime (14th), stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // A process's own time, plus that of its children that have exited (PostgreSQL's backends of
    // closed connections), except for the API's: its only child is the postmaster.
    const own = Number(fields[11]) + Number(fields[12]);
    const exitedChildren = Number(entry) === apiPid ? 0 : Number(fields[13]) + Number(fields[14]);
    processes.set(Number(entry), { parent: Number(fields[1]), seconds: (own + exitedChildren) / CLOCK_TICKS });
  }
  const descends = (pid: number): boolean => {
    for (let at = processes.get(pid)?.parent; at !== undefined && at > 1; at = processes.get(at)?.parent) {
      if (at === apiPid) return true;
    }
    return false;
  };
  let postgres = 0;
  for (const [pid, { seconds }] of processes) if (descends(pid)) postgres += seconds;
  const own = process.cpuUsage();
  return { api: processes.get(apiPid)?.seconds ?? 0, postgres, bench: (own.user + own.system) / 1e6 };
};
// Linux reports process CPU time in USER_HZ ticks, 100 per second on every mainstream build.
const CLOCK_TICKS = 100;

/** Raw single-row INSERT commits on the same database, `connections` at a time, for `seconds`. */
const rawInsertRate = async (url: string, connections: number, seconds: number): Promise<number> => {
  const pool = new Pool({ connectionString: url, max: connections });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, payload jsonb NOT NULL)');
  const payload = JSON.stringify({
    legalName: 'Load Co',
    registrationNumber: 'R-1',
    kaTier: 'growth',
    pad: 'x'.repeat(600),
  });
  let count = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        await pool.query('INSERT INTO bench_raw (payload) VALUES ($1)', [payload]);
        count++;
      }
    }),
  );
  await pool.end();
  return count / seconds;
};

interface Row {
  readonly what: string;
  readonly connections: number;
  readonly rate: number;
  readonly p50?: number;
  readonly p99?: number;
  readonly failed?: number;
  readonly ratio?: number;
  /** CPU milliseconds per request (or commit) spent by the API process, its PostgreSQL and this client. */
  readonly cpu?: { api: number; postgres: number; bench: number };
  /** Mean events per projection transaction in the API's runners during the run. */
  readonly eventsPerBatch?: number;
}

const perRequest = (
  before: { api: number; postgres: number; bench: number },
  after: { api: number; postgres: number; bench: number },
  count: number,
) => ({
  api: ((after.api - before.api) * 1000) / count,
  postgres: ((after.postgres - before.postgres) * 1000) / count,
  bench: ((after.bench - before.bench) * 1000) / count,
});

const main = async (): Promise<void> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-commands-'));
  await chmod(dataDir, 0o755);
  const secret = randomBytes(32).toString('hex');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const pgPort = port + 1;
  const api = spawn(
    process.execPath,
    [
      ...(process.env.API_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      join(__dirname, '..', 'apps', 'api', 'src', 'main.js'),
    ],
    {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        EMBEDDED_PG_PORT: String(pgPort),
        JWT_SECRET: secret,
        LOG_LEVEL: 'warn',
        RUN_PROJECTOR: process.env.RUN_PROJECTOR ?? 'true',
        // One token drives thousands of requests a second here: the per-user limit would be measured instead.
        RATE_LIMIT_ENABLED: 'false',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const loadBefore = load();
  try {
    let output = '';
    api.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    while (!output.includes('KA contracting API')) {
      if (api.exitCode !== null) throw new Error(`the API did not start:\n${output}`);
      await sleep(100);
    }
    const token = await mintToken({
      secret,
      issuer: 'ka-contracting',
      audience: 'ka-contracting-api',
      userId: 'bench',
      roles: ['sales'],
    });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const base = `http://127.0.0.1:${port}`;
    const password = (await readFile(join(dataDir, 'postgres.password'), 'utf8')).trim();
    const databaseUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${pgPort}/postgres`;

    const register = (connections: number, duration: number) =>
      autocannon({
        url: base,
        connections,
        duration,
        requests: [
          {
            method: 'POST',
            path: '/v1/advertisers',
            headers,
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({
                advertiserId: randomUUID(),
                legalName: 'Load Co',
                registrationNumber: 'R-1',
                kaTier: 'growth',
              }),
            }),
          },
        ],
      });

    // Advertisers for the tier changes, each taken by one request at a time, so a request always
    // carries the revision the last answer for that advertiser returned.
    const free: { id: string; revision: string; tier: 'key' | 'strategic' }[] = [];
    // A run that ends cuts off the requests in flight, and their advertisers never come back to the
    // pool: keep enough for each run (and the warm-up) to lose a full set.
    const advertiserCount =
      2 * Math.max(...CONNECTION_COUNTS) + CONNECTION_COUNTS.reduce((sum, count) => sum + count, 0);
    for (let index = 0; index < advertiserCount; index++) {
      const advertiserId = randomUUID();
      const response = await fetch(`${base}/v1/advertisers`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ advertiserId, legalName: 'Tier Co', registrationNumber: 'R-2', kaTier: 'growth' }),
      });
      if (response.status !== 201) throw new Error(`setup failed: ${response.status} ${await response.text()}`);
      free.push({ id: advertiserId, revision: '0', tier: 'key' });
    }
    const changeTier = (connections: number, duration: number) =>
      autocannon({
        url: base,
        connections,
        duration,
        requests: [
          {
            method: 'PUT',
            setupRequest: (request, context) => {
              const advertiser = free.shift()!;
              (context as { advertiser?: unknown }).advertiser = advertiser;
              return {
                ...request,
                path: `/v1/advertisers/${advertiser.id}/ka-tier`,
                headers: { ...headers, 'if-match': `W/"${advertiser.revision}"` },
                body: JSON.stringify({ kaTier: advertiser.tier }),
              };
            },
            onResponse: (status, _body, context, responseHeaders) => {
              const advertiser = (context as { advertiser: (typeof free)[number] }).advertiser;
              const etag = /"(\d+)"/.exec(String(responseHeaders?.etag ?? ''))?.[1];
              if (etag !== undefined) advertiser.revision = etag;
              if (status === 200) advertiser.tier = advertiser.tier === 'key' ? 'strategic' : 'key';
              free.push(advertiser);
            },
          },
        ],
      });

    /** Events and batches the API's projection runners have applied so far, from its /metrics. */
    const projectorWork = async (): Promise<{ events: number; batches: number }> => {
      const text = await (await fetch(`${base}/metrics`, { headers })).text();
      const sum = (metric: string) =>
        [...text.matchAll(new RegExp(`^${metric}\\{[^}]*\\} (\\d+)`, 'gm'))].reduce(
          (total, [, value]) => total + Number(value),
          0,
        );
      return { events: sum('projection_events_applied'), batches: sum('projection_batches_applied') };
    };

    // Warm-up (JIT, pools, caches) at the highest measured count: the tier changes have advertisers for that many.
    await register(Math.max(...CONNECTION_COUNTS), 2);
    await changeTier(Math.max(...CONNECTION_COUNTS), 2);
    const rows: Row[] = [];
    let rss = { rss: 0, peak: 0 };
    for (const connections of CONNECTION_COUNTS) {
      const rawCpu: { api: number; postgres: number; bench: number }[] = [];
      const measuredRaw = async (): Promise<number> => {
        const before = await cpuOf(api.pid!);
        const rate = await rawInsertRate(databaseUrl, connections, SECONDS);
        rawCpu.push(perRequest(before, await cpuOf(api.pid!), rate * SECONDS));
        return rate;
      };
      const rawRates = [await measuredRaw()];
      for (const [what, run] of [
        ['POST /v1/advertisers', register],
        ['PUT /v1/advertisers/{id}/ka-tier (If-Match)', changeTier],
      ] as const) {
        const before = await cpuOf(api.pid!);
        const projectedBefore = await projectorWork();
        const result = await run(connections, SECONDS);
        const cpu = perRequest(before, await cpuOf(api.pid!), result.requests.total);
        const projected = await projectorWork();
        const batches = projected.batches - projectedBefore.batches;
        rss = await rssOf(api.pid!);
        rawRates.push(await measuredRaw());
        const raw = (rawRates[rawRates.length - 2]! + rawRates[rawRates.length - 1]!) / 2;
        rows.push({
          what,
          connections,
          rate: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          failed: result.non2xx + result.errors + result.timeouts,
          ratio: result.requests.average / raw,
          cpu,
          eventsPerBatch: batches === 0 ? undefined : (projected.events - projectedBefore.events) / batches,
        });
      }
      rows.push({
        what: `raw single-row INSERT, same database (${rawRates.map((rate) => Math.round(rate)).join(' / ')})`,
        connections,
        rate: rawRates.reduce((sum, rate) => sum + rate, 0) / rawRates.length,
        cpu: {
          api: 0,
          postgres: rawCpu.reduce((sum, cpu) => sum + cpu.postgres, 0) / rawCpu.length,
          bench: rawCpu.reduce((sum, cpu) => sum + cpu.bench, 0) / rawCpu.length,
        },
      });
    }
    console.log(
      `\nCommand benchmark: ${SECONDS} s per run, node ${process.version}, projector in the API: ${process.env.RUN_PROJECTOR ?? 'true'}`,
    );
    console.log(
      `load average before: ${loadBefore}, after: ${load()}; API RSS ${(rss.rss / 2 ** 20).toFixed(0)} MiB (peak ${(rss.peak / 2 ** 20).toFixed(0)} MiB)\n`,
    );
    console.log(
      '| what | connections | req/s (or commits/s) | p50 ms | p99 ms | non-2xx/errors | ratio to raw | CPU ms each: API / PostgreSQL / client | projector events per batch |',
    );
    console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
    const ms = (value: number) => value.toFixed(2);
    for (const row of rows) {
      const cpu = row.cpu === undefined ? '' : `${ms(row.cpu.api)} / ${ms(row.cpu.postgres)} / ${ms(row.cpu.bench)}`;
      console.log(
        `| ${row.what} | ${row.connections} | ${Math.round(row.rate).toLocaleString('en')} | ${row.p50 ?? ''} | ${row.p99 ?? ''} | ${row.failed ?? ''} | ${row.ratio === undefined ? '' : row.ratio.toFixed(2)} | ${cpu} | ${row.eventsPerBatch?.toFixed(1) ?? ''} |`,
      );
    }
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    await removeDataDir(dataDir);
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
