import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
} from '@eventstore/db-client';
import { AppendTooLarge, EventStoreAccessDenied, EventStoreUnavailable, StreamDeleted } from '../event-store';

// gRPC status codes. Appends report an unreachable server as a raw gRPC error (code 14), not as
// the client's UnavailableError, so both forms have to be recognised.
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_UNAVAILABLE = 14;
const GRPC_UNAUTHENTICATED = 16;

const grpcCode = (error: unknown): unknown => (error instanceof Error ? (error as { code?: unknown }).code : undefined);

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
  const code = grpcCode(error);
  return code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED;
};

/**
 * Failures that the same call will meet again until an operator acts: wrong credentials or
 * permissions, a request the server does not understand. Retrying them only hides them.
 */
export const isPermanentError = (error: unknown): boolean => {
  if (error instanceof AccessDeniedError) return true;
  const code = grpcCode(error);
  return (
    code === GRPC_PERMISSION_DENIED ||
    code === GRPC_UNAUTHENTICATED ||
    code === GRPC_INVALID_ARGUMENT ||
    code === GRPC_UNIMPLEMENTED
  );
};

/**
 * The port's errors for the client's: connection failures and unknown server errors become
 * EventStoreUnavailable (503, retry later), a denied access EventStoreAccessDenied (503 too, but
 * for an operator), a tombstoned stream StreamDeleted, an append over the server's maximum
 * AppendTooLarge. Anything else is a bug and stays as it is.
 */
export const asStoreError = (error: unknown, streamId?: string): unknown => {
  if (error instanceof StreamDeletedError) return new StreamDeleted(streamId ?? error.streamName, { cause: error });
  if (error instanceof MaxAppendSizeExceededError) {
    return new AppendTooLarge(streamId ?? '(unknown stream)', Number.NaN, error.maxAppendSize, { cause: error });
  }
  if (error instanceof AccessDeniedError || grpcCode(error) === GRPC_PERMISSION_DENIED) {
    return new EventStoreAccessDenied('EventStoreDB denied access to the configured user', { cause: error });
  }
  if (isConnectionError(error) || error instanceof UnknownError) {
    return new EventStoreUnavailable('EventStoreDB unavailable', { cause: error });
  }
  return error;
};
