import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemException, problem } from './problem';
import { sendProblem } from './problem.filter';

/**
 * Errors Fastify answers before a route runs (a path parameter over its length limit, a URL that
 * does not decode), routed to the same problem+json answer as everything else.
 */
export const frameworkErrorHandler =
  (logger: Logger) =>
  (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void => {
    const mapped =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new ProblemException(414, 'URI_TOO_LONG', 'a path segment is longer than this API accepts')
        : error.code === 'FST_ERR_BAD_URL'
          ? new ProblemException(400, 'BAD_URL', 'the URL does not decode (invalid percent-encoding)')
          : error;
    sendProblem(mapped, request, reply, logger);
  };

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'the request line and headers exceed the size this server reads'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'the request was not received in time'],
};

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (headers or URL over the size
 * limit, a malformed request line); Fastify's default answer is plain JSON, so this writes problem+json.
 */
export const clientErrorHandler = (error: Error & { code?: string }, socket: Socket): void => {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [
    400,
    'BAD_REQUEST',
    'the request is not valid HTTP/1.1',
  ];
  const body = JSON.stringify(problem(status, { code, detail }));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
};
