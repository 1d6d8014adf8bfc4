import type { OutgoingHttpHeaders } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { Metrics } from '../observability/metrics';
import { AuditLog, readAhead, type LogSelection } from './audit-log';
import type { ExportRow } from '#event-store';
import { FORMATS, pumpExport, type ExportFormat } from './export-format';

const EXPORT_PAGE = 1_000;

@Injectable()
export class AuditExport {
  private readonly logger = new Logger('AuditExport');
  private readonly exported: Counter<'format'>;
  private readonly inFlight: Gauge;

  constructor(
    private readonly log: AuditLog,
    metrics: Metrics,
  ) {
    this.exported = new Counter({
      name: 'audit_export_events_total',
      help: 'Events written by audit exports, by format',
      labelNames: ['format'] as const,
      registers: [metrics.registry],
    });
    this.inFlight = new Gauge({
      name: 'audit_exports_in_flight',
      help: 'Audit exports currently streaming',
      registers: [metrics.registry],
    });
  }

  /**
   * Streams the export onto the raw response. The first page is read before anything is sent, so a
   * store that is down still gets a problem+json answer; a failure after that can only cut the
   * response short, which the client sees as an incomplete chunked body.
   */
  async send(
    selection: LogSelection,
    format: ExportFormat,
    reply: FastifyReply,
    neutraliseFormulas = true,
  ): Promise<void> {
    const scan = await this.log.open(selection);
    const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
    const headers: OutgoingHttpHeaders = {
      // Headers set earlier in the request (X-Correlation-Id) go out with the hijacked response too.
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': FORMATS[format].contentType,
      'content-disposition': `attachment; filename="audit-events-${stamp}.${format}"`,
      'cache-control': 'no-store',
      'x-event-position': scan.through.toString(),
    };
    // Node discards a HEAD response's body without ever refusing a write: reading the log for it
    // would run through the whole selection at full speed for nothing.
    if (reply.request.method === 'HEAD') {
      reply.hijack();
      reply.raw.writeHead(200, headers).end();
      return;
    }
    const pages = readAhead(scan.rows.pages(EXPORT_PAGE));
    const first = await pages.next();
    reply.hijack();
    const raw = reply.raw;
    const aborted = new AbortController();
    raw.once('close', () => {
      if (!raw.writableFinished) aborted.abort();
    });
    raw.writeHead(200, headers);
    async function* all(): AsyncGenerator<readonly ExportRow[]> {
      if (first.done) return;
      yield first.value;
      yield* pages;
    }
    this.inFlight.inc();
    try {
      await pumpExport(all(), scan.rows.matches, format, raw, aborted.signal, {
        neutraliseFormulas,
        onWritten: (events) => this.exported.inc({ format }, events),
      });
      if (!aborted.signal.aborted) raw.end();
    } catch (error) {
      if (!aborted.signal.aborted) {
        this.logger.error('audit export failed while streaming', (error as Error)?.stack ?? String(error));
      }
      raw.destroy();
    } finally {
      await pages.return(undefined);
      this.inFlight.dec();
    }
  }
}
