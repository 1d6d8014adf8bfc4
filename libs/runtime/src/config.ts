import { isAbsolute, resolve } from 'node:path';

export type Mode = 'embedded' | 'postgres' | 'eventstoredb';

export interface Config {
  readonly mode: Mode;
  /** PostgreSQL for read models everywhere, and for events outside eventstoredb mode. Unset in embedded mode. */
  readonly databaseUrl: string | undefined;
  readonly eventStoreConnectionString: string | undefined;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly host: string;
  readonly port: number;
  readonly databasePoolSize: number;
  /** How long a request waits for a PostgreSQL connection (new or from the pool) before it gets 503. */
  readonly databaseConnectTimeoutMs: number;
  readonly bodyLimitBytes: number;
  /** HS256 secret; in embedded mode a development secret is generated under the data directory. */
  readonly jwtSecret: string | undefined;
  /** PEM public key (RS256/ES256/EdDSA), for tokens minted by an identity provider. */
  readonly jwtPublicKey: string | undefined;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** Whether this process also runs the projections (the projector app always does). */
  readonly runProjector: boolean;
  readonly logLevel: LogLevel;
  /** /health/ready reports down when a projection is further behind than this. */
  readonly readyMaxProjectionLagSeconds: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A setting that is missing or wrong; the message names the variable and what it must be. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const text = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

const integer = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
};

const oneOf = <T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T => {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
};

const url = (env: Env, name: string, schemes: readonly string[]): string | undefined => {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL starting with ${schemes.join(' or ')}`);
  }
  if (!schemes.includes(parsed.protocol)) {
    throw new ConfigError(name, `must be a URL starting with ${schemes.join(' or ')} (got ${parsed.protocol})`);
  }
  return raw;
};

/** Reads and validates every setting once, at start-up. */
export const loadConfig = (env: Env = process.env, cwd: string = process.cwd()): Config => {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const eventStoreConnectionString = url(env, 'EVENTSTORE_CONNECTION_STRING', [
    'esdb:',
    'esdb+discover:',
    'kurrentdb:',
  ]);
  if (eventStoreConnectionString !== undefined && databaseUrl === undefined) {
    throw new ConfigError(
      'DATABASE_URL',
      'is required with EVENTSTORE_CONNECTION_STRING (read models live in PostgreSQL)',
    );
  }
  const mode: Mode = eventStoreConnectionString ? 'eventstoredb' : databaseUrl ? 'postgres' : 'embedded';
  const dataDir = text(env, 'DATA_DIR') ?? '.data';
  const jwtSecret = text(env, 'JWT_SECRET');
  const jwtPublicKey = text(env, 'JWT_PUBLIC_KEY');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  }
  if (jwtPublicKey !== undefined && !jwtPublicKey.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new ConfigError('JWT_PUBLIC_KEY', 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
  }
  if (jwtSecret !== undefined && jwtPublicKey !== undefined) {
    throw new ConfigError('JWT_SECRET', 'and JWT_PUBLIC_KEY are exclusive: set one');
  }
  if (mode !== 'embedded' && jwtSecret === undefined && jwtPublicKey === undefined) {
    throw new ConfigError(
      'JWT_SECRET',
      `or JWT_PUBLIC_KEY is required in ${mode} mode (only embedded mode generates one)`,
    );
  }
  const runProjector = text(env, 'RUN_PROJECTOR');
  if (runProjector !== undefined && !['true', 'false'].includes(runProjector)) {
    throw new ConfigError('RUN_PROJECTOR', `must be true or false (got "${runProjector}")`);
  }
  return {
    mode,
    databaseUrl,
    eventStoreConnectionString,
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir),
    embeddedPostgresPort: integer(env, 'EMBEDDED_PG_PORT', 54329, 1, 65535),
    host: text(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 3000, 0, 65535),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    databaseConnectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 1_000, 100, 60_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1_024, 104_857_600),
    jwtSecret,
    jwtPublicKey: jwtPublicKey?.replace(/\\n/g, '\n'),
    jwtIssuer: text(env, 'JWT_ISSUER') ?? 'ka-contracting',
    jwtAudience: text(env, 'JWT_AUDIENCE') ?? 'ka-contracting-api',
    runProjector: runProjector === undefined ? mode === 'embedded' : runProjector === 'true',
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    readyMaxProjectionLagSeconds: integer(env, 'READY_MAX_PROJECTION_LAG_SECONDS', 60, 1, 86_400),
  };
};
