import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  isSpanContextValid,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { EventStore } from '#event-store';
import { ConfigError } from './config';

/**
 * The one place that speaks OpenTelemetry. Everything here is a no-op until tracing is started: the
 * SDK is not even loaded, and every helper returns after one boolean check, so the command path and
 * the projector pay nothing when tracing is off (bench/tracing.ts measures it).
 */

export type TracesExporter = 'otlp' | 'console';

type Env = Readonly<Record<string, string | undefined>>;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Which exporters the standard OTEL_* variables ask for; empty means tracing stays off. Unlike the
 * SDK's own default, an unset OTEL_TRACES_EXPORTER means off unless an OTLP endpoint is given, so a
 * process never tries to reach a collector nobody configured.
 */
export const tracesExporters = (env: Env): TracesExporter[] => {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return [];
  const named = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const endpoint = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
  const exporters: TracesExporter[] = named.length === 0 && endpoint ? ['otlp'] : [];
  for (const name of named) {
    if (name === 'none') continue;
    if (name !== 'otlp' && name !== 'console') {
      throw new ConfigError('OTEL_TRACES_EXPORTER', `must list otlp, console or none (got "${name}")`);
    }
    if (!exporters.includes(name)) exporters.push(name);
  }
  if (named.includes('none') && exporters.length > 0) {
    throw new ConfigError('OTEL_TRACES_EXPORTER', 'cannot combine none with an exporter');
  }
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (exporters.includes('otlp') && protocol && protocol !== 'http/protobuf') {
    throw new ConfigError(
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      `must be http/protobuf, the one this build exports (got "${protocol}")`,
    );
  }
  return exporters;
};

interface Started {
  readonly flush: () => Promise<void>;
  readonly shutdown: () => Promise<void>;
}

let started: Started | undefined;

/** Whether spans are recorded in this process. */
export const tracingEnabled = (): boolean => started !== undefined;

// Loaded only when tracing starts: the SDK and the exporter take hundreds of milliseconds to load.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load has to be synchronous here
const loadSdk = (): typeof import('./tracing-sdk') => require('./tracing-sdk') as typeof import('./tracing-sdk');

/**
 * Starts tracing if the OTEL_* variables ask for it (see tracesExporters), before anything traced
 * runs. OTEL_SERVICE_NAME overrides `serviceName`; the exporter reads its own OTEL_EXPORTER_OTLP_*
 * variables (endpoint, headers, timeout) and the batch processor OTEL_BSP_*.
 */
export const startTracing = (serviceName: string, env: Env = process.env): boolean => {
  const exporters = tracesExporters(env);
  if (exporters.length === 0 || started !== undefined) return started !== undefined;
  started = loadSdk().registerTracing(serviceName, loadSdk().processorsFor(exporters));
  return true;
};

/** Starts tracing into the given processors (tests: an in-memory exporter). */
export const startTracingWith = (serviceName: string, processors: SpanProcessor[]): void => {
  if (started !== undefined) throw new Error('tracing is already started');
  started = loadSdk().registerTracing(serviceName, processors);
};

/** Exports the spans still buffered; call before the process exits. */
export const flushTracing = async (): Promise<void> => {
  await started?.flush();
};

/** Flushes and unregisters the SDK, so tracing is off again. */
export const stopTracing = async (): Promise<void> => {
  const stopping = started;
  started = undefined;
  await stopping?.shutdown();
};

const tracer = () => trace.getTracer('ka-contracting');

export interface SpanOptions {
  readonly kind?: SpanKind;
  /** Overrides the active context as the parent (a remote one read from an event). */
  readonly parent?: Context;
  readonly links?: Link[];
}

/**
 * Runs `work` inside a span that is the active context for everything it awaits, and ends it when
 * `work` settles; a throw marks the span as failed. Without tracing it just runs `work`.
 */
export const inSpan = <T>(
  name: string,
  attributes: () => Attributes,
  work: () => Promise<T>,
  options?: SpanOptions,
): Promise<T> => {
  if (started === undefined) return work();
  return tracer().startActiveSpan(
    name,
    { kind: options?.kind ?? SpanKind.INTERNAL, attributes: attributes(), links: options?.links ?? [] },
    options?.parent ?? context.active(),
    async (span) => {
      try {
        return await work();
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
};

const failed = (span: Span, error: unknown): void => {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
};

/** The active span as a W3C traceparent, to store in an event's metadata; undefined when not traced. */
export const activeTraceparent = (): string | undefined => {
  if (started === undefined) return undefined;
  const span = trace.getSpanContext(context.active());
  if (span === undefined || !isSpanContextValid(span)) return undefined;
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0')}`;
};

/** The span a stored traceparent names, as a remote span context; undefined for anything malformed. */
export const spanContextOf = (traceparent: unknown): SpanContext | undefined => {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent);
  if (match === null || match[1] === 'ff') return undefined;
  const span: SpanContext = {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: Number.parseInt(match[4]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(span) ? span : undefined;
};

/** A context whose parent is the span a stored traceparent names, or undefined. */
export const contextOf = (traceparent: unknown): Context | undefined => {
  const span = spanContextOf(traceparent);
  return span === undefined ? undefined : trace.setSpanContext(ROOT_CONTEXT, span);
};

/** Links to the distinct spans that recorded these events (capped: a batch can hold thousands). */
export const linksTo = (traceparents: Iterable<unknown>, max = 64): Link[] => {
  const links = new Map<string, Link>();
  for (const traceparent of traceparents) {
    if (links.size >= max) break;
    const span = spanContextOf(traceparent);
    if (span !== undefined && !links.has(traceparent as string)) links.set(traceparent as string, { context: span });
  }
  return [...links.values()];
};

/**
 * Where work done for linked spans starts: as a child of the one trace they all belong to, or as a
 * new trace when they span several (or none), never inside whatever context happens to be active.
 */
export const parentOfLinked = (links: readonly Link[]): Context => {
  const first = links[0]?.context;
  if (first === undefined || links.some((link) => link.context.traceId !== first.traceId)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, first);
};

/** The active span as a link, for work that continues another trace but was started from this one. */
export const linkToActive = (): Link[] => {
  const span = trace.getSpanContext(context.active());
  return span !== undefined && isSpanContextValid(span) ? [{ context: span }] : [];
};

export interface RequestSpan {
  /** Runs the rest of the request with its span active. */
  readonly enter: (next: () => void) => void;
  readonly end: (route: string | undefined, status: number) => void;
}

/**
 * A server span for one HTTP request, continuing the caller's trace from its traceparent header.
 * Undefined when tracing is off.
 */
export const startRequestSpan = (
  method: string,
  url: string,
  headers: Readonly<Record<string, unknown>>,
): RequestSpan | undefined => {
  if (started === undefined) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer().startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': url.split('?')[0] } },
    parent,
  );
  const active = trace.setSpan(parent, span);
  return {
    enter: (next) => context.with(active, next),
    end: (route, status) => {
      if (route !== undefined) {
        span.updateName(`${method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
};

/** The reads traced, each with the attribute its first argument is recorded under. */
const TRACED_READS: ReadonlyMap<string | symbol, string | null> = new Map([
  ['readStream', 'ka.stream_id'],
  ['readAll', null],
  ['findEvent', 'ka.event_id'],
]);

/**
 * The store with a client span around each append and read the application makes. Returned as is
 * when tracing is off. Subscriptions are not wrapped: the projector traces its batches instead.
 */
export const traceEventStore = <S extends EventStore>(store: S, system: string): S => {
  if (started === undefined) return store;
  const span = (operation: string, attributes: Attributes, work: () => Promise<unknown>) =>
    inSpan(
      `event-store ${operation}`,
      () => ({ 'db.system.name': system, 'db.operation.name': operation, ...attributes }),
      work,
      {
        kind: SpanKind.CLIENT,
      },
    );
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'append') {
        return (streamId: string, events: readonly unknown[], expected: unknown) =>
          span('append', { 'ka.stream_id': streamId, 'ka.event_count': events.length }, () =>
            (value as (...args: unknown[]) => Promise<unknown>).call(target, streamId, events, expected),
          );
      }
      const read = TRACED_READS.get(property);
      if (read !== undefined) {
        return (...args: unknown[]) =>
          span(property as string, read !== null && typeof args[0] === 'string' ? { [read]: args[0] } : {}, () =>
            (value as (...args: unknown[]) => Promise<unknown>).apply(target, args),
          );
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
};
