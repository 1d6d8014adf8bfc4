import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
  }
}

const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;
const CORRELATION_ID = Symbol('correlationId');

/**
 * The caller's X-Correlation-Id when it is sane, otherwise a new one; decided once per request, so
 * the request log line, the response header and the stored events all carry the same id.
 */
export const correlationIdFor = (raw: IncomingMessage): string => {
  const memo = raw as IncomingMessage & { [CORRELATION_ID]?: string };
  if (memo[CORRELATION_ID] === undefined) {
    const given = raw.headers['x-correlation-id'];
    memo[CORRELATION_ID] = typeof given === 'string' && ACCEPTED.test(given) ? given : randomUUID();
  }
  return memo[CORRELATION_ID];
};

export const registerCorrelationId = (fastify: FastifyInstance): void => {
  fastify.decorateRequest('correlationId', '');
  fastify.addHook('onRequest', async (request, reply) => {
    request.correlationId = correlationIdFor(request.raw);
    void reply.header('x-correlation-id', request.correlationId);
  });
};

/** One structured line per request, with what an operator searches by. */
export const logRequests = (fastify: FastifyInstance, logger: LoggerService): void => {
  fastify.addHook('onResponse', async (request, reply) => {
    logger.log({
      msg: 'request',
      correlationId: request.correlationId,
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: request.url,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      userId: request.actor?.userId ?? null,
    });
  });
};
