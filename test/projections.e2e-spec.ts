import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '#event-store';
import { startTestApp, type TestApp } from './support/app';
import { expectStatus, seedLinkedClient } from './support/story';

/**
 * The downstream query API over real HTTP, with the projector and the cascade reactor running
 * inside the app: read-your-writes through X-Event-Position / X-Min-Position, the revocation
 * cascade, and the API's refusals.
 */
describe('read models over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let sales: string;
  let compliance: string;
  let service: string;

  const advertiserId = randomUUID();
  const contractId = randomUUID();
  const campaignId = randomUUID();
  const year = new Date().getUTCFullYear();
  const checkQuery = {
    advertiserId,
    platform: 'taobao',
    category: 'beauty',
    url: 'https://item.taobao.com/item.htm?id=7',
  };
  let enabledAt: string;

  const check = (minPosition: string) =>
    t.http
      .get('/v1/link-permissions/check')
      .query(checkQuery)
      .set('authorization', service)
      .set('x-min-position', minPosition);

  /** Waits (bounded) for the reactor's command to land on a stream. */
  const eventually = async (streamId: string, type: string): Promise<RecordedEvent[]> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = (await t.stream(streamId)).filter((event) => event.type === type);
      if (found.length > 0 || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ RUN_PROJECTOR: 'true' });
    [admin, sales, compliance, service] = await Promise.all([
      t.as('ada', 'platform_admin'),
      t.as('sam', 'sales'),
      t.as('cora', 'compliance'),
      t.as('ad-serving', 'service'),
    ]);
    const enabled = await seedLinkedClient(t, {
      advertiserId,
      contractId,
      allowedDomains: ['taobao.com', 'tmall.com'],
    });
    await t.http
      .post('/v1/campaigns')
      .set('authorization', sales)
      .send({
        campaignId,
        contractId,
        advertiserId,
        category: 'beauty',
        budgetMinor: '500000',
        startsAt: new Date(Date.now() + 60_000).toISOString(),
        endsAt: `${year + 1}-06-30T00:00:00.000Z`,
        linkTarget: { platform: 'taobao', url: 'https://item.taobao.com/item.htm?id=7' },
        adLabel: '广告',
      })
      .expect(expectStatus(201));
    enabledAt = enabled.headers['x-event-position']!;
  });
  afterAll(() => t?.close());

  it('allows the link once the projection has the enabling command, and says how current it is', async () => {
    const response = await check(enabledAt).expect(200);
    expect(response.body).toMatchObject({
      allowed: true,
      reasons: [],
      contractId,
      adLabelRequired: true,
      regulated: true,
    });
    expect(BigInt(response.headers['x-projection-position']!)).toBeGreaterThanOrEqual(BigInt(enabledAt));
    expect(response.body.position).toBe(response.headers['x-projection-position']);
  });

  it('denies with CATEGORY_REVOKED for a client that passes the revocation command position as X-Min-Position', async () => {
    const revoked = await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/revocation`)
      .set('authorization', compliance)
      .send({ reason: 'licence withdrawn by the regulator' })
      .expect(200);
    const revokedAt = revoked.headers['x-event-position']!;

    const response = await check(revokedAt).expect(200);
    expect(response.body.allowed).toBe(false);
    expect(response.body.reasons).toContain('CATEGORY_REVOKED');
    // Answered at or after the revocation: the cascade's reaction to it (the link disabled) may be in too.
    expect(['CATEGORY_REVOKED', 'LINK_DISABLED']).toEqual(expect.arrayContaining(response.body.reasons));
    expect(BigInt(response.body.position)).toBeGreaterThanOrEqual(BigInt(revokedAt));
  });

  it('cascades the revocation: the reactor disables the link and suspends the campaign, once, caused by the revocation', async () => {
    const [revocation] = (await t.stream(`categoryApproval-${advertiserId}_beauty`)).filter(
      (event) => event.type === 'CategoryApprovalRevoked',
    );
    const disabled = await eventually(`contract-${contractId}`, 'ExternalLinkDisabled');
    expect(disabled).toHaveLength(1);
    expect(disabled[0]!.data).toMatchObject({ platform: 'taobao' });
    expect(disabled[0]!.metadata).toMatchObject({
      causationId: revocation!.eventId,
      correlationId: revocation!.metadata.correlationId,
      actor: { userId: 'system:reactor', roles: ['service'] },
    });
    const suspended = await eventually(`campaign-${campaignId}`, 'CampaignSuspendedByPolicy');
    expect(suspended).toHaveLength(1);
    expect(suspended[0]!.metadata.causationId).toBe(revocation!.eventId);

    const client = await t.http
      .get(`/v1/ka-clients/${advertiserId}`)
      .set('authorization', sales)
      .set('x-min-position', suspended[0]!.position.toString())
      .expect(200);
    expect(client.body).toMatchObject({
      advertiserId,
      kaTier: 'key',
      verification: 'Verified',
      categories: [
        { category: 'beauty', status: 'Revoked', validUntil: `${year + 2}-12-31`, licenceRef: 'NMPA-2026-00417' },
      ],
      contracts: [{ contractId, status: 'Active', allocatedMinor: '500000', enabledLinks: [] }],
      campaignCounts: { PolicySuspended: 1 },
    });
  });

  it('lists link permissions and clients with filters and pages', async () => {
    const list = () =>
      t.http
        .get('/v1/link-permissions')
        .query({ advertiserId, allowed: 'false', limit: '10' })
        .set('authorization', compliance)
        .expect(200);
    // The cascade's reaction to the revocation (the link disabled) is a command of its own, projected
    // some milliseconds after the revocation this list follows: wait for it, bounded.
    let permissions = await list();
    for (let tries = 0; tries < 100 && !JSON.stringify(permissions.body).includes('LINK_DISABLED'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      permissions = await list();
    }
    expect(permissions.body).toEqual({
      items: [
        expect.objectContaining({
          contractId,
          platform: 'taobao',
          category: 'beauty',
          allowed: false,
          reasons: ['CATEGORY_REVOKED', 'LINK_DISABLED'],
          allowedDomains: ['taobao.com', 'tmall.com'],
        }),
      ],
      nextCursor: null,
    });
    expect(permissions.headers['x-projection-position']).toMatch(/^[0-9]+$/);
    const clients = await t.http
      .get('/v1/ka-clients')
      .query({ kaTier: 'key', verified: 'true', limit: '1' })
      .set('authorization', service)
      .expect(200);
    expect(clients.body.items.map((client: { advertiserId: string }) => client.advertiserId)).toEqual([advertiserId]);
  });

  it('refuses a malformed X-Min-Position (400), and answers 503 with Retry-After when the projection does not get there', async () => {
    const malformed = await check('12abc').expect(400);
    expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(malformed.body).toMatchObject({ code: 'INVALID_MIN_POSITION' });
    const farAhead = (1n << 120n).toString();
    const behind = await check(farAhead).expect(503);
    expect(behind.headers['retry-after']).toBe('1');
    expect(behind.body).toMatchObject({ status: 503, code: 'PROJECTION_BEHIND' });
    // The query waits its full bound (MIN_POSITION_WAIT_MS) before answering 503.
  }, 15_000);

  it('refuses bad queries (400), missing tokens (401), wrong roles (403) and unknown clients (404) with problem+json', async () => {
    const noUrl = await t.http
      .get('/v1/link-permissions/check')
      .query({ advertiserId, platform: 'taobao', category: 'beauty' })
      .set('authorization', service)
      .expect(400);
    expect(noUrl.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const badId = await t.http
      .get('/v1/link-permissions/check')
      .query({ ...checkQuery, advertiserId: 'NOT-A-UUID' })
      .set('authorization', service)
      .expect(400);
    expect(badId.body.errors[0].field).toBe('advertiserId');
    await t.http.get('/v1/ka-clients').query({ verified: 'maybe' }).set('authorization', service).expect(400);
    await t.http.get('/v1/ka-clients').query({ limit: '0' }).set('authorization', service).expect(400);
    await t.http.get('/v1/link-permissions').query({ cursor: 'garbage' }).set('authorization', service).expect(400);
    await t.http.get('/v1/link-permissions/check').query(checkQuery).expect(401);
    const wrongRole = await t.http
      .get('/v1/link-permissions/check')
      .query(checkQuery)
      .set('authorization', admin)
      .expect(403);
    expect(wrongRole.body).toMatchObject({ code: 'ROLE_REQUIRED' });
    const unknown = await t.http.get(`/v1/ka-clients/${randomUUID()}`).set('authorization', service).expect(404);
    expect(unknown.body).toMatchObject({ code: 'KA_CLIENT_NOT_FOUND' });
  });

  it('documents the query routes in /docs', async () => {
    const { body } = await t.http.get('/docs/openapi.json').expect(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/ka-clients',
        '/v1/ka-clients/{advertiserId}',
        '/v1/link-permissions',
        '/v1/link-permissions/check',
        '/v1/link-permissions/changes',
        '/v1/serving/campaigns/{campaignId}',
        '/v1/inbox/deal-approvals',
        '/v1/inbox/compliance-reviews',
      ]),
    );
    expect(body.paths['/v1/contracts'].get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ContractListPageDto',
    });
    expect(body.components.schemas.CampaignServingDto.properties).toHaveProperty('reasons');
    expect(body.components.schemas.PermissionChangePageDto.properties).toHaveProperty('next');
    expect(body.components.schemas.LinkCheckDto.properties).toHaveProperty('reasons');
  });
});
