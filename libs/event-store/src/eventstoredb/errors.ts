import {
  CancelledError,
  DeadlineExceededError,
  NotLeaderError,
  TimeoutError,
  UnavailableError,
} from '@eventstore/db-client';
import { EventStoreUnavailable } from '../event-store';

// gRPC status codes. Appends report an unreachable server as a raw gRPC error (code 14), not as
// the client's UnavailableError, so both forms have to be recognised.
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** Failures that say nothing about the request itself: the same call may succeed later. */
export const isConnectionError = (error: unknown): boolean => {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError
  ) {
    return true;
  }
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED;
};

/** Rethrows connection failures as EventStoreUnavailable so callers can answer 503 and retry. */
export const asStoreError = (error: unknown): unknown =>
  isConnectionError(error) ? new EventStoreUnavailable('EventStoreDB unavailable', { cause: error }) : error;
