import { createHash, randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '#domain';
import { ProblemException } from './problem';

/** Everything about a write that comes from the request rather than its body. */
export interface WriteContext {
  readonly actor: Actor;
  /** Stored on every event the command produces; an Idempotency-Key maps to the same id on every retry. */
  readonly commandId: string;
  readonly idempotencyKey: string | undefined;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  /** From If-Match: the stream revision the client last saw. */
  readonly expectedRevision: bigint | undefined;
}

const COMMAND_ID_NAMESPACE = Buffer.from('6f1c2d4e8a9b4c3d9e0f1a2b3c4d5e6f', 'hex');

/** RFC 9562 version 5 UUID: the same user and key always give the same command id. */
export const commandIdFor = (userId: string, idempotencyKey: string): string => {
  const bytes = createHash('sha1')
    .update(COMMAND_ID_NAMESPACE)
    .update(`${userId}\n${idempotencyKey}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

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

export const writeContextOf = (request: FastifyRequest): WriteContext => {
  const actor = request.actor;
  if (!actor) throw new Error('write context needs an authenticated route');
  const idempotencyKey = idempotencyKeyOf(request);
  return {
    actor,
    commandId: idempotencyKey ? commandIdFor(actor.userId, idempotencyKey) : randomUUID(),
    idempotencyKey,
    correlationId: request.correlationId,
    causationId: undefined,
    expectedRevision: expectedRevisionOf(request),
  };
};

export const Write = createParamDecorator((_: unknown, context: ExecutionContext) =>
  writeContextOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
