import { randomUUID } from 'node:crypto';
import { HistoryWriter, events } from '../bench/support/domain-history';
import { Scheduler, deadlineCommandId, pruneLinkPermissionChanges } from '#read-models';
import { SchedulerCommands } from '#application';
import { startTestApp, type TestApp } from './support/app';

/**
 * Lists, inboxes, the link-permission change feed and the serving answer over real HTTP, with the
 * projector running inside the app.
 */
// Starting the app and recording the story over HTTP takes seconds on a loaded machine.
jest.setTimeout(60_000);

describe('work queues and downstream feeds over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let sam: string;
  let samApprover: string;
  let sue: string;
  let cora: string;
  let dana: string;
  let service: string;

  const advertiserId = randomUUID();
  const contractId = randomUUID();
  const campaignId = randomUUID();
  const year = new Date().getUTCFullYear();
  let last = '0';

  const ok = (status: number) => (response: { status: number; body: unknown; headers: Record<string, string> }) => {
    if (response.status !== status)
      throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
    last = response.headers['x-event-position'] ?? last;
  };
  const get = (path: string, token: string) => t.http.get(path).set('authorization', token).set('x-min-position', last);

  beforeAll(async () => {
    t = await startTestApp({ RUN_PROJECTOR: 'true' });
    [admin, sam, samApprover, sue, cora, dana, service] = await Promise.all([
      t.as('ada', 'platform_admin'),
      t.as('sam', 'sales'),
      t.as('sam', 'sales', 'deal_approver', 'compliance'),
      t.as('sue', 'sales'),
      t.as('cora', 'compliance'),
      t.as('dana', 'deal_approver'),
      t.as('ad-serving', 'service'),
    ]);
    await t.http
      .put('/v1/platforms/taobao')
      .set('authorization', admin)
      .send({ displayName: 'Taobao', allowedDomains: ['taobao.com'] })
      .expect(ok(201));
    await t.http
      .put('/v1/link-eligible-categories/beauty')
      .set('authorization', admin)
      .send({ regulated: false })
      .expect(ok(201));
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sam)
      .send({
        advertiserId,
        legalName: '深圳市美妆有限公司',
        registrationNumber: 'ＲＥＧ４４０３',
        kaTier: 'strategic',
      })
      .expect(ok(201));
    await t.http
      .post(`/v1/advertisers/${advertiserId}/verification`)
      .set('authorization', cora)
      .send({ decision: 'verified' })
      .expect(ok(200));
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals`)
      .set('authorization', sam)
      .send({ category: 'beauty', licenceRef: 'LIC-1', validUntil: `${year + 2}-12-31` })
      .expect(ok(201));
    await t.http
      .post('/v1/contracts')
      .set('authorization', sam)
      .send({
        contractId,
        advertiserId,
        currency: 'CNY',
        totalValueMinor: '120000000',
        startsOn: `${year}-01-01`,
        endsOn: `${year + 1}-12-31`,
        categories: ['beauty'],
        platforms: ['taobao'],
      })
      .expect(ok(201));
    await t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', sam).expect(ok(200));
  });
  afterAll(() => t?.close());

  it('puts the submitted contract in the deal approvers’ inbox, but not in its submitter’s', async () => {
    const inbox = await get('/v1/inbox/deal-approvals', dana).expect(200);
    expect(inbox.body).toEqual({
      items: [
        expect.objectContaining({ kind: 'contract', contractId, advertiserId, requestedBy: 'sam', version: null }),
      ],
      nextCursor: null,
    });
    expect(inbox.body.items[0].ageSeconds).toBeGreaterThanOrEqual(0);
    expect((await get('/v1/inbox/deal-approvals', samApprover).expect(200)).body.items).toEqual([]);
    await get('/v1/inbox/deal-approvals', sam).expect(403);
    const compliance = await get('/v1/inbox/compliance-reviews', cora).expect(200);
    expect(compliance.body.items).toEqual([
      expect.objectContaining({ kind: 'categoryApproval', subjectId: `${advertiserId}_beauty`, category: 'beauty' }),
    ]);
    expect((await get('/v1/inbox/compliance-reviews', samApprover).expect(200)).body.items).toEqual([]);
  });

  it('serves a launched campaign and says why not once its category is revoked; the feed carries the change', async () => {
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/approval`)
      .set('authorization', cora)
      .expect(ok(200));
    await t.http.post(`/v1/contracts/${contractId}/approval`).set('authorization', dana).expect(ok(200));
    await t.http.post(`/v1/contracts/${contractId}/signature`).set('authorization', sam).expect(ok(200));
    await t.http
      .post(`/v1/contracts/${contractId}/external-links`)
      .set('authorization', cora)
      .send({ platform: 'taobao', categories: ['beauty'] })
      .expect(ok(200));
    await t.http
      .post('/v1/campaigns')
      .set('authorization', sam)
      .send({
        campaignId,
        contractId,
        advertiserId,
        category: 'beauty',
        budgetMinor: '500000',
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: `${year + 1}-06-30T00:00:00.000Z`,
        linkTarget: { platform: 'taobao', url: 'https://item.taobao.com/item.htm?id=7' },
        adLabel: '广告',
      })
      .expect(ok(201));
    const draft = await get(`/v1/serving/campaigns/${campaignId}`, service).expect(200);
    expect(draft.body).toMatchObject({ serve: false, live: false, reasons: ['CAMPAIGN_NOT_LIVE'], linkAllowed: true });

    await t.http.post(`/v1/campaigns/${campaignId}/submission`).set('authorization', sam).expect(ok(200));
    const compliance = await get('/v1/inbox/compliance-reviews', cora).expect(200);
    expect(compliance.body.items).toEqual([expect.objectContaining({ kind: 'campaign', campaignId })]);
    await t.http.post(`/v1/campaigns/${campaignId}/approval`).set('authorization', cora).expect(ok(200));
    await t.http.post(`/v1/campaigns/${campaignId}/launch`).set('authorization', sam).expect(ok(200));
    const live = await get(`/v1/serving/campaigns/${campaignId}`, service).expect(200);
    expect(live.body).toMatchObject({
      campaignId,
      status: 'Live',
      live: true,
      withinBudget: true,
      linkAllowed: true,
      serve: true,
      reasons: [],
      remainingMinor: '500000',
      linkTarget: { platform: 'taobao', url: 'https://item.taobao.com/item.htm?id=7' },
    });
    expect(BigInt(live.headers['x-projection-position']!)).toBeGreaterThanOrEqual(BigInt(last));

    const snapshot = await get('/v1/link-permissions/changes', service).query({ after: '0' }).expect(200);
    expect(snapshot.body.changes.at(-1)).toMatchObject({ contractId, platform: 'taobao', removed: false });
    expect(snapshot.body.changes.at(-1).permission).toMatchObject({ allowed: true, reasons: [] });
    // Long-poll from where the snapshot ended: it answers when the revocation is projected.
    const poll = get('/v1/link-permissions/changes', service)
      .set('x-min-position', '0')
      .query({ after: snapshot.body.next, waitMs: '20000' })
      .then((response) => response);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const revoked = await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/revocation`)
      .set('authorization', cora)
      .send({ reason: 'licence withdrawn' })
      .expect(ok(200));
    const changed = await poll;
    expect(changed.status).toBe(200);
    // The first change is the revocation's, at its position, alone: the cascade's link withdrawal
    // gets an entry of its own even when the projector reads both in one batch.
    const [first] = changed.body.changes;
    expect(first).toEqual(
      expect.objectContaining({
        contractId,
        platform: 'taobao',
        category: 'beauty',
        removed: false,
        permission: expect.objectContaining({ allowed: false }),
      }),
    );
    expect(first.permission.reasons).toEqual(['CATEGORY_REVOKED']);
    expect(first.position).toBe(revoked.headers['x-event-position']);
    expect(BigInt(changed.body.next)).toBeGreaterThanOrEqual(BigInt(revoked.headers['x-event-position']!));

    const denied = await get(`/v1/serving/campaigns/${campaignId}`, service).expect(200);
    expect(denied.body).toMatchObject({ serve: false, linkAllowed: false });
    expect(denied.body.reasons).toContain('CATEGORY_REVOKED');
  });

  it('streams the same changes as Server-Sent Events, one event per position, with the position as id', async () => {
    const aborted = new AbortController();
    const response = await fetch(`${t.baseUrl}/v1/link-permissions/changes?after=0`, {
      headers: { authorization: service, accept: 'text/event-stream' },
      signal: aborted.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('CATEGORY_REVOKED')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    aborted.abort();
    const events = text
      .split('\n\n')
      .filter((block) => block.startsWith('id: '))
      .map((block) => {
        const [idLine, eventLine, dataLine] = block.split('\n');
        return { id: idLine!.slice(4), event: eventLine, data: JSON.parse(dataLine!.slice(6)) };
      });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((event) => event.event === 'event: changes' && event.data.position === event.id)).toBe(true);
    const ids = events.map((event) => BigInt(event.id));
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => (a < b ? -1 : 1)));
    // The cascade may already have disabled the link as well.
    expect(events.at(-1)!.data.changes[0].permission.reasons).toContain('CATEGORY_REVOKED');
  });

  it('refuses a bad position or Last-Event-ID with 400', async () => {
    const bad = await get('/v1/link-permissions/changes', service).query({ after: 'abc' }).expect(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    await get('/v1/link-permissions/changes', service).set('last-event-id', 'x').expect(400);
    await get(`/v1/serving/campaigns/${randomUUID()}`, service).expect(404);
  });

  it('reads a version-1 ContractDrafted already in the store: commands, lists and state as of see it upcast; the audit as stored', async () => {
    const oldContract = randomUUID();
    const written = await new HistoryWriter(t.eventStore).append(
      [events.contractDrafted(oldContract, advertiserId, { categories: ['beauty'], platforms: ['taobao'] })],
      { userId: 'sam', roles: ['sales'] },
    );
    last = written.toString();
    await t.http.post(`/v1/contracts/${oldContract}/submission`).set('authorization', sam).expect(ok(200));
    const listed = await get('/v1/contracts', cora).query({ advertiserId, channel: 'direct' }).expect(200);
    expect(listed.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ contractId: oldContract, channel: 'direct', status: 'Submitted' }),
      ]),
    );
    const auditor = await t.as('fin', 'finance_auditor');
    const asOf = await get(`/v1/audit/contracts/${oldContract}`, auditor).expect(200);
    expect(JSON.stringify(asOf.body)).toContain('"channel":"direct"');
    const stream = await get(`/v1/audit/streams/contract-${oldContract}`, auditor).expect(200);
    const storedDraft = JSON.stringify(stream.body).slice(0, 2000);
    expect(storedDraft).toContain('"schemaVersion":1');
    expect(storedDraft).not.toContain('"channel"');
    const verified = await get('/v1/audit/verify', auditor).query({ category: 'contract' }).expect(200);
    expect(verified.body).toMatchObject({ verified: true, brokenLinks: 0 });
  });

  it('completes a campaign whose end has passed as system:scheduler, once, through the command path', async () => {
    const [client, deal, shortCampaign] = [randomUUID(), randomUUID(), randomUUID()];
    const endsAt = new Date(Date.now() + 3_000).toISOString();
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sam)
      .send({ advertiserId: client, legalName: 'Short Run Ltd', registrationNumber: 'SR-1', kaTier: 'growth' })
      .expect(ok(201));
    await t.http
      .post(`/v1/advertisers/${client}/verification`)
      .set('authorization', cora)
      .send({ decision: 'verified' })
      .expect(ok(200));
    await t.http
      .post(`/v1/advertisers/${client}/category-approvals`)
      .set('authorization', sam)
      .send({ category: 'beauty', licenceRef: 'LIC-2', validUntil: `${year + 2}-12-31` })
      .expect(ok(201));
    await t.http
      .post(`/v1/advertisers/${client}/category-approvals/beauty/approval`)
      .set('authorization', cora)
      .expect(ok(200));
    await t.http
      .post('/v1/contracts')
      .set('authorization', sam)
      .send({
        contractId: deal,
        advertiserId: client,
        currency: 'CNY',
        totalValueMinor: '100000',
        startsOn: `${year}-01-01`,
        endsOn: `${year + 1}-12-31`,
        categories: ['beauty'],
        platforms: ['taobao'],
      })
      .expect(ok(201));
    await t.http.post(`/v1/contracts/${deal}/submission`).set('authorization', sam).expect(ok(200));
    await t.http.post(`/v1/contracts/${deal}/approval`).set('authorization', dana).expect(ok(200));
    await t.http.post(`/v1/contracts/${deal}/signature`).set('authorization', sam).expect(ok(200));
    await t.http
      .post('/v1/campaigns')
      .set('authorization', sam)
      .send({
        campaignId: shortCampaign,
        contractId: deal,
        advertiserId: client,
        category: 'beauty',
        budgetMinor: '1000',
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt,
        adLabel: '广告',
      })
      .expect(ok(201));
    await t.http.post(`/v1/campaigns/${shortCampaign}/submission`).set('authorization', sam).expect(ok(200));
    await t.http.post(`/v1/campaigns/${shortCampaign}/approval`).set('authorization', cora).expect(ok(200));
    await t.http.post(`/v1/campaigns/${shortCampaign}/launch`).set('authorization', sam).expect(ok(200));
    // The app's own scheduler ticks too (every 30 s): whichever fires first, the completion is recorded once.
    const scheduler = new Scheduler({ pool: t.pool, dispatch: t.app.get(SchedulerCommands).dispatch });
    const completions = async () =>
      (await t.stream(`campaign-${shortCampaign}`)).filter((e) => e.type === 'CampaignCompleted');
    const deadline = Date.now() + 15_000;
    while ((await completions()).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await scheduler.tick();
    }
    expect(await scheduler.tick()).toEqual([]);
    const completed = await completions();
    expect(completed).toHaveLength(1);
    expect(completed[0]!.metadata).toMatchObject({
      commandId: deadlineCommandId({ kind: 'campaignCompletion', subject_id: shortCampaign, ends: endsAt }),
      actor: { userId: 'system:scheduler', roles: ['service'] },
    });
    // The date that passed is the recorded reason, and the audit trail shows it as one.
    expect(completed[0]!.data.reason).toBe(`campaign ended at ${endsAt}`);
    const audited = await get(
      `/v1/audit/streams/campaign-${shortCampaign}`,
      await t.as('fin', 'finance_auditor'),
    ).expect(200);
    expect(audited.body.events.find((e: { type: string }) => e.type === 'CampaignCompleted')).toMatchObject({
      reason: `campaign ended at ${endsAt}`,
    });
    // The unspent budget goes back to the contract, as after any completion.
    const released = (await t.stream(`contract-${deal}`)).filter(
      (e) => e.type === 'CampaignBudgetReleased' && e.data.campaignId === shortCampaign,
    );
    expect(released.map((e) => e.data.amountMinor)).toEqual(['1000']);
  });

  it('lists and searches, scoped to a salesperson’s own clients, with opaque cursors', async () => {
    const found = await get('/v1/advertisers', cora).query({ q: '美妆', kaTier: 'strategic' }).expect(200);
    expect(found.body.items).toEqual([
      expect.objectContaining({ advertiserId, legalName: '深圳市美妆有限公司', verification: 'Verified' }),
    ]);
    expect((await get('/v1/advertisers', cora).query({ q: 'reg4403' }).expect(200)).body.items).toHaveLength(1);
    expect((await get('/v1/advertisers', sue).query({ q: '美妆' }).expect(200)).body.items).toEqual([]);

    const contracts = await get('/v1/contracts', sam)
      .query({ advertiserId, status: 'Active', platform: 'taobao', minValueMinor: '1', endingWithinDays: '800' })
      .expect(200);
    expect(contracts.body).toEqual({
      items: [expect.objectContaining({ contractId, totalValueMinor: '120000000', salesOwnerId: 'sam' })],
      nextCursor: null,
    });
    expect((await get('/v1/contracts', sue).expect(200)).body.items).toEqual([]);
    const campaigns = await get('/v1/campaigns', cora).query({ contractId, limit: '1' }).expect(200);
    expect(campaigns.body.items).toEqual([expect.objectContaining({ campaignId, platform: 'taobao' })]);

    const badCursor = await get('/v1/contracts', cora).query({ cursor: 'not-a-cursor' }).expect(400);
    expect(badCursor.body.code).toBe('INVALID_CURSOR');
    await get('/v1/contracts', cora).query({ status: 'Sleeping' }).expect(400);
    await get('/v1/contracts', cora).query({ minValueMinor: '1.5' }).expect(400);
  });

  // Last: it prunes the change feed the tests above follow from position 0.
  it('answers 410 FEED_POSITION_EXPIRED for a position whose changes were pruned, by poll and by event stream', async () => {
    const { prunedThrough } = await pruneLinkPermissionChanges(t.pool, 0);
    expect(prunedThrough).toBeGreaterThan(0n);

    const expired = await get('/v1/link-permissions/changes', service).query({ after: '0' }).expect(410);
    expect(expired.headers['content-type']).toContain('application/problem+json');
    expect(expired.body).toMatchObject({ status: 410, code: 'FEED_POSITION_EXPIRED' });
    const stream = await get('/v1/link-permissions/changes', service)
      .set('accept', 'text/event-stream')
      .set('last-event-id', '1')
      .expect(410);
    expect(stream.body.code).toBe('FEED_POSITION_EXPIRED');

    const fromHorizon = await get('/v1/link-permissions/changes', service)
      .query({ after: prunedThrough.toString() })
      .expect(200);
    expect(fromHorizon.body.changes).toEqual([]);
  });
});
