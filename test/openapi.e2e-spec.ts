import { randomUUID } from 'node:crypto';
import { createApiClient, type ProblemDetails } from '#api-client';
import { startTestApp, type TestApp } from './support/app';

interface Response {
  $ref?: string;
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: unknown }>;
}
interface Operation {
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  responses: Record<string, Response>;
}
interface Document {
  servers: { url: string }[];
  info: { license?: { name: string; url?: string } };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: Record<string, unknown> }>; responses: Record<string, Response> };
}

const BODY_LIMIT = 4096;

describe('the OpenAPI document (/docs/openapi.json)', () => {
  let t: TestApp;
  let doc: Document;
  let operations: [string, Operation][];

  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    doc = (await t.http.get('/docs/openapi.json').expect(200)).body as Document;
    operations = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, operation]): [string, Operation] => [
        `${method.toUpperCase()} ${path}`,
        operation,
      ]),
    );
  });
  afterAll(() => t?.close());

  const resolve = (response: Response): Response =>
    response.$ref ? doc.components.responses[response.$ref.split('/').at(-1)!]! : response;
  const documented = (route: string): string[] => {
    const operation = operations.find(([name]) => name === route);
    if (!operation) throw new Error(`${route} is not in the document`);
    return Object.keys(operation[1].responses);
  };

  it('gives every response, success and error, a schema', () => {
    const missing = operations.flatMap(([route, operation]) =>
      Object.entries(operation.responses).flatMap(([status, response]) => {
        const { content } = resolve(response);
        const schemas = Object.values(content ?? {}).map((media) => media.schema);
        return schemas.length > 0 && schemas.every(Boolean) ? [] : [`${route} ${status}`];
      }),
    );
    expect(missing).toEqual([]);
  });

  it('describes errors with one ProblemDetails schema, served as application/problem+json', () => {
    expect(Object.keys(doc.components.schemas.ProblemDetails!.properties)).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code', 'errors']),
    );
    for (const [route, operation] of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || route === 'GET /health/ready') continue;
        expect([route, status, resolve(response).content]).toEqual([
          route,
          status,
          { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } },
        ]);
      }
    }
  });

  it('needs a bearer token everywhere except health and metrics, which say so with security: []', () => {
    const open = operations.filter(([, operation]) => (operation.security ?? []).length === 0);
    expect(open.map(([route]) => route).sort()).toEqual(['GET /health/live', 'GET /health/ready', 'GET /metrics']);
    for (const [, operation] of open) expect(operation.security).toEqual([]);
    for (const [route, operation] of operations.filter((entry) => !open.includes(entry))) {
      expect([route, documented(route)]).toEqual([route, expect.arrayContaining(['401', '403'])]);
      expect(operation.security).toEqual([{ bearer: [] }]);
    }
  });

  it('documents the headers of writes, of resources read from their stream, and of retryable errors', () => {
    const headersOf = (route: string, status: string) =>
      Object.keys(resolve(operations.find(([name]) => name === route)![1].responses[status]!).headers ?? {});
    expect(headersOf('POST /v1/contracts', '201')).toEqual(
      expect.arrayContaining(['ETag', 'X-Event-Position', 'Idempotent-Replayed', 'Location', 'X-Correlation-Id']),
    );
    expect(headersOf('POST /v1/contracts/{contractId}/approval', '200')).toEqual(
      expect.arrayContaining(['ETag', 'X-Event-Position', 'Idempotent-Replayed']),
    );
    for (const route of [
      'GET /v1/platform-policy',
      'GET /v1/advertisers/{advertiserId}',
      'GET /v1/advertisers/{advertiserId}/category-approvals/{category}',
      'GET /v1/contracts/{contractId}',
      'GET /v1/campaigns/{campaignId}',
    ]) {
      expect([route, headersOf(route, '200')]).toEqual([route, expect.arrayContaining(['ETag'])]);
    }
    expect(headersOf('GET /v1/contracts/{contractId}', '503')).toContain('Retry-After');
    expect(headersOf('GET /health/live', '429')).toContain('Retry-After');
  });

  it('names where the API runs and under which licence', () => {
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(doc.info.license).toMatchObject({ name: expect.any(String), url: expect.stringMatching(/^https:/) });
  });

  it('documents each status the API actually answers a route with', async () => {
    const sales = await t.as('sam', 'sales');
    const compliance = await t.as('cora', 'compliance');
    const advertiserId = randomUUID();
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .send({ advertiserId, legalName: 'Glow Co.', registrationNumber: 'REG-1', kaTier: 'key' })
      .expect(201);
    const verify = `/v1/advertisers/${advertiserId}/verification`;
    const route = 'POST /v1/advertisers/{advertiserId}/verification';
    const answers = [
      await t.http.post(verify).send({ decision: 'verified' }),
      await t.http.post(verify).set('authorization', sales).send({ decision: 'verified' }),
      await t.http.post(verify).set('authorization', compliance).send({ decision: 'maybe' }),
      await t.http
        .post(verify)
        .set('authorization', compliance)
        .set('content-type', 'application/xml')
        .send('<verified/>'),
      await t.http
        .post(verify)
        .set('authorization', compliance)
        .send({ decision: 'rejected', reason: 'x'.repeat(BODY_LIMIT) }),
      await t.http.post(`/v1/advertisers/${randomUUID()}/verification`).set('authorization', compliance).send({
        decision: 'verified',
      }),
      await t.http
        .post(verify)
        .set('authorization', compliance)
        .set('if-match', 'W/"7"')
        .send({ decision: 'verified' }),
      await t.http.post(verify).set('authorization', compliance).set('idempotency-key', 'k-1').send({
        decision: 'verified',
      }),
      await t.http.post(verify).set('authorization', compliance).set('idempotency-key', 'k-1').send({
        decision: 'rejected',
        reason: 'changed my mind',
      }),
      await t.http.post(verify).set('authorization', compliance).send({ decision: 'verified' }),
    ];
    const statuses = answers.map((answer) => answer.status);
    expect(statuses).toEqual([401, 403, 400, 415, 413, 404, 412, 200, 422, 409]);
    expect(statuses.map(String).filter((status) => !documented(route).includes(status))).toEqual([]);

    const longId = await t.http.get(`/v1/contracts/${'a'.repeat(200)}`).set('authorization', sales);
    expect(longId.status).toBe(414);
    expect(documented('GET /v1/contracts/{contractId}')).toContain('414');
  });
});

describe('the generated client (libs/api-client)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('drives the API with typed paths, bodies, answers and problem details', async () => {
    const token = (await t.as('sam', 'sales')).replace(/^Bearer /, '');
    const api = createApiClient({ baseUrl: t.baseUrl, token });
    const advertiserId = randomUUID();
    const created = await api.POST('/v1/advertisers', {
      body: { advertiserId, legalName: 'Glow Co.', registrationNumber: 'REG-2', kaTier: 'growth' },
    });
    expect(created.response.status).toBe(201);
    expect(created.data?.id).toBe(advertiserId);

    const read = await api.GET('/v1/advertisers/{advertiserId}', { params: { path: { advertiserId } } });
    expect(read.data).toMatchObject({ advertiserId, kaTier: 'growth', verification: 'Pending', suspended: false });
    expect(read.response.headers.get('etag')).toBe('W/"0"');

    const refused = await api.POST('/v1/advertisers/{advertiserId}/verification', {
      params: { path: { advertiserId } },
      body: { decision: 'verified' },
    });
    const problem: ProblemDetails | undefined = refused.error;
    expect(problem).toMatchObject({ status: 403, type: expect.any(String), title: 'Forbidden' });
  });
});
