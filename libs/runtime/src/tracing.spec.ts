import { ConfigError } from './config';
import { spanContextOf, tracesExporters } from './tracing';

describe('tracesExporters (which OTEL_* settings turn tracing on)', () => {
  it('is off when nothing is set, even though the SDK itself would default to otlp', () => {
    expect(tracesExporters({})).toEqual([]);
  });

  it('turns otlp on for an OTLP endpoint alone', () => {
    expect(tracesExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual(['otlp']);
    expect(tracesExporters({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toEqual([
      'otlp',
    ]);
  });

  it('takes the exporters OTEL_TRACES_EXPORTER lists', () => {
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual(['otlp']);
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: ' Console , otlp,console' })).toEqual(['console', 'otlp']);
  });

  it('stays off for none or OTEL_SDK_DISABLED, whatever else is set', () => {
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual([]);
    expect(tracesExporters({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' })).toEqual([]);
  });

  it('refuses an exporter or protocol this build cannot serve, naming the variable', () => {
    expect(() => tracesExporters({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(ConfigError);
    expect(() => tracesExporters({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() => tracesExporters({ OTEL_TRACES_EXPORTER: 'none,otlp' })).toThrow(ConfigError);
    expect(() =>
      tracesExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(tracesExporters({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).toEqual([
      'otlp',
    ]);
  });
});

describe('spanContextOf (reading a stored traceparent)', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';

  it('reads a W3C traceparent as a remote, sampled span context', () => {
    expect(spanContextOf(`00-${traceId}-${spanId}-01`)).toEqual({ traceId, spanId, traceFlags: 1, isRemote: true });
  });

  it('ignores anything malformed rather than failing the projector', () => {
    for (const bad of [
      undefined,
      42,
      '',
      `ff-${traceId}-${spanId}-01`,
      `00-${'0'.repeat(32)}-${spanId}-01`,
      `00-${traceId}-${spanId}`,
    ]) {
      expect(spanContextOf(bad)).toBeUndefined();
    }
  });
});
