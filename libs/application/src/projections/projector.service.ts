import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventStore } from '#event-store';
import {
  ProjectionRunner,
  READ_MODELS,
  Scheduler,
  cascadeReactor,
  pruneLinkPermissionChanges,
  schedulerProjection,
  type Projection,
  type RunnerStatus,
} from '#read-models';
import { inSpan, linksTo, parentOfLinked, tracingEnabled } from '#runtime';
import { EVENT_STORE, PG_POOL } from '../infrastructure/tokens';
import { CascadeCommands } from './cascade-dispatcher';
import { SchedulerCommands } from './scheduler-dispatcher';

export const PROJECTOR_OPTIONS = Symbol('ProjectorOptions');

export interface ProjectorOptions {
  /** Whether this process runs the projections and reactors (each stands by until it holds its lock). */
  readonly run: boolean;
  /** How long the link-permission change feed keeps a change (default 30 days). */
  readonly linkFeedRetentionDays?: number;
}

/** How often a projector prunes the change feed; every replica may, the statement is idempotent. */
const FEED_PRUNE_INTERVAL_MS = 10 * 60_000;

/**
 * Hosts one runner per read model and reactor. Every replica may run it: the advisory locks make
 * exactly one of them active per projection, and a standby takes over when the active one dies.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  private readonly runners: ProjectionRunner[] = [];
  private scheduler: Scheduler | undefined;
  private pruning: NodeJS.Timeout | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTOR_OPTIONS) private readonly options: ProjectorOptions,
    private readonly commands: CascadeCommands,
    private readonly scheduled: SchedulerCommands,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.run) return;
    const projections = [
      ...READ_MODELS,
      cascadeReactor({ store: this.store, dispatch: this.commands.dispatch, logger: this.logger }),
      schedulerProjection,
    ];
    for (const projection of projections.map(traced)) {
      const runner = new ProjectionRunner({ pool: this.pool, store: this.store, projection, logger: this.logger });
      this.runners.push(runner);
      runner.start();
    }
    // Every replica ticks; a transaction-level advisory lock lets one tick fire at a time.
    this.scheduler = new Scheduler({ pool: this.pool, dispatch: this.scheduled.dispatch, logger: this.logger });
    this.scheduler.start();
    this.pruning = setInterval(() => void this.pruneFeed(), FEED_PRUNE_INTERVAL_MS);
    this.pruning.unref();
  }

  /** Drops link-permission changes older than the retention; downstream readers behind them get 410. */
  async pruneFeed(): Promise<void> {
    const retentionSeconds = (this.options.linkFeedRetentionDays ?? 30) * 86_400;
    try {
      const { deleted, prunedThrough } = await pruneLinkPermissionChanges(this.pool, retentionSeconds);
      if (deleted > 0) this.logger.log(`pruned ${deleted} link-permission changes up to position ${prunedThrough}`);
    } catch (error) {
      this.logger.warn(`pruning the link-permission change feed failed (${(error as Error).message}); next try later`);
    }
  }

  /** What the runners in this process have done (empty where RUN_PROJECTOR is false). */
  statuses(): RunnerStatus[] {
    return this.runners.map((runner) => runner.status());
  }

  /** Before the runtime closes the pool: finish the batches in flight and release the locks. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.pruning);
    await this.scheduler?.stop();
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }
}

/**
 * A projection whose batches run in a span linked to the spans that recorded their events (the
 * trace context the executor stores in each event's metadata). A batch of one request's events, the
 * usual case when idle, joins that request's trace as a child span. Unchanged when tracing is off.
 */
const traced = (projection: Projection): Projection => {
  if (!tracingEnabled()) return projection;
  return {
    ...projection,
    applier: () => {
      const apply = projection.applier();
      return (client, events) => {
        const links = linksTo(events.map((event) => event.metadata.traceparent));
        return inSpan(
          `project ${projection.name}`,
          () => ({
            'ka.projection': projection.name,
            'ka.event_count': events.length,
            'ka.position': events[events.length - 1]!.position.toString(),
          }),
          () => apply(client, events),
          { links, parent: parentOfLinked(links) },
        );
      };
    },
  };
};
