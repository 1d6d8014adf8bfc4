import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { userKey } from '#domain';
import type { RateLimitSettings } from '#runtime';
import { ProblemException } from './problem';

/**
 * Who a request is counted against: the (case-folded) token subject once authenticated, otherwise the
 * client address, so spraying bad or missing tokens is limited too. Service tokens (ad serving's spend
 * reports) have a budget of their own, well above a person's.
 */
const bucketOf = (request: FastifyRequest): string =>
  request.actor ? `user:${userKey(request.actor.userId)}` : `address:${request.ip}`;

const budgetOf = (settings: RateLimitSettings, request: FastifyRequest): number =>
  !request.actor
    ? settings.perAddress
    : request.actor.roles.includes('service')
      ? settings.perService
      : settings.perUser;

/**
 * Fixed-window limits held in this process's memory (each API replica counts on its own). Must be
 * registered after the authentication hook and before the routes, since it hooks each route as it is
 * added. Over the budget: 429 problem+json with Retry-After (seconds until the window ends).
 */
export const registerRateLimit = async (fastify: FastifyInstance, settings: RateLimitSettings): Promise<void> => {
  if (!settings.enabled) return;
  await fastify.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: settings.windowSeconds * 1000,
    keyGenerator: bucketOf,
    max: (request) => budgetOf(settings, request),
    errorResponseBuilder: (_request, context) =>
      new ProblemException(
        429,
        'RATE_LIMITED',
        `more than ${context.max} requests in ${settings.windowSeconds} s; retry in ${context.after}`,
        { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      ),
  });
};
