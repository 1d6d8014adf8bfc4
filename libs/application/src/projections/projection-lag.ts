import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventStore } from '#event-store';
import { projectionLag, type ProjectionLag } from '#read-models';
import { EVENT_STORE, PG_POOL } from '../infrastructure/tokens';

/**
 * Positions and seconds behind for every projection and reactor, read from the checkpoints table,
 * so a replica that does not run the projector reports the same as one that does (health, metrics).
 */
@Injectable()
export class ProjectionLagService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  lag(): Promise<ProjectionLag[]> {
    return projectionLag(this.pool, this.store);
  }
}
