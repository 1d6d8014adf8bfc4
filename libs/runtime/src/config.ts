import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export type Mode = 'embedded' | 'postgres' | 'eventstoredb';

export interface Config {
  readonly mode: Mode;
  /** PostgreSQL for read models everywhere, and for events outside eventstoredb mode. Unset in embedded mode. */
  readonly databaseUrl: string | undefined;
  /** Always `esdb://` or `esdb+discover://`: a `kurrentdb://` string is translated (see eventStoreUrl). */
  readonly eventStoreConnectionString: string | undefined;
  /** The EventStoreDB server's --max-append-size; larger appends are refused with 413 before they are sent. */
  readonly eventStoreMaxAppendBytes: number;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly host: string;
  readonly port: number;
  readonly databasePoolSize: number;
  /** How long a request waits for a PostgreSQL connection (new or from the pool) before it gets 503. */
  readonly databaseConnectTimeoutMs: number;
  readonly bodyLimitBytes: number;
  /** Longest a client may take to send a whole request (headers and body) before it gets 408. */
  readonly requestTimeoutMs: number;
  /** HS256 secret; in embedded mode a development secret is generated under the data directory. */
  readonly jwtSecret: string | undefined;
  /** PEM public key (RS256/ES256/EdDSA), for tokens minted by an identity provider. */
  readonly jwtPublicKey: string | undefined;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** An identity provider's JWKS endpoint; keys are cached and a new `kid` triggers a refetch. */
  readonly jwtJwksUrl: string | undefined;
  /** Least time between two JWKS fetches caused by unknown `kid`s. */
  readonly jwtJwksCooldownSeconds: number;
  /** Longest `exp - iat` a token may have (without `iat`: `exp - now`). */
  readonly jwtMaxLifetimeSeconds: number;
  /** Tolerance for `exp`, `nbf` and an `iat` in the future. */
  readonly jwtClockSkewSeconds: number;
  readonly rateLimit: RateLimitSettings;
  /** Whether this process also runs the projections (the projector app always does). */
  readonly runProjector: boolean;
  /** How long the link-permission change feed keeps a change before the projector prunes it. */
  readonly linkFeedRetentionDays: number;
  readonly logLevel: LogLevel;
  /** /health/ready reports down when a projection is further behind than this. */
  readonly readyMaxProjectionLagSeconds: number;
  /** PEM Ed25519 private key signing audit checkpoints; in embedded mode one is generated under the data directory. */
  readonly auditSigningKey: string | undefined;
}

/** Requests per window: per token subject, per service subject, per client address without a valid token. */
export interface RateLimitSettings {
  readonly enabled: boolean;
  readonly windowSeconds: number;
  readonly perUser: number;
  readonly perService: number;
  readonly perAddress: number;
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

/** A PEM given inline (NAME, with \n for line breaks) or as a file (NAME_FILE); not both. */
const pemSetting = (env: Env, name: string, cwd: string): string | undefined => {
  const inline = text(env, name);
  const file = text(env, `${name}_FILE`);
  if (inline !== undefined && file !== undefined)
    throw new ConfigError(name, `and ${name}_FILE are exclusive: set one`);
  if (file === undefined) return inline?.replace(/\\n/g, '\n');
  try {
    return readFileSync(isAbsolute(file) ? file : resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new ConfigError(`${name}_FILE`, `cannot be read: ${(error as Error).message}`);
  }
};

const EVENTSTORE_SCHEMES: Record<string, string> = {
  'esdb:': 'esdb:',
  'esdb+discover:': 'esdb+discover:',
  'kurrentdb:': 'esdb:',
  'kurrentdb+discover:': 'esdb+discover:',
  'kurrent:': 'esdb:',
  'kurrent+discover:': 'esdb+discover:',
};

/**
 * KurrentDB (EventStoreDB renamed) speaks the same protocol and takes the same connection string
 * under a new scheme, which @eventstore/db-client 6.2.1 does not parse; it gets the old scheme.
 * Anything but a host list after the scheme (`user:pass@host:port,host:port/?options`) is refused
 * here, in one line, rather than by the client at the first request.
 */
const eventStoreUrl = (env: Env): string | undefined => {
  const name = 'EVENTSTORE_CONNECTION_STRING';
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const match = /^([a-z+]+:)\/\/(.*)$/i.exec(raw);
  const scheme = match === null ? undefined : EVENTSTORE_SCHEMES[match[1]!.toLowerCase()];
  if (match === null || scheme === undefined) {
    throw new ConfigError(
      name,
      'must start with esdb://, esdb+discover:// or kurrentdb:// (e.g. esdb://eventstore:2113?tls=false)',
    );
  }
  const rest = match[2]!;
  if (
    !/^([^@/?]+@)?[^,/?@]+:[0-9]+(,[^,/?@]+:[0-9]+)*\/?(\?.*)?$/.test(rest) &&
    !/^([^@/?]+@)?[^,/?@:]+\/?(\?.*)?$/.test(rest)
  ) {
    throw new ConfigError(name, `must name its node(s) as host:port[,host:port] after the scheme (got "${rest}")`);
  }
  return `${scheme}//${rest}`;
};

/** Reads and validates every setting once, at start-up. */
export const loadConfig = (env: Env = process.env, cwd: string = process.cwd()): Config => {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const eventStoreConnectionString = eventStoreUrl(env);
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
  const jwtJwksUrl = url(env, 'JWT_JWKS_URL', ['https:', 'http:']);
  const keySettings = (
    [
      ['JWT_SECRET', jwtSecret],
      ['JWT_PUBLIC_KEY', jwtPublicKey],
      ['JWT_JWKS_URL', jwtJwksUrl],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (keySettings.length > 1) {
    throw new ConfigError(
      keySettings[1]![0],
      `cannot be combined with ${keySettings[0]![0]}: set one of JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL`,
    );
  }
  if (mode !== 'embedded' && keySettings.length === 0) {
    throw new ConfigError(
      'JWT_SECRET',
      `(or JWT_PUBLIC_KEY, or JWT_JWKS_URL) is required in ${mode} mode (only embedded mode generates a secret)`,
    );
  }
  const rateLimitEnabled = text(env, 'RATE_LIMIT_ENABLED');
  if (rateLimitEnabled !== undefined && !['true', 'false'].includes(rateLimitEnabled)) {
    throw new ConfigError('RATE_LIMIT_ENABLED', `must be true or false (got "${rateLimitEnabled}")`);
  }
  const runProjector = text(env, 'RUN_PROJECTOR');
  if (runProjector !== undefined && !['true', 'false'].includes(runProjector)) {
    throw new ConfigError('RUN_PROJECTOR', `must be true or false (got "${runProjector}")`);
  }
  const auditSigningKey = pemSetting(env, 'AUDIT_SIGNING_KEY', cwd);
  if (auditSigningKey !== undefined && !auditSigningKey.includes('PRIVATE KEY-----')) {
    throw new ConfigError('AUDIT_SIGNING_KEY', 'must be a PEM Ed25519 private key (-----BEGIN PRIVATE KEY-----)');
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
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000),
    eventStoreMaxAppendBytes: integer(env, 'EVENTSTORE_MAX_APPEND_BYTES', 1_048_576, 1_024, 16_777_216),
    jwtSecret,
    jwtPublicKey: jwtPublicKey?.replace(/\\n/g, '\n'),
    jwtIssuer: text(env, 'JWT_ISSUER') ?? 'ka-contracting',
    jwtAudience: text(env, 'JWT_AUDIENCE') ?? 'ka-contracting-api',
    jwtJwksUrl,
    jwtJwksCooldownSeconds: integer(env, 'JWT_JWKS_COOLDOWN_SECONDS', 30, 0, 3_600),
    jwtMaxLifetimeSeconds: integer(env, 'JWT_MAX_LIFETIME_SECONDS', 86_400, 60, 31_536_000),
    jwtClockSkewSeconds: integer(env, 'JWT_CLOCK_SKEW_SECONDS', 60, 0, 600),
    rateLimit: {
      enabled: rateLimitEnabled !== 'false',
      windowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
      perUser: integer(env, 'RATE_LIMIT_PER_USER', 6_000, 1, 100_000_000),
      perService: integer(env, 'RATE_LIMIT_PER_SERVICE', 60_000, 1, 100_000_000),
      perAddress: integer(env, 'RATE_LIMIT_PER_ADDRESS', 1_200, 1, 100_000_000),
    },
    runProjector: runProjector === undefined ? mode === 'embedded' : runProjector === 'true',
    linkFeedRetentionDays: integer(env, 'LINK_FEED_RETENTION_DAYS', 30, 1, 3_650),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    readyMaxProjectionLagSeconds: integer(env, 'READY_MAX_PROJECTION_LAG_SECONDS', 60, 1, 86_400),
    auditSigningKey,
  };
};
