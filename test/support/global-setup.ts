import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, serverUrl } from './postgres';

/** What global-teardown.ts needs: Jest runs both in its main process, sharing this global. */
export interface TestRun {
  readonly runId: string;
  readonly url: string;
  readonly embedded?: ChildProcess;
}

export const TEST_RUN = Symbol.for('ka-contracting.test-run');

// Per worker: the largest test opens an app (pool of 20, projector and listener connections) beside
// a test database pool of up to 30 and a few stores; the server on this kind of machine allows 100.
const CONNECTIONS_PER_WORKER = 100;
const RESERVED_CONNECTIONS = 20;

/** Errors that mean "nothing answers there"; anything else (a refused password) is a configuration error to show. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

const unreachable = async (url: string): Promise<string | undefined> => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code && UNREACHABLE.has(code)) || /timeout/i.test((error as Error).message)) return code ?? 'timeout';
    throw new Error(`the PostgreSQL server at ${new URL(url).host} refused the tests: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
};

const startEmbedded = async (maxConnections: number): Promise<{ url: string; child: ChildProcess }> => {
  const port = await freePort();
  const child = fork(join(__dirname, 'embedded-postgres-server.js'), {
    env: {
      ...process.env,
      EMBEDDED_TEST_PG_PORT: String(port),
      EMBEDDED_TEST_PG_MAX_CONNECTIONS: String(maxConnections),
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) =>
      reject(new Error(`the embedded PostgreSQL for tests did not start (exit ${code}):\n${stderr}`)),
    );
  });
  return { url, child };
};

/**
 * One PostgreSQL server for the whole run: the one at TEST_DATABASE_URL (default 127.0.0.1:5432) when
 * it answers, otherwise an embedded PostgreSQL started here and stopped by global-teardown.ts. Test
 * files read the choice from TEST_DATABASE_URL, which Jest's workers inherit.
 */
export default async (globalConfig: { maxWorkers: number }): Promise<void> => {
  const runId = randomBytes(4).toString('hex');
  process.env.TEST_RUN_ID = runId;
  const configured = serverUrl();
  const reason = await unreachable(configured);
  let run: TestRun;
  if (reason === undefined) {
    run = { runId, url: configured };
    process.stderr.write(
      `\nTests use the PostgreSQL server at ${new URL(configured).host} (set TEST_DATABASE_URL for another).\n`,
    );
  } else {
    const maxConnections = Math.max(200, globalConfig.maxWorkers * CONNECTIONS_PER_WORKER + RESERVED_CONNECTIONS);
    const { url, child } = await startEmbedded(maxConnections);
    process.env.TEST_DATABASE_URL = url;
    run = { runId, url, embedded: child };
    process.stderr.write(
      `\nNo PostgreSQL server answers at ${new URL(configured).host} (${reason}): tests use an embedded ` +
        `PostgreSQL at ${new URL(url).host} (max_connections ${maxConnections}), stopped after the run.\n`,
    );
  }
  (globalThis as Record<symbol, TestRun>)[TEST_RUN] = run;
};
