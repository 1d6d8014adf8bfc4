import { randomBytes, randomUUID } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracingWith, stopTracing } from '#runtime';
import { startTestApp, type TestApp } from './support/app';
import { expectStatus, seedLinkedClient } from './support/story';

/**
 * Tracing end to end with the SDK recording into memory: a write over HTTP continues the caller's
 * trace through the command, the event store and the stored events, and the projector's batches and
 * the reactor's compensating command are found in that same trace.
 */
describe('OpenTelemetry tracing over HTTP', () => {
  const exporter = new InMemorySpanExporter();
  let t: TestApp;
  let compliance: string;
  const advertiserId = randomUUID();
  const contractId = randomUUID();

  /** The spans of one trace, once one of them is named `name` (bounded wait: the projector runs behind). */
  const traceOnceFinished = async (traceId: string, name: string): Promise<ReadableSpan[]> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
      if (spans.some((span) => span.name === name) || Date.now() > deadline) return spans;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const named = (spans: readonly ReadableSpan[], name: string): ReadableSpan => {
    const found = spans.find((span) => span.name === name);
    if (found === undefined) throw new Error(`no span ${name} among ${spans.map((span) => span.name).join(', ')}`);
    return found;
  };

  beforeAll(async () => {
    startTracingWith('tracing-e2e', [new SimpleSpanProcessor(exporter)]);
    t = await startTestApp({ RUN_PROJECTOR: 'true' });
    compliance = await t.as('cora', 'compliance');
    const linked = await seedLinkedClient(t, { advertiserId, contractId, allowedDomains: ['taobao.com'] });
    // The projections must have applied the set-up before the traced write, or its events would
    // share a batch (and so a batch span of its own trace) with events of other traces.
    await t.http
      .get(`/v1/ka-clients/${advertiserId}`)
      .set({ authorization: compliance, 'x-min-position': String(linked.headers['x-event-position']) })
      .expect(expectStatus(200));
  });

  afterAll(async () => {
    await t?.close();
    await stopTracing();
  });

  it('follows one trace id from an HTTP write through the command, the store, the projector and the reactor', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/revocation`)
      .set({ authorization: compliance, traceparent: `00-${traceId}-${callerSpanId}-01` })
      .send({ reason: 'licence withdrawn by the regulator' })
      .expect(expectStatus(200));

    const spans = await traceOnceFinished(traceId, 'project cascade_reactor');
    const server = named(spans, 'POST /v1/advertisers/:advertiserId/category-approvals/:category/revocation');
    expect(server.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(server.attributes['http.response.status_code']).toBe(200);
    const command = named(spans, 'command RevokeCategoryApproval');
    expect(command.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    const append = spans.find(
      (span) => span.name === 'event-store append' && span.parentSpanContext?.spanId === command.spanContext().spanId,
    );
    expect(append?.attributes['ka.stream_id']).toBe(`categoryApproval-${advertiserId}_beauty`);

    const [revoked] = (await t.stream(`categoryApproval-${advertiserId}_beauty`)).filter(
      (event) => event.type === 'CategoryApprovalRevoked',
    );
    expect(revoked!.metadata.traceparent).toBe(`00-${traceId}-${command.spanContext().spanId}-01`);

    // A projection may apply this trace's events in more than one batch (the revocation, then the
    // link the reactor disabled): one of them is the command's child and links to it.
    const projected = spans.filter(
      (span) =>
        span.name === 'project link_permissions' &&
        span.links.some((link) => link.context.spanId === command.spanContext().spanId),
    );
    expect(projected).toHaveLength(1);
    expect(projected[0]!.parentSpanContext?.spanId).toBe(command.spanContext().spanId);

    const reactor = named(spans, 'reactor DisableExternalLink');
    // Likewise the reaction links to one of the cascade's batches.
    const reactorBatches = spans
      .filter((span) => span.name === 'project cascade_reactor')
      .map((span) => span.spanContext().spanId);
    expect(reactor.parentSpanContext?.spanId).toBe(command.spanContext().spanId);
    expect(reactor.links.map((link) => link.context.spanId).filter((id) => reactorBatches.includes(id))).toHaveLength(
      1,
    );
    const reactorCommand = named(spans, 'command DisableExternalLink');
    expect(reactorCommand.parentSpanContext?.spanId).toBe(reactor.spanContext().spanId);
    const [disabled] = (await t.stream(`contract-${contractId}`)).filter(
      (event) => event.type === 'ExternalLinkDisabled',
    );
    expect(disabled!.metadata.traceparent).toBe(`00-${traceId}-${reactorCommand.spanContext().spanId}-01`);
  });

  it('starts a new trace for a request without traceparent and records it on the events it writes', async () => {
    const response = await t.http
      .post('/v1/advertisers')
      .set('authorization', await t.as('sam', 'sales'))
      .send({ legalName: 'Bloom Ltd.', registrationNumber: 'REG-78', kaTier: 'key' })
      .expect(expectStatus(201));
    const [registered] = await t.stream(`advertiser-${response.body.id}`);
    const traceId = String(registered!.metadata.traceparent).split('-')[1]!;
    const spans = await traceOnceFinished(traceId, 'project ka_clients');
    const server = named(spans, 'POST /v1/advertisers');
    expect(server.parentSpanContext).toBeUndefined();
    expect(named(spans, 'project ka_clients').links.map((link) => link.context.traceId)).toContain(traceId);
  });
});
