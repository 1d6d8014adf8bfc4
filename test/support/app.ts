import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Pool } from 'pg';
import request from 'supertest';
import type { Role } from '#domain';
import type { EventStore, RecordedEvent } from '#event-store';
import { loadConfig, openRuntime, type Runtime } from '#runtime';
import { createApp } from '../../apps/api/src/create-app';
import { mintToken } from '../../apps/api/src/http/tokens';
import { createTestDatabase, serverUrl } from './postgres';
import { closes, starts } from './resources';

export interface TestApp {
  readonly app: NestFastifyApplication;
  /** supertest agent bound to the real HTTP server listening on 127.0.0.1. */
  readonly http: ReturnType<typeof request>;
  readonly baseUrl: string;
  readonly pool: Pool;
  readonly eventStore: EventStore;
  /** A bearer header value for a user with these roles. */
  as(userId: string, ...roles: Role[]): Promise<string>;
  /** Every event of a stream, for asserting that a refused command appended nothing. */
  stream(streamId: string): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

/**
 * The real application over real HTTP, on a fresh database of the PostgreSQL server (postgres mode),
 * so end-to-end specs exercise exactly what production runs.
 */
export const startTestApp = (env: Record<string, string> = {}): Promise<TestApp> => starts(openTestApp(env));

const openTestApp = async (env: Record<string, string>): Promise<TestApp> => {
  const database = await createTestDatabase(serverUrl(), 5);
  await database.pool.end();
  const secret = randomBytes(32).toString('hex');
  const config = loadConfig({
    DATABASE_URL: database.url,
    JWT_SECRET: secret,
    PORT: '0',
    LOG_LEVEL: 'silent',
    // Test suites share a loaded machine where opening a connection can take over a second; they
    // test answers, not the production bound on waiting for one (test/database-loss does that).
    DATABASE_CONNECT_TIMEOUT_MS: '10000',
    ...env,
  });
  let runtime: Runtime | undefined;
  let app: NestFastifyApplication | undefined;
  // One close for every stage a start can reach, so a start that fails half-way leaves nothing open.
  const close = closes(async () => {
    try {
      await (app ? app.close() : runtime?.close());
    } finally {
      await database.drop();
    }
  });
  try {
    runtime = await openRuntime(config);
    app = await createApp(runtime);
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await close();
    throw error;
  }
  const baseUrl = await app.getUrl();
  const { pool, eventStore } = runtime;
  return {
    app,
    http: request(baseUrl),
    baseUrl,
    pool,
    eventStore,
    as: async (userId, ...roles) =>
      `Bearer ${await mintToken({ secret, issuer: config.jwtIssuer, audience: config.jwtAudience, userId, roles })}`,
    stream: (streamId) => eventStore.readStream(streamId),
    close,
  };
};
