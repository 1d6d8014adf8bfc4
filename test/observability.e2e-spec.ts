import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from './support/app';

describe('health, metrics and correlation ids over HTTP', () => {
  let t: TestApp;
  let sales: string;

  beforeAll(async () => {
    t = await startTestApp({ RUN_PROJECTOR: 'true' });
    sales = await t.as('sam', 'sales');
  });
  afterAll(() => t?.close());

  const register = (headers: Record<string, string> = {}) => {
    const advertiserId = randomUUID();
    return t.http
      .post('/v1/advertisers')
      .set({ authorization: sales, ...headers })
      .send({ advertiserId, legalName: 'Glow', registrationNumber: 'R-1', kaTier: 'key' })
      .expect(201)
      .then((response) => ({ response, advertiserId }));
  };

  it('answers liveness and readiness without a token', async () => {
    await t.http.get('/health/live').expect(200, { status: 'ok' });
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.details).toMatchObject({
      database: { status: 'up' },
      eventStore: { status: 'up' },
      projections: { status: 'up' },
    });
  });

  it('takes the caller correlation id, echoes it and stores it on the events', async () => {
    const { response, advertiserId } = await register({ 'x-correlation-id': 'order-4711' });
    expect(response.headers['x-correlation-id']).toBe('order-4711');
    const [event] = await t.stream(`advertiser-${advertiserId}`);
    expect(event!.metadata.correlationId).toBe('order-4711');
  });

  it('makes up a correlation id when the caller sends none or an unusable one', async () => {
    const { response, advertiserId } = await register({ 'x-correlation-id': 'bad id with spaces' });
    const generated = response.headers['x-correlation-id'];
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const [event] = await t.stream(`advertiser-${advertiserId}`);
    expect(event!.metadata.correlationId).toBe(generated);
  });

  it('exposes request latency by route and appends by aggregate in Prometheus format', async () => {
    const { advertiserId } = await register();
    await t.http
      .put(`/v1/advertisers/${advertiserId}/ka-tier`)
      .set({ authorization: sales, 'if-match': 'W/"7"' })
      .send({ kaTier: 'strategic' })
      .expect(412);
    // The projector's runners register their checkpoints once they hold their locks, shortly after start.
    let metrics = await t.http.get('/metrics').expect(200);
    for (
      let tries = 0;
      !metrics.text.includes('projection_lag_seconds{projection="ka_clients"}') && tries < 250;
      tries++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      metrics = await t.http.get('/metrics').expect(200);
    }
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/v1\/advertisers",status="201"\} [1-9]/,
    );
    expect(metrics.text).toMatch(
      /http_request_duration_seconds_count\{method="PUT",route="\/v1\/advertisers\/:advertiserId\/ka-tier",status="412"\} 1/,
    );
    expect(metrics.text).toMatch(/event_store_appends_total\{aggregate="advertiser"\} [1-9]/);
    expect(metrics.text).toMatch(/process_resident_memory_bytes \d+/);
    expect(metrics.text).toMatch(/projection_lag_seconds\{projection="ka_clients"\} [0-9.]+/);
    expect(metrics.text).toMatch(/projection_events_applied\{projection="ka_clients"\} \d+/);
  });
});
