/**
 * Command throughput over real HTTP: autocannon against POST /v1/advertisers (a fresh stream per
 * request) on the API in embedded mode, beside the raw single-row INSERT commit rate of the same
 * embedded PostgreSQL measured in the same run. Prints req/s, latency percentiles and the API's RSS.
 *
 *   npm run bench:commands            (BENCH_SECONDS, default 10; BENCH_CONNECTIONS, default 16)
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { mintToken } from '../apps/api/src/http/tokens';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PORT = 3480;
const PG_PORT = 54380;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

const main = async (): Promise<void> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-commands-'));
  await chmod(dataDir, 0o755);
  const secret = randomBytes(32).toString('hex');
  const api = spawn(process.execPath, [join(__dirname, '..', 'apps', 'api', 'src', 'main.js')], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(PORT),
      EMBEDDED_PG_PORT: String(PG_PORT),
      JWT_SECRET: secret,
      LOG_LEVEL: 'warn',
      RUN_PROJECTOR: process.env.RUN_PROJECTOR ?? 'true',
      // One token drives thousands of requests a second here: the per-user limit would be measured instead.
      RATE_LIMIT_ENABLED: 'false',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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
    const password = (await readFile(join(dataDir, 'postgres.password'), 'utf8')).trim();
    const databaseUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${PG_PORT}/postgres`;

    const run = (duration: number) =>
      autocannon({
        url: `http://127.0.0.1:${PORT}`,
        connections: CONNECTIONS,
        duration,
        requests: [
          {
            method: 'POST',
            path: '/v1/advertisers',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
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
    await run(2);
    const result = await run(SECONDS);
    const memory = await rssOf(api.pid!);
    const raw = await rawInsertRate(databaseUrl, CONNECTIONS, SECONDS);
    const non2xx = result.non2xx + result.errors + result.timeouts;
    const table = [
      '| what | connections | req/s (or commits/s) | p50 ms | p99 ms | errors/non-2xx | API RSS (peak) |',
      '|---|--:|--:|--:|--:|--:|--:|',
      `| POST /v1/advertisers (embedded mode) | ${CONNECTIONS} | ${Math.round(result.requests.average).toLocaleString('en')} | ${result.latency.p50} | ${result.latency.p99} | ${non2xx} | ${(memory.rss / 2 ** 20).toFixed(0)} MiB (${(memory.peak / 2 ** 20).toFixed(0)} MiB) |`,
      `| raw single-row INSERT, same database | ${CONNECTIONS} | ${Math.round(raw).toLocaleString('en')} | | | | |`,
      '',
      `ratio: ${(result.requests.average / raw).toFixed(2)} of the raw commit rate (each command reads its stream, appends, and the projector follows)`,
    ];
    console.log(`\nCommand benchmark: ${SECONDS} s, ${CONNECTIONS} connections, node ${process.version}\n`);
    console.log(table.join('\n'));
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
