import { Inject, Injectable, applyDecorators, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { parsePosition, type Position } from '#event-store';
import {
  CampaignServingAnswers,
  CheckpointWatcher,
  LinkPermissionCache,
  migrateReadModels,
  type AtPosition,
} from '#read-models';
import { PG_POOL } from '../infrastructure/tokens';
import { ProblemException } from '../http/problem';

/** How long a query waits for X-Min-Position before it answers 503. */
export const MIN_POSITION_WAIT_MS = 5_000;

/**
 * Read-your-writes for queries: a client passes the X-Event-Position of its command as
 * X-Min-Position and the query answers only once the read model has applied that event. Every
 * answer carries X-Projection-Position, the checkpoint its rows are current up to.
 */
@Injectable()
export class ProjectionReads implements OnModuleInit, BeforeApplicationShutdown {
  private readonly watcher: CheckpointWatcher;
  /** Link checks and serving answers sit on ad serving's hot path: answered from memory, as fresh as a query. */
  readonly linkPermissions: LinkPermissionCache;
  readonly serving: CampaignServingAnswers;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    this.watcher = new CheckpointWatcher(pool);
    this.linkPermissions = new LinkPermissionCache(pool, this.watcher);
    this.serving = new CampaignServingAnswers(pool, this.watcher, this.linkPermissions);
  }

  /** The tables exist before the first query, whether or not a projector has run yet. */
  onModuleInit(): Promise<void> {
    return migrateReadModels(this.pool);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.watcher.close();
  }

  async read<T>(
    projection: string,
    request: FastifyRequest,
    reply: FastifyReply,
    query: (min: Position | undefined) => Promise<AtPosition<T>>,
  ): Promise<AtPosition<T>> {
    const min = minPositionOf(request);
    if (min !== undefined) {
      const reached = await this.watcher.waitFor(projection, min, MIN_POSITION_WAIT_MS);
      if (reached === undefined) {
        const at = await this.watcher.position(projection);
        throw new ProblemException(
          503,
          'PROJECTION_BEHIND',
          `the ${projection} read model has not reached position ${min.toString()} within ${MIN_POSITION_WAIT_MS / 1000} s (it is at ${at.toString()}); retry later`,
          { 'retry-after': '1' },
        );
      }
    }
    const answer = await query(min);
    void reply.header('x-projection-position', answer.position);
    return answer;
  }
}

const minPositionOf = (request: FastifyRequest) => {
  const header = request.headers['x-min-position'];
  if (header === undefined) return undefined;
  const position = typeof header === 'string' ? parsePosition(header.trim()) : undefined;
  if (position === undefined) {
    throw new ProblemException(
      400,
      'INVALID_MIN_POSITION',
      'X-Min-Position must be a position this API sent (the decimal digits of an X-Event-Position header)',
    );
  }
  return position;
};

const PROBLEM = { description: 'problem+json (RFC 9457)', content: { 'application/problem+json': {} } };

/** Documents what every read-model query shares: X-Min-Position in, X-Projection-Position out. */
export const ProjectionQuery = () =>
  applyDecorators(
    ApiHeader({
      name: 'X-Min-Position',
      required: false,
      description: `an X-Event-Position from a command: answer only once the read model includes it (waits up to ${MIN_POSITION_WAIT_MS / 1000} s, then 503 with Retry-After)`,
    }),
    ApiResponse({ status: 400, ...PROBLEM }),
    ApiResponse({ status: 401, ...PROBLEM }),
    ApiResponse({ status: 403, ...PROBLEM }),
    ApiResponse({ status: 503, ...PROBLEM, description: 'the read model did not reach X-Min-Position in time' }),
  );

/** For each route's 200 response. */
export const PROJECTION_POSITION_HEADER = {
  'X-Projection-Position': {
    description: 'the read-model checkpoint the answer is current up to (compare with X-Event-Position)',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};
