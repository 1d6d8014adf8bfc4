import type { Pool, PoolClient } from 'pg';
import { EventStoreUnavailable } from '../event-store';

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
// Class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections).
const CONNECTION_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;

export const isConnectionError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || CONNECTION_SQLSTATE.test(code))) return true;
  // The last one is pg-pool's: no connection became free within connectionTimeoutMillis.
  return /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect/i.test(
    error.message,
  );
};

/** Rethrows connection failures as EventStoreUnavailable so callers can answer 503 and retry. */
export const asStoreError = (error: unknown): unknown =>
  isConnectionError(error) ? new EventStoreUnavailable('PostgreSQL event store unavailable', { cause: error }) : error;

const guarded = new WeakSet<PoolClient>();
const surfacedByTheQuery = (): void => undefined;

/**
 * pool.connect() with an 'error' listener on the client for as long as it lives. pg-pool listens
 * only while a client is idle, and a connection that fails while the client is checked out emits
 * 'error' besides rejecting the query in flight: unheard, that event ends the process.
 */
export const connectGuarded = async (pool: Pool): Promise<PoolClient> => {
  const client = await pool.connect();
  if (!guarded.has(client)) {
    guarded.add(client);
    client.on('error', surfacedByTheQuery);
  }
  return client;
};
