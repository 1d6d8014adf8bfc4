import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TracesExporter } from './tracing';

/** The SDK side of tracing.ts, loaded only when tracing starts. */

export const processorsFor = (exporters: readonly TracesExporter[]): SpanProcessor[] =>
  exporters.map((exporter) =>
    exporter === 'otlp'
      ? new BatchSpanProcessor(new OTLPTraceExporter())
      : new SimpleSpanProcessor(new ConsoleSpanExporter()),
  );

/**
 * Registers a tracer provider globally, with the AsyncLocalStorage context manager (so a span stays
 * active across awaits) and the W3C trace-context propagator. OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES override the service name given.
 */
export const registerTracing = (
  serviceName: string,
  spanProcessors: SpanProcessor[],
): { flush: () => Promise<void>; shutdown: () => Promise<void> } => {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': serviceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors });
  provider.register();
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
};
