import { EventStoreUnavailable } from '../event-store';

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
// Class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections).
const CONNECTION_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;

export const isConnectionError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || CONNECTION_SQLSTATE.test(code))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(error.message);
};

/** Rethrows connection failures as EventStoreUnavailable so callers can answer 503 and retry. */
export const asStoreError = (error: unknown): unknown =>
  isConnectionError(error) ? new EventStoreUnavailable('PostgreSQL event store unavailable', { cause: error }) : error;
