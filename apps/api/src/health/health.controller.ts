import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ProjectionLagService } from '#application';
import type { EventStore } from '#event-store';
import type { Pool } from 'pg';
import { Public } from '../http/auth.guard';
import { EVENT_STORE, PG_POOL, RUNTIME } from '../infrastructure/tokens';
import type { Runtime } from '#runtime';

@ApiTags('health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly projectionLag: ProjectionLagService,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({
    description: 'up',
    schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'The database and the event store answer, and the read models are not too far behind' })
  ready() {
    return this.health.check([
      () => this.check('database', () => this.pool.query('SELECT 1')),
      () => this.check('eventStore', () => this.eventStoreAnswers()),
      () => this.check('projections', () => this.projectionsWithinBound()),
    ]);
  }

  /** A permanent failure (a subscription refused access, say) keeps the store down until an operator acts. */
  private async eventStoreAnswers(): Promise<void> {
    const failure = this.eventStore.permanentFailure?.();
    if (failure !== undefined) throw new Error(failure);
    await this.eventStore.headPosition();
  }

  private async projectionsWithinBound(): Promise<void> {
    const limit = this.runtime.config.readyMaxProjectionLagSeconds;
    const behind = (await this.projectionLag.lag()).filter((projection) => projection.secondsBehind > limit);
    if (behind.length > 0) {
      throw new Error(
        `behind by more than ${limit} s: ${behind.map((p) => `${p.name} ${p.secondsBehind.toFixed(1)} s`).join(', ')}`,
      );
    }
  }

  private async check(key: string, probe: () => Promise<unknown>): Promise<HealthIndicatorResult> {
    try {
      await probe();
      return { [key]: { status: 'up' } };
    } catch (error) {
      return { [key]: { status: 'down', message: (error as Error).message } };
    }
  }
}
