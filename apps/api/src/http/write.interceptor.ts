import { createHash } from 'node:crypto';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { WriteResult } from '#application';
import { canonicalJson } from '#event-store';
import { PG_POOL } from '../infrastructure/tokens';
import { ProblemException } from './problem';
import { etagOf, writeContextOf } from './write-context';

export interface WriteResponse {
  readonly id: string;
  readonly revision: string;
  readonly position: string | null;
  readonly events: readonly string[];
}

interface KeyRow {
  request_hash: string;
  status: number | null;
  body: WriteResponse | null;
  headers: Record<string, string> | null;
  lease_expired: boolean;
}

/** How long a reservation stands without an answer before another request may take it over (its process died). */
const LEASE_SECONDS = 10;
/** How long a duplicate waits for the first request's answer before it is told to come back. */
const WAIT_MS = 2_000;
const POLL_MS = 20;

const requestHash = (request: FastifyRequest): string =>
  createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');

const keyReused = () =>
  new ProblemException(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Turns a WriteResult into the response: body, ETag, X-Event-Position and, for creations, Location.
 * An Idempotency-Key is reserved (one row, INSERT ... ON CONFLICT) before the command runs, with a
 * fingerprint of the request: a duplicate waits for the first answer and gets it, a different request
 * under the same key gets 422 and records nothing, whether it arrives during or after the first.
 * A reservation whose process died is taken over once its lease ends; the retry then runs the
 * command again, and the executor answers it from the events the first run recorded.
 */
@Injectable()
export class WriteInterceptor implements NestInterceptor {
  /** Requests of this process still running under a key, so a local duplicate waits without polling. */
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const write = writeContextOf(request);
    const run = async () => this.respond(reply, request, await lastValueFrom<WriteResult>(next.handle()));
    if (write.idempotencyKey === undefined) return from(run());
    return from(this.once(write.commandId, requestHash(request), reply, run));
  }

  private async once(
    commandId: string,
    hash: string,
    reply: FastifyReply,
    run: () => Promise<WriteResponse>,
  ): Promise<WriteResponse> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      if (await this.reserve(commandId, hash)) return this.runReserved(commandId, reply, run);
      const row = await this.lookup(commandId);
      // Released by a first request that failed: this one may run it.
      if (row === undefined) continue;
      if (row.request_hash !== hash) throw keyReused();
      if (row.status !== null) {
        void reply.status(row.status).headers({ ...row.headers, 'idempotent-replayed': 'true' });
        return row.body!;
      }
      if (row.lease_expired && (await this.takeOver(commandId))) return this.runReserved(commandId, reply, run);
      if (Date.now() >= deadline) {
        throw new ProblemException(
          409,
          'IDEMPOTENCY_IN_PROGRESS',
          'a request with this Idempotency-Key is still running; retry after a moment',
          { 'retry-after': '1' },
        );
      }
      const local = this.running.get(commandId);
      await (local ? Promise.race([local.catch(() => undefined), sleep(deadline - Date.now())]) : sleep(POLL_MS));
    }
  }

  private async runReserved(commandId: string, reply: FastifyReply, run: () => Promise<WriteResponse>) {
    const running = run();
    this.running.set(commandId, running);
    try {
      const body = await running;
      const headers = Object.fromEntries(
        ['etag', 'x-event-position', 'location'].flatMap((name) => {
          const value = reply.getHeader(name);
          return value === undefined ? [] : [[name, String(value)]];
        }),
      );
      await this.pool.query(
        `UPDATE idempotent_responses SET status = $2, body = $3, headers = $4, leased_until = NULL
         WHERE command_id = $1`,
        [commandId, reply.statusCode, body, headers],
      );
      return body;
    } catch (error) {
      // Nothing to replay: a retry runs the command again (and finds whatever it recorded).
      await this.pool
        .query('DELETE FROM idempotent_responses WHERE command_id = $1 AND status IS NULL', [commandId])
        .catch(() => undefined);
      throw error;
    } finally {
      this.running.delete(commandId);
    }
  }

  private async reserve(commandId: string, hash: string): Promise<boolean> {
    const { rowCount } = await this.pool.query({
      name: 'idempotency_reserve',
      text: `INSERT INTO idempotent_responses (command_id, request_hash, leased_until)
             VALUES ($1, $2, now() + make_interval(secs => $3))
             ON CONFLICT (command_id) DO NOTHING`,
      values: [commandId, hash, LEASE_SECONDS],
    });
    return rowCount === 1;
  }

  private async lookup(commandId: string): Promise<KeyRow | undefined> {
    const { rows } = await this.pool.query<KeyRow>({
      name: 'idempotency_lookup',
      text: `SELECT request_hash, status, body, headers, coalesce(leased_until < now(), false) AS lease_expired
             FROM idempotent_responses WHERE command_id = $1`,
      values: [commandId],
    });
    return rows[0];
  }

  private async takeOver(commandId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE idempotent_responses SET leased_until = now() + make_interval(secs => $2)
       WHERE command_id = $1 AND status IS NULL AND leased_until < now()`,
      [commandId, LEASE_SECONDS],
    );
    return rowCount === 1;
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
