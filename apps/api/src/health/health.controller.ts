import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { EventStore } from '#event-store';
import type { Pool } from 'pg';
import { Public } from '../http/auth.guard';
import { EVENT_STORE, PG_POOL } from '../infrastructure/tokens';

@ApiTags('health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'The database and the event store answer' })
  ready() {
    return this.health.check([
      () => this.check('database', () => this.pool.query('SELECT 1')),
      () => this.check('eventStore', () => this.eventStore.headPosition()),
    ]);
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
