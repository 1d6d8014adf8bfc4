import { randomUUID } from 'node:crypto';
import { COMMAND_ROLES } from '#domain';
import { startTestApp, type TestApp } from './support/app';

interface Operation {
  readonly 'x-roles'?: string[];
  readonly security?: unknown[];
}

describe('roles: one table for the deciders, the route guard and the OpenAPI document', () => {
  let t: TestApp;
  let operations: Map<string, Operation>;

  beforeAll(async () => {
    t = await startTestApp();
    const document = (await t.http.get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    operations = new Map(
      Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation]),
      ),
    );
  });
  afterAll(() => t.close());

  it('documents the roles of every authenticated route', () => {
    const undocumented = [...operations].filter(
      // Public routes declare `security: []`; every other route needs a token and names its roles.
      ([, operation]) => (operation.security?.length ?? 0) > 0 && operation['x-roles'] === undefined,
    );
    expect(undocumented.map(([name]) => name)).toEqual([]);
    expect([...operations.values()].filter((operation) => operation['x-roles'] !== undefined).length).toBeGreaterThan(
      50,
    );
  });

  it.each([
    ['PUT /v1/advertisers/{advertiserId}/ka-tier', 'ChangeKaTier'],
    ['POST /v1/campaigns/{campaignId}/spend', 'ReportCampaignSpend'],
    ['POST /v1/contracts/{contractId}/approval', 'ApproveContract'],
    ['POST /v1/advertisers/{advertiserId}/category-approvals/{category}/expiry', 'ExpireCategoryApproval'],
  ] as const)('%s lists the roles of %s', (route, command) => {
    expect(operations.get(route)?.['x-roles']).toEqual(COMMAND_ROLES[command]);
  });

  it('lets through exactly the roles of the command a route issues', async () => {
    const advertiserId = randomUUID();
    await t.http
      .post('/v1/advertisers')
      .set('authorization', await t.as('sam', 'sales'))
      .send({ advertiserId, legalName: 'Glow', registrationNumber: 'R-1', kaTier: 'key' })
      .expect(201);
    const change = async (role: 'deal_approver' | 'compliance') =>
      t.http
        .put(`/v1/advertisers/${advertiserId}/ka-tier`)
        .set('authorization', await t.as('ada', role))
        .send({ kaTier: 'strategic' });
    expect((await change('deal_approver')).status).toBe(200);
    const refused = await change('compliance');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'ROLE_REQUIRED' });
    expect(refused.body.detail).toContain(COMMAND_ROLES.ChangeKaTier.join(', '));
  });
});
