import type { FastifyInstance, FastifyRequest } from 'fastify';
import { startRequestSpan, tracingEnabled, type RequestSpan } from '#runtime';

/**
 * A server span per request, active from the route's preHandler on (after the body is read, whose
 * stream callbacks would lose it) so the command, the event store calls and the events' stored
 * trace context all belong to it. Registers nothing when tracing is off.
 */
export const traceRequests = (fastify: FastifyInstance): void => {
  if (!tracingEnabled()) return;
  const spans = new WeakMap<FastifyRequest, RequestSpan>();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const span = startRequestSpan(request.method, request.url, request.headers);
    if (span !== undefined) spans.set(request, span);
    done();
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span === undefined) return done();
    span.enter(done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    spans.get(request)?.end(request.routeOptions.url, reply.statusCode);
    spans.delete(request);
    done();
  });
};
