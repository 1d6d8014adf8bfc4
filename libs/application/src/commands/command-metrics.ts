import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/**
 * The command path's counters. Their registry is the process's registry: the API adds its HTTP
 * metrics to it and serves it on /metrics.
 */
@Injectable()
export class CommandMetrics {
  readonly registry = new Registry();

  readonly appends = new Counter({
    name: 'event_store_appends_total',
    help: 'Commands whose events were appended, by aggregate (stream category)',
    labelNames: ['aggregate'] as const,
    registers: [this.registry],
  });

  readonly conflicts = new Counter({
    name: 'event_store_concurrency_conflicts_total',
    help: 'Appends refused because the stream moved on (retried or answered 412), by aggregate',
    labelNames: ['aggregate'] as const,
    registers: [this.registry],
  });
}
