import { randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { commandIdFor, type CommandContext } from '#application';
import { ProblemException } from './problem';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export const idempotencyKeyOf = (request: FastifyRequest): string | undefined => {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw new ProblemException(
      400,
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1 to 255 visible ASCII characters',
    );
  }
  return key;
};

/** If-Match carries the ETag we sent: W/"<revision>". A strong form is accepted too. */
export const expectedRevisionOf = (request: FastifyRequest): bigint | undefined => {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const match = typeof header === 'string' ? /^(?:W\/)?"(0|[1-9][0-9]{0,18})"$/.exec(header.trim()) : null;
  if (!match) throw new ProblemException(400, 'INVALID_IF_MATCH', 'If-Match must be an ETag this API sent, like W/"3"');
  return BigInt(match[1]!);
};

export const etagOf = (revision: bigint): string => `W/"${revision.toString()}"`;

/** A write as HTTP describes it: the transport-free context, and the key that made its command id. */
export interface HttpWrite extends CommandContext {
  readonly idempotencyKey: string | undefined;
}

const WRITE = Symbol('write');

/**
 * The HTTP request mapped onto the context the application layer takes; its headers are parsed
 * once per request, however many parts of the pipeline ask.
 */
export const writeContextOf = (request: FastifyRequest): HttpWrite => {
  const memo = request as FastifyRequest & { [WRITE]?: HttpWrite };
  if (memo[WRITE] !== undefined) return memo[WRITE];
  const actor = request.actor;
  if (!actor) throw new Error('write context needs an authenticated route');
  const idempotencyKey = idempotencyKeyOf(request);
  memo[WRITE] = {
    actor,
    commandId: idempotencyKey ? commandIdFor(actor.userId, idempotencyKey) : randomUUID(),
    idempotencyKey,
    correlationId: request.correlationId,
    causationId: undefined,
    expectedRevision: expectedRevisionOf(request),
  };
  return memo[WRITE];
};

/** The command context of the request; the controller hands it to the application layer. */
export const Write = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => {
  const { idempotencyKey: _key, ...command } = writeContextOf(context.switchToHttp().getRequest<FastifyRequest>());
  return command;
});
