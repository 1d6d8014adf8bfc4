import { createHash } from 'node:crypto';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { from, of, switchMap, type Observable } from 'rxjs';
import { commandIdFor, type WriteResult } from '#application';
import { canonicalJson } from '#event-store';
import { PG_POOL } from '../infrastructure/tokens';
import { ProblemException } from './problem';
import { etagOf, idempotencyKeyOf } from './write-context';

export interface WriteResponse {
  readonly id: string;
  readonly revision: string;
  readonly position: string | null;
  readonly events: readonly string[];
}

interface StoredResponse {
  request_hash: string;
  status: number;
  body: WriteResponse;
  headers: Record<string, string>;
}

const requestHash = (request: FastifyRequest): string =>
  createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');

/**
 * Turns a WriteResult into the response: body, ETag, X-Event-Position and, for creations, Location.
 * With an Idempotency-Key the first response is kept and replayed for retries of the same request;
 * the same key on a different request is refused. (The command executor separately recognises a
 * command whose events were recorded but whose response was never kept, e.g. after a crash.)
 */
@Injectable()
export class WriteInterceptor implements NestInterceptor {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = idempotencyKeyOf(request);
    if (key === undefined || !request.actor)
      return next.handle().pipe(switchMap((result) => of(this.respond(reply, request, result))));
    const commandId = commandIdFor(request.actor.userId, key);
    const hash = requestHash(request);
    return from(
      this.pool.query<StoredResponse>(
        'SELECT request_hash, status, body, headers FROM idempotent_responses WHERE command_id = $1',
        [commandId],
      ),
    ).pipe(
      switchMap(({ rows }) => {
        const stored = rows[0];
        if (stored) {
          if (stored.request_hash !== hash) {
            throw new ProblemException(
              422,
              'IDEMPOTENCY_KEY_REUSED',
              'this Idempotency-Key was used for a different request',
            );
          }
          void reply.status(stored.status).headers({ ...stored.headers, 'idempotent-replayed': 'true' });
          return of(stored.body);
        }
        return next.handle().pipe(
          switchMap((result: WriteResult) => {
            const body = this.respond(reply, request, result);
            const headers = Object.fromEntries(
              ['etag', 'x-event-position', 'location'].flatMap((name) => {
                const value = reply.getHeader(name);
                return value === undefined ? [] : [[name, String(value)]];
              }),
            );
            return from(
              this.pool
                .query(
                  `INSERT INTO idempotent_responses (command_id, request_hash, status, body, headers)
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT (command_id) DO NOTHING`,
                  [commandId, hash, reply.statusCode, body, headers],
                )
                .then(() => body),
            );
          }),
        );
      }),
    );
  }

  private respond(reply: FastifyReply, request: FastifyRequest, result: WriteResult): WriteResponse {
    void reply.header('etag', etagOf(result.revision));
    if (result.position !== undefined) void reply.header('x-event-position', result.position.toString());
    if (reply.statusCode === 201)
      void reply.header('location', `${request.url.replace(/\/$/, '')}/${encodeURIComponent(result.id)}`);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return {
      id: result.id,
      revision: result.revision.toString(),
      position: result.position?.toString() ?? null,
      events: result.events,
    };
  }
}
