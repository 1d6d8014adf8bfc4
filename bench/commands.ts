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
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
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
}

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

    // Advertisers for the tier changes: more than connections, each taken by one request at a time,
    // so a request always carries the revision the last answer for that advertiser returned.
    const free: { id: string; revision: string; tier: 'key' | 'strategic' }[] = [];
    for (let index = 0; index < 2 * Math.max(...CONNECTION_COUNTS); index++) {
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

    await register(8, 2);
    await changeTier(8, 2);
    const rows: Row[] = [];
    let rss = { rss: 0, peak: 0 };
    for (const connections of CONNECTION_COUNTS) {
      const rawRates = [await rawInsertRate(databaseUrl, connections, SECONDS)];
      for (const [what, run] of [
        ['POST /v1/advertisers', register],
        ['PUT /v1/advertisers/{id}/ka-tier (If-Match)', changeTier],
      ] as const) {
        const result = await run(connections, SECONDS);
        rss = await rssOf(api.pid!);
        rawRates.push(await rawInsertRate(databaseUrl, connections, SECONDS));
        const raw = (rawRates[rawRates.length - 2]! + rawRates[rawRates.length - 1]!) / 2;
        rows.push({
          what,
          connections,
          rate: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          failed: result.non2xx + result.errors + result.timeouts,
          ratio: result.requests.average / raw,
        });
      }
      rows.push({
        what: `raw single-row INSERT, same database (${rawRates.map((rate) => Math.round(rate)).join(' / ')})`,
        connections,
        rate: rawRates.reduce((sum, rate) => sum + rate, 0) / rawRates.length,
      });
    }
    console.log(
      `\nCommand benchmark: ${SECONDS} s per run, node ${process.version}, projector in the API: ${process.env.RUN_PROJECTOR ?? 'true'}`,
    );
    console.log(
      `load average before: ${loadBefore}, after: ${load()}; API RSS ${(rss.rss / 2 ** 20).toFixed(0)} MiB (peak ${(rss.peak / 2 ** 20).toFixed(0)} MiB)\n`,
    );
    console.log('| what | connections | req/s (or commits/s) | p50 ms | p99 ms | non-2xx/errors | ratio to raw |');
    console.log('|---|--:|--:|--:|--:|--:|--:|');
    for (const row of rows) {
      console.log(
        `| ${row.what} | ${row.connections} | ${Math.round(row.rate).toLocaleString('en')} | ${row.p50 ?? ''} | ${row.p99 ?? ''} | ${row.failed ?? ''} | ${row.ratio === undefined ? '' : row.ratio.toFixed(2)} |`,
      );
    }
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
