import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult, type HealthIndicatorResult } from '@nestjs/terminus';
import { ProjectionLagService } from '#application';
import { isConnectionError, type EventStore } from '#event-store';
import type { Pool } from 'pg';
import { Public } from '../http/auth.guard';
import { ProblemException } from '../http/problem';
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
  async ready() {
    try {
      return await this.checkAll();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Terminus puts the reasons in its own body, which the problem filter would drop: name each one.
      const failed = (error.getResponse() as HealthCheckResult).error ?? {};
      const reasons = Object.entries(failed).map(([key, result]) => `${key}: ${String(result?.['message'] ?? 'down')}`);
      throw new ProblemException(503, 'NOT_READY', reasons.join('; '), { 'retry-after': '1' });
    }
  }

  private checkAll() {
    return this.health.check([
      ...(this.runtime.embeddedPostgres ? [() => this.check('embeddedPostgres', () => this.embeddedServerUp())] : []),
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

  /** Says whether the supervisor is restarting the embedded server, or gave up, and why. */
  private async embeddedServerUp(): Promise<void> {
    const { status, restarts, lastExit } = this.runtime.embeddedPostgres!.state();
    if (status === 'running') return;
    throw new Error(
      `embedded PostgreSQL is ${status === 'failed' ? 'down: restarts gave up' : status}` +
        `${lastExit ? ` after its server process exited (${lastExit})` : ''}; ${restarts} restart(s) so far`,
    );
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
      const message = (error as Error).message;
      return {
        [key]: { status: 'down', message: isConnectionError(error) ? `PostgreSQL unreachable: ${message}` : message },
      };
    }
  }
}
