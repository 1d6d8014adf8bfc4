import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '#domain';
import { ProblemException } from './problem';
import { InvalidToken, type TokenVerifier } from './tokens';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    /** Why the bearer token was refused; the guard answers 401 with it on routes that need a user. */
    tokenProblem?: string;
  }
}

const bearerToken = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() || undefined : undefined;
};

/**
 * Verifies the bearer token in a Fastify hook, before the rate limiter (which counts per user) and
 * before Nest's guard (which decides, per route, whether a user is needed and which roles).
 */
export const registerAuthentication = (fastify: FastifyInstance, verifier: TokenVerifier): void => {
  fastify.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    if (token === undefined) return;
    try {
      request.actor = await verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidToken) {
        request.tokenProblem = error.message;
        return;
      }
      // The identity provider's key set could not be fetched: not the caller's fault, and it may pass.
      throw new ProblemException(503, 'KEYS_UNAVAILABLE', 'the signing keys of the identity provider are unavailable', {
        'retry-after': '5',
      });
    }
  });
};
