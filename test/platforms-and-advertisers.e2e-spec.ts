import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from './support/app';

describe('platform policy and advertisers over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let sales: string;
  let compliance: string;

  beforeAll(async () => {
    t = await startTestApp();
    [admin, sales, compliance] = await Promise.all([
      t.as('ada', 'platform_admin'),
      t.as('sam', 'sales'),
      t.as('cora', 'compliance'),
    ]);
  });
  afterAll(() => t?.close());

  it('registers a platform and reads the policy with an ETag', async () => {
    const created = await t.http
      .put('/v1/platforms/taobao')
      .set('authorization', admin)
      .send({ displayName: 'Taobao', allowedDomains: ['taobao.com', 'tmall.com'] })
      .expect(201);
    expect(created.body).toMatchObject({ id: 'taobao', revision: '0', events: ['LinkPlatformRegistered'] });
    expect(created.headers.etag).toBe('W/"0"');
    expect(created.headers['x-event-position']).toMatch(/^[0-9]+$/);

    const policy = await t.http.get('/v1/platform-policy').set('authorization', sales).expect(200);
    expect(policy.headers.etag).toBe('W/"0"');
    expect(policy.body.platforms.taobao).toEqual({
      platform: 'taobao',
      suspended: false,
      allowedDomains: ['taobao.com', 'tmall.com'],
    });
  });

  it('refuses a missing token (401), a wrong role (403) and unknown fields (400) with problem+json, appending nothing', async () => {
    const before = await t.stream('platformPolicy-main');
    const noToken = await t.http
      .put('/v1/platforms/jd')
      .send({ displayName: 'JD', allowedDomains: ['jd.com'] })
      .expect(401);
    expect(noToken.headers['content-type']).toMatch(/^application\/problem\+json/);
    const wrongRole = await t.http
      .put('/v1/platforms/jd')
      .set('authorization', sales)
      .send({ displayName: 'JD', allowedDomains: ['jd.com'] })
      .expect(403);
    expect(wrongRole.body).toMatchObject({ status: 403, code: 'ROLE_REQUIRED' });
    const unknownField = await t.http
      .put('/v1/platforms/jd')
      .set('authorization', admin)
      .send({ displayName: 'JD', allowedDomains: ['jd.com'], surprise: true })
      .expect(400);
    expect(unknownField.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(unknownField.body.errors[0].field).toBe('surprise');
    expect(await t.stream('platformPolicy-main')).toHaveLength(before.length);
  });

  it('registers an advertiser, verifies it under four eyes, and replays an idempotent retry', async () => {
    const advertiserId = randomUUID();
    const body = { advertiserId, legalName: 'Glow Cosmetics', registrationNumber: 'REG-1', kaTier: 'key' };
    const first = await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .set('idempotency-key', 'reg-1')
      .send(body)
      .expect(201);
    expect(first.headers.location).toBe(`/v1/advertisers/${advertiserId}`);
    const retry = await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .set('idempotency-key', 'reg-1')
      .send(body)
      .expect(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await t.stream(`advertiser-${advertiserId}`)).toHaveLength(1);

    const ownerAsCompliance = await t.as('sam', 'compliance');
    await t.http
      .post(`/v1/advertisers/${advertiserId}/verification`)
      .set('authorization', ownerAsCompliance)
      .send({ decision: 'verified' })
      .expect(403);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/verification`)
      .set('authorization', compliance)
      .set('if-match', 'W/"0"')
      .send({ decision: 'verified' })
      .expect(200);
    const stale = await t.http
      .put(`/v1/advertisers/${advertiserId}/ka-tier`)
      .set('authorization', sales)
      .set('if-match', 'W/"0"')
      .send({ kaTier: 'strategic' })
      .expect(412);
    expect(stale.body.code).toBe('STALE_REVISION');

    const events = await t.stream(`advertiser-${advertiserId}`);
    expect(events.map((e) => e.type)).toEqual(['AdvertiserRegistered', 'AdvertiserVerified']);
    expect(events[1]!.metadata).toMatchObject({
      actor: { userId: 'cora', roles: ['compliance'] },
      prevHash: events[0]!.metadata.hash,
    });
  });

  it('answers 400 for a malformed id and 404 for an unknown advertiser', async () => {
    await t.http.get('/v1/advertisers/not-a-uuid').set('authorization', sales).expect(400);
    const missing = await t.http.get(`/v1/advertisers/${randomUUID()}`).set('authorization', sales).expect(404);
    expect(missing.body.code).toBe('ADVERTISER_NOT_FOUND');
  });
});
