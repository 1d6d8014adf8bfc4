/**
 * What clients see when the database goes away under write load, and how soon writes succeed again.
 *
 * embedded: the API (dist/apps/api) on an embedded PostgreSQL in a temporary DATA_DIR; SIGKILL of
 *   the server process; the API's supervisor restarts it. Reports kill -> first 503, the slowest
 *   503, and kill -> first 201 after the outage.
 * postgres: the API on a throwaway cluster of its own (never the shared server), SIGKILLed and
 *   started again after OUTAGE_MS (default 3000). Reports the slowest 503 and cluster ready -> first 201.
 *
 * Env: RUNS (default 3 per mode), WRITERS (default 8), OUTAGE_MS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDataDir, startEmbeddedPostgres } from '#runtime';
import { mintToken } from '../apps/api/src/http/tokens';

const RUNS = Number(process.env.RUNS ?? 3);
const WRITERS = Number(process.env.WRITERS ?? 8);
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 3_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

interface Answer {
  readonly at: number;
  readonly status: number;
  readonly ms: number;
}

const startApi = async (env: Record<string, string>): Promise<ChildProcess> => {
  const api = spawn(process.execPath, [join(__dirname, '..', 'apps', 'api', 'src', 'main.js')], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  api.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  api.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!output.includes('KA contracting API')) {
    if (api.exitCode !== null) throw new Error(`the API exited:\n${output}`);
    await sleep(50);
  }
  return api;
};

/** Writers until stopped; every answer with its time and latency (status 0: no HTTP answer). */
const load = (port: number, token: string) => {
  const answers: Answer[] = [];
  let stopped = false;
  const writer = async (): Promise<void> => {
    while (!stopped) {
      const started = now();
      let status: number;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/v1/advertisers`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            advertiserId: randomUUID(),
            legalName: 'Load Co',
            registrationNumber: 'R-1',
            kaTier: 'growth',
          }),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = 0;
      }
      answers.push({ at: now(), status, ms: now() - started });
      if (status !== 201) await sleep(10);
    }
  };
  const running = Array.from({ length: WRITERS }, writer);
  return {
    answers,
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
};

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
};

/** Recovery: from `back` to the first 201 after the last refusal, i.e. from when writes stay successful. */
const summarise = (label: string, answers: Answer[], killed: number, back: number): string => {
  const after = answers.filter((answer) => answer.at >= killed);
  const refused = after.filter((answer) => answer.status === 503);
  const other = after.filter((answer) => answer.status !== 503 && answer.status !== 201);
  const lastRefusal = Math.max(killed, ...refused.map((answer) => answer.at));
  const recovered = after.find((answer) => answer.status === 201 && answer.at > lastRefusal)?.at;
  const latencies = refused.map((answer) => answer.ms);
  return (
    `${label}: ${refused.length} x 503, first ${refused[0] === undefined ? '-' : (refused[0].at - killed).toFixed(0)} ms after the kill, ` +
    `503 latency p50 ${percentile(latencies, 50).toFixed(0)} / p99 ${percentile(latencies, 99).toFixed(0)} / max ${Math.max(0, ...latencies).toFixed(0)} ms; ` +
    `${other.length} other non-201; writes succeed again ${recovered === undefined ? 'never' : `${(recovered - back).toFixed(0)} ms`} ` +
    `after ${back === killed ? 'the kill' : 'the cluster was back'}`
  );
};

const embeddedRun = async (run: number): Promise<void> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-db-loss-'));
  const port = await freePort();
  const api = await startApi({ DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()) });
  const cluster = await readlink(join(dataDir, 'postgres')).catch(() => join(dataDir, 'postgres'));
  try {
    const secret = (await readFile(join(dataDir, 'jwt-secret'), 'utf8')).trim();
    const token = await mintToken({
      secret,
      issuer: 'ka-contracting',
      audience: 'ka-contracting-api',
      userId: 'sam',
      roles: ['sales'],
    });
    const writes = load(port, token);
    await sleep(2_000);
    const pid = Number((await readFile(join(cluster, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const killed = now();
    process.kill(pid, 'SIGKILL');
    await sleep(8_000);
    await writes.stop();
    console.log(summarise(`embedded run ${run}`, writes.answers, killed, killed));
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    await removeDataDir(dataDir);
  }
};

const postgresRun = async (run: number): Promise<void> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-db-loss-pg-'));
  const pgPort = await freePort();
  const startCluster = () => startEmbeddedPostgres({ dataDir, port: pgPort, maxRestarts: 0 });
  let cluster = await startCluster();
  const secret = randomBytes(32).toString('hex');
  const port = await freePort();
  const api = await startApi({
    DATABASE_URL: cluster.url,
    JWT_SECRET: secret,
    PORT: String(port),
    RUN_PROJECTOR: 'true',
  });
  try {
    const token = await mintToken({
      secret,
      issuer: 'ka-contracting',
      audience: 'ka-contracting-api',
      userId: 'sam',
      roles: ['sales'],
    });
    const writes = load(port, token);
    await sleep(2_000);
    const killed = now();
    process.kill(cluster.pid!, 'SIGKILL');
    await sleep(OUTAGE_MS);
    await cluster.stop();
    cluster = await startCluster();
    const back = now();
    await sleep(6_000);
    await writes.stop();
    console.log(summarise(`postgres run ${run}`, writes.answers, killed, back));
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    await cluster.stop();
    await rm(cluster.clusterDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  for (let run = 1; run <= RUNS; run++) await embeddedRun(run);
  for (let run = 1; run <= RUNS; run++) await postgresRun(run);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
