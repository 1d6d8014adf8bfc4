import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
  }
}

const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes X-Correlation-Id from the caller (or makes one), echoes it, and stores it on every event written. */
export const registerCorrelationId = (fastify: FastifyInstance): void => {
  fastify.decorateRequest('correlationId', '');
  fastify.addHook('onRequest', async (request, reply) => {
    const given = request.headers['x-correlation-id'];
    request.correlationId = typeof given === 'string' && ACCEPTED.test(given) ? given : randomUUID();
    void reply.header('x-correlation-id', request.correlationId);
  });
};
