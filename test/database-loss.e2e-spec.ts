import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, readlink, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { startEmbeddedPostgres, type RunningEmbeddedPostgres } from '#runtime';
import { mintToken } from '../apps/api/src/http/tokens';
import { freePort } from './support/postgres';
import { runBuilt, waitForOutput, type RunningProcess } from './support/process';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const tokenFor = (secret: string, roles: ('sales' | 'finance_auditor')[]) =>
  mintToken({ secret, issuer: 'ka-contracting', audience: 'ka-contracting-api', userId: 'sam', roles });

interface Load {
  readonly acknowledged: string[];
  /** Status and content type of every answer that was not 201. */
  readonly refusals: { status: number; contentType: string; code: string | undefined }[];
  /** Requests that got no HTTP answer at all (the API was not listening). */
  readonly unanswered: string[];
  readonly lastPosition: () => string | undefined;
  stop(): Promise<void>;
}

/** Writers registering advertisers as fast as the API answers, recording what each answer was. */
const writeLoad = (port: number, token: string, writers = 4): Load => {
  const acknowledged: string[] = [];
  const refusals: Load['refusals'] = [];
  const unanswered: string[] = [];
  let position: string | undefined;
  let stopped = false;
  const writer = async (): Promise<void> => {
    while (!stopped) {
      const advertiserId = randomUUID();
      try {
        const response = await fetch(`http://127.0.0.1:${port}/v1/advertisers`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ advertiserId, legalName: 'Load Co', registrationNumber: 'R-1', kaTier: 'growth' }),
        });
        const body = (await response.json()) as { code?: string };
        if (response.status === 201) {
          acknowledged.push(advertiserId);
          position = response.headers.get('x-event-position') ?? position;
        } else {
          refusals.push({
            status: response.status,
            contentType: response.headers.get('content-type') ?? '',
            code: body.code,
          });
          await sleep(20);
        }
      } catch (error) {
        unanswered.push((error as Error).message);
        await sleep(20);
      }
    }
  };
  const running = Array.from({ length: writers }, writer);
  return {
    acknowledged,
    refusals,
    unanswered,
    lastPosition: () => position,
    stop: async () => {
      stopped = true;
      await Promise.all(running);
    },
  };
};

const until = async (what: string, condition: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> => {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
};

const storedAdvertisers = async (url: string): Promise<Set<string>> => {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await pool.query<{ id: string }>(
      `SELECT substr(stream_id, length('advertiser-') + 1) AS id FROM es_events WHERE type = 'AdvertiserRegistered'`,
    );
    return new Set(rows.map((row) => row.id));
  } finally {
    await pool.end();
  }
};

/** The refusals while the database was away: 503 problem+json STORE_UNAVAILABLE, nothing else. */
const expectOnlyStoreUnavailable = (load: Load): void => {
  expect(load.refusals.length).toBeGreaterThan(0);
  const kinds = new Set(load.refusals.map((r) => `${r.status} ${r.contentType.split(';')[0]} ${r.code}`));
  expect([...kinds]).toEqual(['503 application/problem+json STORE_UNAVAILABLE']);
  expect(load.unanswered).toEqual([]);
};

const readiness = async (port: number): Promise<{ status: number; body: string }> => {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
  return { status: response.status, body: await response.text() };
};

describe('losing the database', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  const started = (process: RunningProcess): RunningProcess => {
    cleanups.push(async () => {
      if (process.child.exitCode === null && process.child.signalCode === null) {
        process.child.kill('SIGTERM');
        await process.exited;
      }
    });
    return process;
  };

  it('embedded mode: the API restarts its killed server, answers 503 meanwhile and keeps every acknowledged write', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ka-db-loss-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const [port, pgPort] = [await freePort(), await freePort()];
    const env = { DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort) };
    const api = started(runBuilt('apps/api/src/main.js', env));
    await waitForOutput(api, (output) => output.includes('KA contracting API'));
    const cluster = await readlink(join(dataDir, 'postgres')).catch(() => join(dataDir, 'postgres'));
    cleanups.push(() => rm(cluster, { recursive: true, force: true }));
    const secret = (await readFile(join(dataDir, 'jwt-secret'), 'utf8')).trim();

    const load = writeLoad(port, await tokenFor(secret, ['sales']));
    await until('writes before the kill', () => load.acknowledged.length >= 50);
    const serverPid = Number((await readFile(join(cluster, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(serverPid, 'SIGKILL');
    await until('a refusal while the server is down', () => load.refusals.length > 0);
    const before = load.acknowledged.length;
    await until('writes after the restart', () => load.acknowledged.length >= before + 50);
    await load.stop();

    expect(api.child.exitCode).toBeNull();
    expect(api.output()).toMatch(/embedded PostgreSQL: the server process \d+ exited \(signal SIGKILL\); restarting/);
    expect(api.output()).toMatch(/embedded PostgreSQL: restarted/);
    expectOnlyStoreUnavailable(load);
    expect((await readiness(port)).status).toBe(200);

    // A second API on the same DATA_DIR refuses to start and leaves the first one's server alone.
    const second = runBuilt('apps/api/src/main.js', { ...env, PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.output().trim()).toMatch(
      new RegExp(`^start-up failed: DATA_DIR ${dataDir} is in use by process ${api.child.pid} .*set another DATA_DIR$`),
    );
    expect((await readiness(port)).status).toBe(200);

    const password = (await readFile(join(dataDir, 'postgres.password'), 'utf8')).trim();
    const stored = await storedAdvertisers(`postgres://postgres:${password}@127.0.0.1:${pgPort}/postgres`);
    expect(load.acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  }, 180_000);

  it('postgres mode: the API and the projector ride out a killed cluster and recover when it is back', async () => {
    // A throwaway cluster of its own, on its own port: the shared server is never stopped.
    const dataDir = await mkdtemp(join(tmpdir(), 'ka-db-loss-pg-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const pgPort = await freePort();
    const startCluster = () => startEmbeddedPostgres({ dataDir, port: pgPort, maxRestarts: 0 });
    let cluster: RunningEmbeddedPostgres = await startCluster();
    cleanups.push(async () => {
      await cluster.stop();
      await rm(cluster.clusterDir, { recursive: true, force: true });
    });
    const secret = randomBytes(32).toString('hex');
    const env = { DATABASE_URL: cluster.url, JWT_SECRET: secret };
    const port = await freePort();
    const api = started(runBuilt('apps/api/src/main.js', { ...env, PORT: String(port), RUN_PROJECTOR: 'false' }));
    const projector = started(runBuilt('apps/projector/src/main.js', { ...env, LOG_LEVEL: 'info' }));
    await waitForOutput(api, (output) => output.includes('KA contracting API'));
    await waitForOutput(projector, (output) => output.includes('projector running'));

    const load = writeLoad(port, await tokenFor(secret, ['sales']));
    await until('writes before the kill', () => load.acknowledged.length >= 50);
    process.kill(cluster.pid!, 'SIGKILL');
    await until('a refusal while the cluster is down', () => load.refusals.length > 0);
    const down = await readiness(port);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({
      code: 'NOT_READY',
      detail: expect.stringMatching(/database: PostgreSQL unreachable: \S+/),
    });

    await cluster.stop();
    cluster = await startCluster();
    const before = load.acknowledged.length;
    await until('writes after the cluster is back', () => load.acknowledged.length >= before + 50);
    await load.stop();
    expect((await readiness(port)).status).toBe(200);

    // The projector kept running and caught up with the last acknowledged write.
    const reader = await tokenFor(secret, ['finance_auditor', 'sales']);
    const last = load.acknowledged[load.acknowledged.length - 1]!;
    await until('the projector to catch up', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/ka-clients/${last}`, {
        headers: { authorization: `Bearer ${reader}`, 'x-min-position': load.lastPosition()! },
      });
      await response.arrayBuffer();
      return response.status === 200;
    });
    expect(api.child.exitCode).toBeNull();
    expect(projector.child.exitCode).toBeNull();
    expect(projector.output()).not.toMatch(/Unhandled|uncaught/i);
    expectOnlyStoreUnavailable(load);
    const stored = await storedAdvertisers(cluster.url);
    expect(load.acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  }, 180_000);
});
