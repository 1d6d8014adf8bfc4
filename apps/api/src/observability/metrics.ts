import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import { CommandMetrics } from '#application';
import type { ProjectionLag, RunnerStatus } from '#read-models';

/**
 * One registry per application instance, so several apps in one process (tests) never share
 * counters; the command path's counters are registered there too.
 */
@Injectable()
export class Metrics {
  readonly registry = this.commands.registry;

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(private readonly commands: CommandMetrics) {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Projection lag is read from the checkpoints at scrape time, so every replica reports it; the
   * applied counters come from the runners of this process (their ratio is the mean batch size).
   */
  trackProjections(lag: () => Promise<ProjectionLag[]>, statuses: () => RunnerStatus[]): void {
    new Gauge({
      name: 'projection_lag_seconds',
      help: 'Age of the oldest event a projection has not applied yet (0 when caught up)',
      labelNames: ['projection'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const projection of await lag()) this.set({ projection: projection.name }, projection.secondsBehind);
      },
    });
    const applied = (name: string, help: string, field: 'eventsApplied' | 'batchesApplied') =>
      new Gauge({
        name,
        help,
        labelNames: ['projection'] as const,
        registers: [this.registry],
        collect() {
          for (const status of statuses()) this.set({ projection: status.name }, status[field]);
        },
      });
    applied(
      'projection_events_applied',
      'Events applied by the runners of this process since it started',
      'eventsApplied',
    );
    applied(
      'projection_batches_applied',
      'Batches (transactions) committed by the runners of this process',
      'batchesApplied',
    );
  }

  /** Times every request by its route pattern (not its URL, which would explode the label set). */
  instrument(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request, reply) => {
      this.httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
  }
}
