import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { RecordedEvent } from '#event-store';
import { startTestApp, type TestApp } from './support/app';

const DAY_MS = 86_400_000;
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Campaigns over real HTTP against the real app. The world (platform policy, a verified advertiser
 * with an approved category, active contracts with taobao links enabled) is set up through the API.
 */
describe('campaigns over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let sales: string;
  let salesAsCompliance: string;
  let compliance: string;
  let approver: string;
  let adServing: string;

  const advertiserId = randomUUID();
  const now = Date.now();
  // Campaigns run from the start of today, so they can be launched at once.
  const startsAt = `${dateOf(now)}T00:00:00Z`;
  const endsAt = new Date(now + 30 * DAY_MS).toISOString();
  const shopUrl = 'https://shop.taobao.com/item?id=42';

  const expectProblem = (response: Response, status: number, code?: string): void => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject(code === undefined ? { status } : { status, code });
  };

  const typesOf = (events: readonly RecordedEvent[]) => events.map((event) => event.type);

  /** A contract drafted, submitted, approved, signed, with taobao links enabled for beauty: Active. */
  const activeContract = async (totalValueMinor: string): Promise<string> => {
    const contractId = randomUUID();
    await t.http
      .post('/v1/contracts')
      .set('authorization', sales)
      .send({
        contractId,
        advertiserId,
        currency: 'CNY',
        totalValueMinor,
        startsOn: dateOf(now - 30 * DAY_MS),
        endsOn: dateOf(now + 365 * DAY_MS),
        categories: ['beauty'],
        platforms: ['taobao'],
      })
      .expect(201);
    await t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', sales).expect(200);
    await t.http.post(`/v1/contracts/${contractId}/approval`).set('authorization', approver).expect(200);
    await t.http.post(`/v1/contracts/${contractId}/signature`).set('authorization', sales).expect(200);
    await t.http
      .post(`/v1/contracts/${contractId}/external-links`)
      .set('authorization', compliance)
      .send({ platform: 'taobao', categories: ['beauty'] })
      .expect(200);
    return contractId;
  };

  const campaign = (contractId: string, fields: Record<string, unknown> = {}) => ({
    contractId,
    advertiserId,
    category: 'beauty',
    budgetMinor: '100000',
    startsAt,
    endsAt,
    linkTarget: { platform: 'taobao', url: shopUrl },
    adLabel: 'Ad',
    ...fields,
  });

  const create = (body: object) => t.http.post('/v1/campaigns').set('authorization', sales).send(body);

  /** Created by sales, submitted, approved by compliance and launched: Live. */
  const liveCampaign = async (contractId: string, budgetMinor: string): Promise<string> => {
    const created = await create(campaign(contractId, { budgetMinor })).expect(201);
    const campaignId = created.body.id as string;
    await t.http.post(`/v1/campaigns/${campaignId}/submission`).set('authorization', sales).expect(200);
    await t.http.post(`/v1/campaigns/${campaignId}/approval`).set('authorization', compliance).expect(200);
    await t.http.post(`/v1/campaigns/${campaignId}/launch`).set('authorization', sales).expect(200);
    return campaignId;
  };

  const reportSpend = (campaignId: string, batchId: string, amountMinor: string) =>
    t.http
      .post(`/v1/campaigns/${campaignId}/spend`)
      .set('authorization', adServing)
      .send({
        batchId,
        amountMinor,
        // The hour from the start of the run: the campaigns are launched after it began.
        periodStart: new Date(now).toISOString(),
        periodEnd: new Date(now + 3_600_000).toISOString(),
      });

  /** Net minor units each campaign holds on the contract, from the contract stream itself. */
  const holdings = (events: readonly RecordedEvent[]): Map<string, bigint> => {
    const held = new Map<string, bigint>();
    for (const event of events) {
      const sign = event.type === 'CampaignBudgetAllocated' ? 1n : event.type === 'CampaignBudgetReleased' ? -1n : 0n;
      if (sign === 0n) continue;
      const campaignId = String(event.data.campaignId);
      held.set(campaignId, (held.get(campaignId) ?? 0n) + sign * BigInt(String(event.data.amountMinor)));
    }
    return held;
  };

  beforeAll(async () => {
    t = await startTestApp();
    [admin, sales, salesAsCompliance, compliance, approver, adServing] = await Promise.all([
      t.as('ada', 'platform_admin'),
      t.as('sam', 'sales'),
      // Same subject as `sales`: the refusal must come from four eyes, not from a missing role.
      t.as('sam', 'compliance'),
      t.as('cora', 'compliance'),
      t.as('dana', 'deal_approver'),
      t.as('ad-serving', 'service'),
    ]);
    await t.http
      .put('/v1/platforms/taobao')
      .set('authorization', admin)
      .send({ displayName: 'Taobao', allowedDomains: ['taobao.com', 'tmall.com'] })
      .expect(201);
    await t.http
      .put('/v1/link-eligible-categories/beauty')
      .set('authorization', admin)
      .send({ regulated: true })
      .expect(201);
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .send({ advertiserId, legalName: 'Glow Cosmetics Co., Ltd.', registrationNumber: 'REG-4', kaTier: 'key' })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/verification`)
      .set('authorization', compliance)
      .send({ decision: 'verified' })
      .expect(200);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals`)
      .set('authorization', sales)
      .send({ category: 'beauty', licenceRef: 'NMPA-2026-00417', validUntil: dateOf(now + 730 * DAY_MS) })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/approval`)
      .set('authorization', compliance)
      .expect(200);
  });
  afterAll(() => t?.close());

  it('creates a campaign under an active contract, allocating its budget first, and takes it to launch', async () => {
    const contractId = await activeContract('1000000');
    const created = await create(campaign(contractId, { budgetMinor: '300000' })).expect(201);
    const campaignId = created.body.id as string;
    expect(created.headers.location).toBe(`/v1/campaigns/${campaignId}`);
    expect(created.body).toMatchObject({ revision: '0', events: ['CampaignCreated'] });

    const [campaignEvents, contractEvents] = await Promise.all([
      t.stream(`campaign-${campaignId}`),
      t.stream(`contract-${contractId}`),
    ]);
    const allocation = contractEvents.at(-1)!;
    expect(allocation).toMatchObject({
      type: 'CampaignBudgetAllocated',
      data: { contractId, campaignId, amountMinor: '300000' },
      metadata: {
        actor: { userId: 'campaign-process', roles: ['service'] },
        causationId: campaignEvents[0]!.metadata.commandId,
        correlationId: campaignEvents[0]!.metadata.correlationId,
      },
    });
    expect(allocation.position < campaignEvents[0]!.position).toBe(true);

    await t.http.post(`/v1/campaigns/${campaignId}/submission`).set('authorization', sales).expect(200);
    const beforeOwnApproval = await t.stream(`campaign-${campaignId}`);
    const ownApproval = await t.http
      .post(`/v1/campaigns/${campaignId}/approval`)
      .set('authorization', salesAsCompliance);
    expectProblem(ownApproval, 403, 'FOUR_EYES');
    expect(await t.stream(`campaign-${campaignId}`)).toEqual(beforeOwnApproval);

    await t.http.post(`/v1/campaigns/${campaignId}/approval`).set('authorization', compliance).expect(200);
    const launched = await t.http.post(`/v1/campaigns/${campaignId}/launch`).set('authorization', sales).expect(200);
    expect(launched.body).toMatchObject({ revision: '3', events: ['CampaignLaunched'] });

    const read = await t.http.get(`/v1/campaigns/${campaignId}`).set('authorization', compliance).expect(200);
    expect(read.headers.etag).toBe('W/"3"');
    expect(read.body).toMatchObject({
      status: 'Live',
      campaignId,
      contractId,
      advertiserId,
      budgetMinor: '300000',
      linkTarget: { platform: 'taobao', url: shopUrl },
      adLabel: 'Ad',
      createdBy: 'sam',
      spentMinor: '0',
    });
  });

  it('refuses a campaign over the remaining contract value with 409 and appends to neither stream', async () => {
    const contractId = await activeContract('1000000');
    await create(campaign(contractId, { budgetMinor: '600000' })).expect(201);
    const contractBefore = await t.stream(`contract-${contractId}`);
    const campaignId = randomUUID();

    const refused = await create(campaign(contractId, { campaignId, budgetMinor: '400001' }));
    expectProblem(refused, 409, 'BUDGET_EXCEEDED');
    expect(await t.stream(`contract-${contractId}`)).toEqual(contractBefore);
    expect(await t.stream(`campaign-${campaignId}`)).toEqual([]);

    // Exactly what is left still fits.
    await create(campaign(contractId, { campaignId, budgetMinor: '400000' })).expect(201);
  });

  it('never allocates more than the contract value to 40 concurrent campaign creations', async () => {
    const value = 1_000_000n;
    const contractId = await activeContract(value.toString());
    // 40 budgets from 60,000 to 138,000: 3,960,000 in all, almost four times the contract value.
    const requests = Array.from({ length: 40 }, (_, index) => ({
      campaignId: randomUUID(),
      budgetMinor: (60_000 + index * 2_000).toString(),
    }));
    const responses = await Promise.all(
      requests.map(({ campaignId, budgetMinor }) => create(campaign(contractId, { campaignId, budgetMinor }))),
    );

    const contractEvents = await t.stream(`contract-${contractId}`);
    const allocations = contractEvents.filter((event) => event.type === 'CampaignBudgetAllocated');
    const allocated = allocations.reduce((sum, event) => sum + BigInt(String(event.data.amountMinor)), 0n);
    expect(allocated <= value).toBe(true);
    expect(typesOf(contractEvents)).not.toContain('CampaignBudgetReleased');

    const accepted = requests.filter((_, index) => responses[index]!.status === 201);
    expect(accepted.length).toBeGreaterThan(0);
    expect(new Map(allocations.map((event) => [event.data.campaignId, event.data.amountMinor]))).toEqual(
      new Map(accepted.map(({ campaignId, budgetMinor }) => [campaignId, budgetMinor])),
    );
    for (const [index, { campaignId }] of requests.entries()) {
      const response = responses[index]!;
      const events = await t.stream(`campaign-${campaignId}`);
      if (response.status === 201) {
        expect(typesOf(events)).toEqual(['CampaignCreated']);
      } else {
        expectProblem(response, 409);
        expect(events).toEqual([]);
      }
    }
  });

  it('gives back the allocation of a creation that lost the race for its campaign id to another contract', async () => {
    const [first, second] = await Promise.all([activeContract('1000000'), activeContract('1000000')]);
    // Each id is created at once under both contracts: one creation wins; the other either stops at
    // its preview or has already allocated and must give the budget back.
    const campaignIds = Array.from({ length: 10 }, () => randomUUID());
    const responses = await Promise.all(
      campaignIds.flatMap((campaignId) =>
        [first, second].map((contractId) => create(campaign(contractId, { campaignId, budgetMinor: '50000' }))),
      ),
    );
    const heldByFirst = holdings(await t.stream(`contract-${first}`));
    const heldBySecond = holdings(await t.stream(`contract-${second}`));
    for (const [index, campaignId] of campaignIds.entries()) {
      const attempts = [first, second].map((contractId, which) => ({
        contractId,
        response: responses[2 * index + which]!,
      }));
      const created = attempts.filter(({ response }) => response.status === 201);
      expect(created.length).toBeLessThanOrEqual(1);
      attempts
        .filter(({ response }) => response.status !== 201)
        .forEach(({ response }) => expectProblem(response, 409));
      const events = await t.stream(`campaign-${campaignId}`);
      expect(events.map((event) => event.data.contractId)).toEqual(created.map(({ contractId }) => contractId));
      expect([heldByFirst.get(campaignId) ?? 0n, heldBySecond.get(campaignId) ?? 0n]).toEqual(
        attempts.map(({ response }) => (response.status === 201 ? 50000n : 0n)),
      );
    }
  });

  it.each([
    ['a host outside the allowed domains', 'https://taobao.evil.example/item'],
    ['a look-alike host', 'https://eviltaobao.com/item'],
    ['user information before the host', 'https://taobao.com@evil.example/item'],
    ['plain http', 'http://shop.taobao.com/item'],
  ])('refuses a link to %s with 409 and appends nothing', async (_case, url) => {
    const contractId = await activeContract('1000000');
    const contractBefore = await t.stream(`contract-${contractId}`);
    const campaignId = randomUUID();
    const refused = await create(campaign(contractId, { campaignId, linkTarget: { platform: 'taobao', url } }));
    expectProblem(refused, 409, 'LINK_TARGET_NOT_ALLOWED');
    expect(await t.stream(`contract-${contractId}`)).toEqual(contractBefore);
    expect(await t.stream(`campaign-${campaignId}`)).toEqual([]);
  });

  it('records a spend batch reported twice once', async () => {
    const contractId = await activeContract('1000000');
    const campaignId = await liveCampaign(contractId, '100000');
    const first = await reportSpend(campaignId, 'batch-1', '25000').expect(200);
    expect(first.body.events).toEqual(['CampaignSpendReported']);
    const retry = await reportSpend(campaignId, 'batch-1', '25000').expect(200);
    expect(retry.body).toEqual({ id: campaignId, revision: first.body.revision, position: null, events: [] });

    const conflicting = await reportSpend(campaignId, 'batch-1', '26000');
    expectProblem(conflicting, 409, 'SPEND_BATCH_CONFLICT');
    const spendEvents = (await t.stream(`campaign-${campaignId}`)).filter(
      (event) => event.type === 'CampaignSpendReported',
    );
    expect(spendEvents).toHaveLength(1);
    const read = await t.http.get(`/v1/campaigns/${campaignId}`).set('authorization', sales).expect(200);
    expect(read.body.spentMinor).toBe('25000');
  });

  it('pauses a campaign when its reported spend reaches its budget', async () => {
    const contractId = await activeContract('1000000');
    const campaignId = await liveCampaign(contractId, '100000');
    const under = await reportSpend(campaignId, 'batch-1', '60000').expect(200);
    expect(under.body.events).toEqual(['CampaignSpendReported']);
    const reaching = await reportSpend(campaignId, 'batch-2', '40000').expect(200);
    expect(reaching.body.events).toEqual(['CampaignSpendReported', 'CampaignPaused']);

    const events = await t.stream(`campaign-${campaignId}`);
    expect(events.at(-1)!.data).toEqual({ campaignId, reason: 'budget exhausted' });
    const read = await t.http.get(`/v1/campaigns/${campaignId}`).set('authorization', sales).expect(200);
    expect(read.body).toMatchObject({ status: 'Paused', spentMinor: '100000' });
  });

  it("bills each campaign only up to its own budget, so the contract's campaigns never bill beyond its value", async () => {
    const contractId = await activeContract('200000');
    const first = await liveCampaign(contractId, '120000');
    const second = await liveCampaign(contractId, '80000');
    const over = await reportSpend(first, 'batch-1', '130000').expect(200);
    expect(over.body.events).toEqual(['CampaignSpendReported', 'CampaignPaused']);
    await reportSpend(second, 'batch-1', '70000').expect(200);
    const reports = [...(await t.stream(`campaign-${first}`)), ...(await t.stream(`campaign-${second}`))].filter(
      (event) => event.type === 'CampaignSpendReported',
    );
    expect(reports.map((event) => [event.data.billableMinor, event.data.overdeliveredMinor])).toEqual([
      ['120000', '10000'],
      ['70000', '0'],
    ]);
    expect((await t.stream(`campaign-${first}`)).at(-1)!.data).toEqual({
      campaignId: first,
      reason: 'budget exhausted',
    });
  });

  it('moves the allocation with the budget, and gives back what a rejected or completed campaign did not spend', async () => {
    const contractId = await activeContract('1000000');
    const contractStream = `contract-${contractId}`;
    const campaignId = await liveCampaign(contractId, '300000');

    await t.http
      .put(`/v1/campaigns/${campaignId}/budget`)
      .set('authorization', sales)
      .send({ budgetMinor: '500000' })
      .expect(200);
    expect(holdings(await t.stream(contractStream)).get(campaignId)).toBe(500000n);

    const campaignBefore = await t.stream(`campaign-${campaignId}`);
    const contractBefore = await t.stream(contractStream);
    const tooMuch = await t.http
      .put(`/v1/campaigns/${campaignId}/budget`)
      .set('authorization', sales)
      .send({ budgetMinor: '1000001' });
    expectProblem(tooMuch, 409, 'BUDGET_EXCEEDED');
    expect(await t.stream(contractStream)).toEqual(contractBefore);
    expect(await t.stream(`campaign-${campaignId}`)).toEqual(campaignBefore);

    await reportSpend(campaignId, 'batch-1', '120000').expect(200);
    const completed = await t.http
      .post(`/v1/campaigns/${campaignId}/completion`)
      .set('authorization', sales)
      .expect(200);
    expect(completed.body.events).toEqual(['CampaignCompleted']);
    const afterCompletion = await t.stream(contractStream);
    expect(afterCompletion.at(-1)).toMatchObject({
      type: 'CampaignBudgetReleased',
      data: { campaignId, amountMinor: '380000' },
      metadata: { causationId: (await t.stream(`campaign-${campaignId}`)).at(-1)!.eventId },
    });
    expect(holdings(afterCompletion).get(campaignId)).toBe(120000n);

    const rejectedId = (await create(campaign(contractId, { budgetMinor: '200000' })).expect(201)).body.id as string;
    await t.http.post(`/v1/campaigns/${rejectedId}/submission`).set('authorization', sales).expect(200);
    await t.http
      .post(`/v1/campaigns/${rejectedId}/rejection`)
      .set('authorization', compliance)
      .send({ reason: 'the claims in the creative are not substantiated' })
      .expect(200);
    expect(holdings(await t.stream(contractStream)).get(rejectedId)).toBe(0n);
  });

  it('creates and allocates once when a creation is retried under the same Idempotency-Key', async () => {
    const contractId = await activeContract('1000000');
    const send = () =>
      create(campaign(contractId, { budgetMinor: '250000' })).set('idempotency-key', `create-${contractId}`);
    const first = await send().expect(201);
    const retry = await send().expect(201);
    expect(retry.body).toEqual(first.body);
    // As if the process had died after recording the campaign but before keeping its response: the
    // handler itself must recognise the command on both streams.
    await t.pool.query('DELETE FROM idempotent_responses');
    const afterLostResponse = await send().expect(201);
    expect(afterLostResponse.body).toEqual(first.body);
    expect(afterLostResponse.headers['idempotent-replayed']).toBe('true');

    const campaignId = first.body.id as string;
    expect(typesOf(await t.stream(`campaign-${campaignId}`))).toEqual(['CampaignCreated']);
    const allocations = (await t.stream(`contract-${contractId}`)).filter(
      (event) => event.type === 'CampaignBudgetAllocated',
    );
    expect(allocations.map((event) => event.data)).toEqual([{ contractId, campaignId, amountMinor: '250000' }]);
  });

  it('answers bad input with a 4xx problem and appends nothing', async () => {
    const contractId = await activeContract('1000000');
    const contractBefore = await t.stream(`contract-${contractId}`);
    const campaignId = randomUUID();
    const refusals: [string, object, number, string][] = [
      ['a fractional budget', { budgetMinor: '100.5' }, 400, 'VALIDATION_FAILED'],
      ['a negative budget', { budgetMinor: '-100' }, 400, 'VALIDATION_FAILED'],
      ['a budget as a number', { budgetMinor: 100000 }, 400, 'VALIDATION_FAILED'],
      ['a local time', { startsAt: '2027-01-01T08:00:00+08:00' }, 400, 'VALIDATION_FAILED'],
      ['a day that does not exist', { endsAt: '2027-02-30T00:00:00Z' }, 400, 'VALIDATION_FAILED'],
      ['an uppercase contract id', { contractId: contractId.toUpperCase() }, 400, 'VALIDATION_FAILED'],
      ['a link without a url', { linkTarget: { platform: 'taobao' } }, 400, 'VALIDATION_FAILED'],
      ['an unknown field', { discount: '10' }, 400, 'VALIDATION_FAILED'],
      ['a blank ad label', { adLabel: '   ' }, 409, 'AD_LABEL_REQUIRED'],
      ['a zero budget', { budgetMinor: '0' }, 409, 'BUDGET_NOT_POSITIVE'],
      ['an unknown contract', { contractId: randomUUID() }, 404, 'CONTRACT_NOT_FOUND'],
    ];
    for (const [, fields, status, code] of refusals) {
      expectProblem(await create(campaign(contractId, { campaignId, ...fields })), status, code);
    }
    const byCompliance = await t.http
      .post('/v1/campaigns')
      .set('authorization', compliance)
      .send(campaign(contractId, { campaignId }));
    expectProblem(byCompliance, 403, 'ROLE_REQUIRED');
    expectProblem(await t.http.get('/v1/campaigns/not-a-uuid').set('authorization', sales), 400, 'INVALID_ID');
    expectProblem(
      await t.http.get(`/v1/campaigns/${campaignId}`).set('authorization', sales),
      404,
      'CAMPAIGN_NOT_FOUND',
    );
    expect(await t.stream(`contract-${contractId}`)).toEqual(contractBefore);
    expect(await t.stream(`campaign-${campaignId}`)).toEqual([]);

    const live = await liveCampaign(contractId, '100000');
    const liveBefore = await t.stream(`campaign-${live}`);
    expectProblem(
      await t.http
        .post(`/v1/campaigns/${live}/spend`)
        .set('authorization', sales)
        .send({ batchId: 'b-1', amountMinor: '10', periodStart: startsAt, periodEnd: endsAt }),
      403,
      'ROLE_REQUIRED',
    );
    expectProblem(
      await t.http.post(`/v1/campaigns/${live}/pause`).set('authorization', sales).send({}),
      400,
      'VALIDATION_FAILED',
    );
    expect(await t.stream(`campaign-${live}`)).toEqual(liveBefore);
  });

  it('documents every campaign route in /docs', async () => {
    const docs = await t.http.get('/docs/openapi.json').expect(200);
    const paths = docs.body.paths as Record<string, Record<string, unknown>>;
    const routes = Object.entries(paths)
      .filter(([path]) => path.startsWith('/v1/campaigns'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      [
        'POST /v1/campaigns',
        'GET /v1/campaigns',
        'GET /v1/campaigns/{campaignId}',
        'POST /v1/campaigns/{campaignId}/submission',
        'POST /v1/campaigns/{campaignId}/approval',
        'POST /v1/campaigns/{campaignId}/rejection',
        'POST /v1/campaigns/{campaignId}/launch',
        'POST /v1/campaigns/{campaignId}/pause',
        'POST /v1/campaigns/{campaignId}/resumption',
        'POST /v1/campaigns/{campaignId}/completion',
        'POST /v1/campaigns/{campaignId}/policy-suspension',
        'PUT /v1/campaigns/{campaignId}/budget',
        'POST /v1/campaigns/{campaignId}/spend',
      ].sort(),
    );
  });
});
