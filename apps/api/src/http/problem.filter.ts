import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConcurrentModification, StaleRevision } from '#application';
import { BusinessRuleViolation, DomainError, NotFound, NotPermitted } from '#domain';
import {
  AppendTooLarge,
  DuplicateEventIds,
  StreamAlteredOutsideStore,
  EventStoreAccessDenied,
  EventStoreUnavailable,
  StreamDeleted,
  WrongExpectedRevision,
  isConnectionError,
} from '#event-store';
import { PROBLEM_CONTENT_TYPE, ProblemException, problem, type Problem } from './problem';

const domainStatus = (error: DomainError): number =>
  error instanceof NotPermitted
    ? 403
    : error instanceof NotFound
      ? 404
      : error instanceof BusinessRuleViolation
        ? 409
        : 409;

interface ValidationFailure {
  readonly message: string | string[];
}

/** Fastify and Nest report body and header problems with these codes; none of them is a server fault. */
const FASTIFY_CLIENT_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'MALFORMED_BODY'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'MALFORMED_BODY'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'MALFORMED_BODY'],
};

/**
 * The one place errors become HTTP answers: RFC 9457 problem+json, a stable `code`, never a stack.
 * A 500 means a bug, and is logged with its stack here, not sent to the client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<FastifyRequest>();
    const reply = context.getResponse<FastifyReply>();
    sendProblem(error, request, reply, this.logger);
  }
}

export const sendProblem = (error: unknown, request: FastifyRequest, reply: FastifyReply, logger: Logger): void => {
  const [body, headers] = toProblem(error);
  if (body.status >= 500 && body.status !== 503) {
    logger.error(`${request.method} ${request.url} failed`, (error as Error)?.stack ?? String(error));
  }
  void reply
    .status(body.status)
    .headers(headers)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send({ ...body, instance: request.url });
};

const toProblem = (error: unknown): [Problem, Record<string, string>] => {
  if (error instanceof DomainError) {
    return [problem(domainStatus(error), { code: error.code, detail: error.message }), {}];
  }
  if (error instanceof ProblemException) {
    return [problem(error.status, { code: error.code, detail: error.message }), { ...error.headers }];
  }
  if (error instanceof StaleRevision) {
    return [
      problem(412, { code: 'STALE_REVISION', detail: error.message }),
      error.actual === undefined ? {} : { etag: `W/"${error.actual.toString()}"` },
    ];
  }
  if (error instanceof ConcurrentModification) {
    return [problem(409, { code: 'CONCURRENT_MODIFICATION', detail: error.message }), {}];
  }
  if (error instanceof WrongExpectedRevision) {
    // Reaches here only after the bounded retries ran out under heavy contention.
    return [
      problem(409, { code: 'CONCURRENT_MODIFICATION', detail: 'the resource kept changing; retry the request' }),
      {},
    ];
  }
  if (error instanceof DuplicateEventIds) {
    return [problem(409, { code: 'DUPLICATE_EVENT_IDS', detail: error.message }), {}];
  }
  if (error instanceof StreamAlteredOutsideStore) {
    return [problem(500, { code: 'STREAM_ALTERED_OUTSIDE_STORE', detail: error.message }), {}];
  }
  if (error instanceof StreamDeleted) {
    return [problem(409, { code: 'STREAM_DELETED', detail: error.message }), {}];
  }
  if (error instanceof AppendTooLarge) {
    return [problem(413, { code: 'APPEND_TOO_LARGE', detail: error.message }), {}];
  }
  if (error instanceof EventStoreAccessDenied) {
    return [
      problem(503, {
        code: 'STORE_ACCESS_DENIED',
        detail: 'the event store refuses this service; an operator must act',
      }),
      { 'retry-after': '60' },
    ];
  }
  if (isStoreUnavailable(error)) {
    return [
      problem(503, { code: 'STORE_UNAVAILABLE', detail: 'the database is unavailable; retry later' }),
      { 'retry-after': '1' },
    ];
  }
  // Nest's Fastify adapter wraps Fastify's own errors (body parsing, size) in an HttpException.
  const fastifyError = error instanceof HttpException ? (error.cause ?? error) : error;
  const fastifyCode = (fastifyError as { code?: string })?.code;
  if (fastifyCode && FASTIFY_CLIENT_ERRORS[fastifyCode]) {
    const [status, code] = FASTIFY_CLIENT_ERRORS[fastifyCode];
    return [problem(status, { code, detail: (fastifyError as Error).message }), {}];
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse() as ValidationFailure | string;
    if (status === 400 && typeof response === 'object' && Array.isArray(response.message)) {
      return [
        problem(400, {
          code: 'VALIDATION_FAILED',
          detail: 'the request is not valid; see errors',
          errors: groupValidationMessages(response.message),
        }),
        {},
      ];
    }
    const detail = typeof response === 'string' ? response : [response.message].flat().join('; ');
    return [problem(status, { code: codeForStatus(status), detail }), {}];
  }
  const statusCode = (error as { statusCode?: number })?.statusCode;
  if (error instanceof SyntaxError || (statusCode !== undefined && statusCode >= 400 && statusCode < 500)) {
    return [problem(statusCode ?? 400, { code: 'MALFORMED_BODY', detail: 'the request body is not valid JSON' }), {}];
  }
  return [problem(500, { code: 'INTERNAL_ERROR', detail: 'an unexpected error occurred; it has been logged' }), {}];
};

/** The event store said so, or PostgreSQL could not be reached (read models, idempotency keys), at any depth of causes. */
const isStoreUnavailable = (error: unknown): boolean => {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if (cause instanceof EventStoreUnavailable || isConnectionError(cause)) return true;
  }
  return false;
};

const codeForStatus = (status: number): string =>
  ({
    400: 'BAD_REQUEST',
    401: 'UNAUTHENTICATED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    413: 'BODY_TOO_LARGE',
  })[status] ?? `HTTP_${status}`;

/** class-validator messages start with the property path ("data.amountMinor must be ..."). */
const groupValidationMessages = (messages: string[]): { field: string; messages: string[] }[] => {
  const byField = new Map<string, string[]>();
  for (const message of messages) {
    const field = /^property (\S+) should not exist$/.exec(message)?.[1] ?? message.split(' ')[0] ?? '';
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  return [...byField].map(([field, fieldMessages]) => ({ field, messages: fieldMessages }));
};
