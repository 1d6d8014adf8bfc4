import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import type { Response } from 'supertest';
import { EventStoreDbDouble } from './support/eventstoredb-double';
import { startTestApp, type TestApp } from './support/app';

/**
 * The API in eventstoredb mode — events in the EventStoreDB server DOUBLE (a protocol-level test
 * double, not the server), read models in PostgreSQL — through the whole story once, then every
 * store error the client can raise, each of which must come back as a stable problem+json, never 500.
 */
describe('eventstoredb mode against the EventStoreDB server double', () => {
  let double: EventStoreDbDouble;
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

  const suffix = randomUUID().slice(0, 8);
  const advertiserId = randomUUID();
  const contractId = randomUUID();
  const campaignId = randomUUID();
  const taobao = `taobao_${suffix}`;
  const beauty = `beauty_${suffix}`;

  const expectProblem = (response: Response, status: number, code: string): void => {
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status, code });
    expect(response.status).toBe(status);
  };

  beforeAll(async () => {
    double = await EventStoreDbDouble.start();
    t = await startTestApp({
      EVENTSTORE_CONNECTION_STRING: double.connectionString,
      EVENTSTORE_MAX_APPEND_BYTES: '8192',
      RUN_PROJECTOR: 'true',
    });
    const people = {
      ada: 'platform_admin',
      sam: 'sales',
      cora: 'compliance',
      dana: 'deal_approver',
      adserver: 'service',
      fiona: 'finance_auditor',
    } as const;
    for (const [user, role] of Object.entries(people)) tokens[user] = await t.as(user, role);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await double?.stop();
  }, 60_000);

  const send = (as: string, method: 'get' | 'post' | 'put', path: string, body?: object) => {
    const call = t.http[method](path).set('authorization', tokens[as]!);
    return body === undefined ? call : call.send(body);
  };

  it('runs the story: contracting, campaign, link check, audit export and verification', async () => {
    await send('ada', 'put', `/v1/platforms/${taobao}`, {
      displayName: 'Taobao',
      allowedDomains: ['taobao.com'],
    }).expect(201);
    await send('ada', 'put', `/v1/link-eligible-categories/${beauty}`, { regulated: false }).expect(201);
    await send('sam', 'post', '/v1/advertisers', {
      advertiserId,
      legalName: 'Glow Cosmetics Co., Ltd.',
      registrationNumber: `REG-${suffix}`,
      kaTier: 'key',
    }).expect(201);
    await send('cora', 'post', `/v1/advertisers/${advertiserId}/verification`, { decision: 'verified' }).expect(200);
    await send('sam', 'post', `/v1/advertisers/${advertiserId}/category-approvals`, {
      category: beauty,
      licenceRef: 'LIC-1',
      validUntil: day(700),
    }).expect(201);
    await send('cora', 'post', `/v1/advertisers/${advertiserId}/category-approvals/${beauty}/approval`).expect(200);
    await send('sam', 'post', '/v1/contracts', {
      contractId,
      advertiserId,
      currency: 'CNY',
      totalValueMinor: '100000000',
      startsOn: day(-1),
      endsOn: day(364),
      categories: [beauty],
      platforms: [taobao],
    }).expect(201);
    await send('sam', 'post', `/v1/contracts/${contractId}/submission`).expect(200);
    await send('dana', 'post', `/v1/contracts/${contractId}/approval`).expect(200);
    await send('sam', 'post', `/v1/contracts/${contractId}/signature`).expect(200);
    await send('cora', 'post', `/v1/contracts/${contractId}/external-links`, {
      platform: taobao,
      categories: [beauty],
    }).expect(200);
    const url = 'https://shop.taobao.com/item?id=42';
    await send('sam', 'post', '/v1/campaigns', {
      campaignId,
      contractId,
      advertiserId,
      category: beauty,
      budgetMinor: '5000000',
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      linkTarget: { platform: taobao, url },
      adLabel: 'Ad',
    }).expect(201);
    await send('sam', 'post', `/v1/campaigns/${campaignId}/submission`).expect(200);
    await send('cora', 'post', `/v1/campaigns/${campaignId}/approval`).expect(200);
    const launched = await send('sam', 'post', `/v1/campaigns/${campaignId}/launch`).expect(200);
    const position = String(launched.headers['x-event-position']);

    const check = await send(
      'adserver',
      'get',
      `/v1/link-permissions/check?advertiserId=${advertiserId}&platform=${taobao}&category=${beauty}&url=${encodeURIComponent(url)}`,
    )
      .set('x-min-position', position)
      .expect(200);
    expect(check.body).toMatchObject({ allowed: true });

    const exported = await send('fiona', 'get', `/v1/audit/export?format=ndjson&advertiserId=${advertiserId}`).expect(
      200,
    );
    const lines = String(exported.text).trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(10);
    const types = lines.map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types).toEqual(expect.arrayContaining(['AdvertiserRegistered', 'ContractSigned', 'CampaignLaunched']));

    // The audit range starts at an exact event position, never at position - 1.
    const fromLaunch = await send('fiona', 'get', `/v1/audit/events?fromPosition=${position}`).expect(200);
    expect((fromLaunch.body as { events: { type: string }[] }).events.map((event) => event.type)).toEqual([
      'CampaignLaunched',
    ]);

    const verified = await send('fiona', 'get', '/v1/audit/verify').expect(200);
    expect(verified.body).toMatchObject({ verified: true });
  }, 120_000);

  describe('each store error becomes a stable problem+json', () => {
    it('an append above the store maximum: 413 APPEND_TOO_LARGE, and nothing reaches the server', async () => {
      const requestsBefore = double.stats.writeRequests;
      const longDomain = (n: number): string =>
        `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${String(n).padStart(60, 'd')}.com`;
      const response = await send('ada', 'put', `/v1/platforms/big_${suffix}`, {
        displayName: 'Big',
        allowedDomains: Array.from({ length: 50 }, (_, n) => longDomain(n)),
      });
      expectProblem(response, 413, 'APPEND_TOO_LARGE');
      expect(double.stats.writeRequests).toBe(requestsBefore);
    });

    it('access denied by the server: 503 STORE_ACCESS_DENIED', async () => {
      double.fail('append', 'access-denied');
      const response = await send('sam', 'post', '/v1/advertisers', {
        advertiserId: randomUUID(),
        legalName: 'Denied Ltd.',
        registrationNumber: 'REG-DENIED',
        kaTier: 'key',
      });
      expectProblem(response, 503, 'STORE_ACCESS_DENIED');
    });

    it('an unavailable server or a timeout: 503 STORE_UNAVAILABLE', async () => {
      for (const fault of ['unavailable', 'timeout'] as const) {
        double.fail('append', fault);
        const response = await send('sam', 'post', '/v1/advertisers', {
          advertiserId: randomUUID(),
          legalName: 'Unlucky Ltd.',
          registrationNumber: 'REG-UNLUCKY',
          kaTier: 'key',
        });
        expectProblem(response, 503, 'STORE_UNAVAILABLE');
      }
    });

    it('a missing stream: 404', async () => {
      expectProblem(
        await send('fiona', 'get', `/v1/audit/streams/advertiser-${randomUUID()}`),
        404,
        'STREAM_NOT_FOUND',
      );
    });

    it('a stream deleted in the store by an operator: 409 STREAM_DELETED', async () => {
      const deleted = randomUUID();
      await send('sam', 'post', '/v1/advertisers', {
        advertiserId: deleted,
        legalName: 'Soon Gone Ltd.',
        registrationNumber: 'REG-GONE',
        kaTier: 'key',
      }).expect(201);
      const operator = EventStoreDBClient.connectionString(double.connectionString);
      await operator.tombstoneStream(`advertiser-${deleted}`);
      await operator.dispose();
      const response = await send('cora', 'post', `/v1/advertisers/${deleted}/verification`, { decision: 'verified' });
      expectProblem(response, 409, 'STREAM_DELETED');
    });

    it('a subscription refused for good shows in /health/ready instead of retrying', async () => {
      await t.http.get('/health/ready').expect(200);
      double.fail('subscribe', 'access-denied', Number.POSITIVE_INFINITY);
      double.dropConnections();
      const deadline = Date.now() + 30_000;
      let ready = await t.http.get('/health/ready');
      while (ready.status === 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ready = await t.http.get('/health/ready');
      }
      expect(ready.status).toBe(503);
      expect(t.eventStore.permanentFailure?.()).toMatch(/subscription to \$all stopped: .*Access Denied/);
      double.clearFaults();
    }, 60_000);
  });
});
