import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import type { RecordedEvent } from '#event-store';
import { startTestApp, type TestApp } from './support/app';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Spend over real HTTP with the projector and the cascade reactor running in the app: billable
 * spend capped by each campaign's budget under concurrent reports, overdelivery recorded apart,
 * late reports for live periods accepted after a cascade suspended the campaign, and reconciliation
 * showing the three apart.
 */
// Two cores shared by many processes: setting up the world over HTTP takes longer than Jest's 5 s.
jest.setTimeout(120_000);

describe('campaign spend over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let sales: string;
  let compliance: string;
  let approver: string;
  let adServing: string;
  let finance: string;

  const advertiserId = randomUUID();
  const now = Date.now();

  const expectProblem = (response: Response, status: number, code: string): void => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status, code });
  };

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
        categories: ['beauty', 'food'],
        platforms: ['taobao'],
      })
      .expect(201);
    await t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', sales).expect(200);
    await t.http.post(`/v1/contracts/${contractId}/approval`).set('authorization', approver).expect(200);
    await t.http.post(`/v1/contracts/${contractId}/signature`).set('authorization', sales).expect(200);
    return contractId;
  };

  /** Created, submitted, approved and launched: Live. */
  const liveCampaign = async (contractId: string, budgetMinor: string, category = 'beauty'): Promise<string> => {
    const created = await t.http
      .post('/v1/campaigns')
      .set('authorization', sales)
      .send({
        contractId,
        advertiserId,
        category,
        budgetMinor,
        startsAt: `${dateOf(now)}T00:00:00Z`,
        endsAt: new Date(now + 30 * DAY_MS).toISOString(),
        adLabel: 'Ad',
      })
      .expect(201);
    const campaignId = created.body.id as string;
    await t.http.post(`/v1/campaigns/${campaignId}/submission`).set('authorization', sales).expect(200);
    await t.http.post(`/v1/campaigns/${campaignId}/approval`).set('authorization', compliance).expect(200);
    await t.http.post(`/v1/campaigns/${campaignId}/launch`).set('authorization', sales).expect(200);
    return campaignId;
  };

  const reportSpend = (campaignId: string, batchId: string, amountMinor: string, from: number, to: number) =>
    t.http
      .post(`/v1/campaigns/${campaignId}/spend`)
      .set('authorization', adServing)
      .send({ batchId, amountMinor, periodStart: new Date(from).toISOString(), periodEnd: new Date(to).toISOString() });

  const spendOf = (events: readonly RecordedEvent[]) => {
    const reports = events.filter((event) => event.type === 'CampaignSpendReported');
    const total = (field: string) => reports.reduce((sum, event) => sum + BigInt(String(event.data[field])), 0n);
    return {
      reports,
      amount: total('amountMinor'),
      billable: total('billableMinor'),
      over: total('overdeliveredMinor'),
    };
  };

  const approveCategory = async (category: string): Promise<void> => {
    await t.http
      .put(`/v1/link-eligible-categories/${category}`)
      .set('authorization', admin)
      .send({ regulated: false })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals`)
      .set('authorization', sales)
      .send({ category, licenceRef: `LIC-${category}`, validUntil: dateOf(now + 700 * DAY_MS) })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/${category}/approval`)
      .set('authorization', compliance)
      .expect(200);
  };

  beforeAll(async () => {
    t = await startTestApp({ RUN_PROJECTOR: 'true' });
    [admin, sales, compliance, approver, adServing, finance] = await Promise.all([
      t.as('ada', 'platform_admin'),
      t.as('sam', 'sales'),
      t.as('cora', 'compliance'),
      t.as('dana', 'deal_approver'),
      t.as('ad-serving', 'service'),
      t.as('finn', 'finance_auditor'),
    ]);
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .send({ advertiserId, legalName: 'Glow Cosmetics Co., Ltd.', registrationNumber: 'REG-9', kaTier: 'key' })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/verification`)
      .set('authorization', compliance)
      .send({ decision: 'verified' })
      .expect(200);
    await approveCategory('beauty');
    await approveCategory('food');
  });
  afterAll(() => t.close());

  it('never bills beyond a budget under 20 concurrent reports over 10 campaigns; the excess is overdelivery and pauses', async () => {
    const contractId = await activeContract('1000000');
    const campaigns: string[] = [];
    for (let n = 0; n < 10; n++) campaigns.push(await liveCampaign(contractId, '100000'));
    // Two reports per campaign, 60,000 and 70,000: whichever lands second crosses the budget.
    const reports = campaigns.flatMap((campaignId) => [
      reportSpend(campaignId, 'batch-a', '60000', now, now + HOUR_MS),
      reportSpend(campaignId, 'batch-b', '70000', now + HOUR_MS, now + 2 * HOUR_MS),
    ]);
    const responses = await Promise.all(reports);
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));

    let billedOnContract = 0n;
    for (const campaignId of campaigns) {
      const events = await t.stream(`campaign-${campaignId}`);
      const spend = spendOf(events);
      expect(spend.reports).toHaveLength(2);
      expect(spend.amount).toBe(130000n);
      expect(spend.billable).toBe(100000n);
      expect(spend.over).toBe(30000n);
      const pauses = events.filter((event) => event.type === 'CampaignPaused');
      expect(pauses.map((event) => event.data.reason)).toEqual(['budget exhausted']);
      const read = await t.http.get(`/v1/campaigns/${campaignId}`).set('authorization', sales).expect(200);
      expect(read.body).toMatchObject({ status: 'Paused', spentMinor: '100000', overdeliveredMinor: '30000' });
      billedOnContract += spend.billable;
    }
    expect(billedOnContract).toBe(1000000n);

    const reconciliation = await t.http
      .get(`/v1/audit/reconciliation?contractId=${contractId}`)
      .set('authorization', finance)
      .expect(200);
    expect(reconciliation.body).toMatchObject({
      contractValueMinor: '1000000',
      spentMinor: '1000000',
      overdeliveredMinor: '300000',
      lateRecordedMinor: '0',
      variance: { allocatedMinusSpentMinor: '0' },
    });
  });

  it('records a late report for a live period after a cascade suspended the campaign, and refuses periods it was not live', async () => {
    const contractId = await activeContract('1000000');
    const campaignId = await liveCampaign(contractId, '100000', 'food');
    const launchedAt = Date.parse(String((await t.stream(`campaign-${campaignId}`)).at(-1)!.metadata.recordedAt));
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/food/revocation`)
      .set('authorization', compliance)
      .send({ reason: 'licence withdrawn by the regulator' })
      .expect(200);

    // The cascade reactor suspends the campaign (bounded wait: it runs in the app's projector).
    const deadline = Date.now() + 15_000;
    let suspension: RecordedEvent | undefined;
    while (suspension === undefined && Date.now() < deadline) {
      suspension = (await t.stream(`campaign-${campaignId}`)).find((e) => e.type === 'CampaignSuspendedByPolicy');
      if (suspension === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(suspension).toBeDefined();
    const suspendedAt = Date.parse(String(suspension!.metadata.recordedAt));

    // Delivered while live (from the hour before the launch up to it), reported after the suspension.
    const late = await reportSpend(campaignId, 'late-1', '25000', launchedAt - HOUR_MS, launchedAt + 1).expect(200);
    expect(late.body.events).toEqual(['CampaignSpendReported']);
    const before = await t.stream(`campaign-${campaignId}`);
    expect(before.at(-1)!.data).toMatchObject({
      amountMinor: '25000',
      billableMinor: '25000',
      overdeliveredMinor: '0',
    });

    expectProblem(
      await reportSpend(campaignId, 'after', '100', suspendedAt + 1, suspendedAt + HOUR_MS),
      409,
      'SPEND_PERIOD_NOT_LIVE',
    );
    expectProblem(
      await reportSpend(campaignId, 'before', '100', launchedAt - 2 * HOUR_MS, launchedAt - HOUR_MS),
      409,
      'SPEND_PERIOD_NOT_LIVE',
    );
    expect(await t.stream(`campaign-${campaignId}`)).toEqual(before);
    // A retried late batch is acknowledged once, as before.
    const retry = await reportSpend(campaignId, 'late-1', '25000', launchedAt - HOUR_MS, launchedAt + 1).expect(200);
    expect(retry.body.events).toEqual([]);

    const reconciliation = await t.http
      .get(`/v1/audit/reconciliation?contractId=${contractId}`)
      .set('authorization', finance)
      .expect(200);
    expect(reconciliation.body).toMatchObject({
      spentMinor: '25000',
      overdeliveredMinor: '0',
      lateRecordedMinor: '25000',
    });
    expect(reconciliation.body.campaigns[0]).toMatchObject({
      campaignId,
      status: 'PolicySuspended',
      spentMinor: '25000',
      lateRecordedMinor: '25000',
    });
    expect(reconciliation.body.campaigns[0].spend).toEqual([
      expect.objectContaining({
        batchId: 'late-1',
        billableMinor: '25000',
        overdeliveredMinor: '0',
        lateRecorded: true,
      }),
    ]);
  });
});
