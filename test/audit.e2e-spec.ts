import { randomUUID } from 'node:crypto';
import type { Response, Test } from 'supertest';
import type { Role } from '#domain';
import type { RecordedEvent } from '#event-store';
import { startTestApp, type TestApp } from './support/app';

const DAY_MS = 86_400_000;
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** What the API answered right after a command: the state, and where the log was. */
interface Moment {
  readonly label: string;
  readonly position: string;
  /** The last event of the stream GET read. */
  readonly lastPosition: string;
  readonly recordedAt: string;
  readonly etag: string;
  readonly body: unknown;
}

/**
 * The audit API over real HTTP against the real app. A KA client's story is recorded through the
 * command API; at each step the test remembers what GET answered and the X-Event-Position of the
 * command, and later asks the audit API for the state as of those moments.
 */
describe('finance audit API over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let sales: string;
  let compliance: string;
  let approver: string;
  let adServing: string;
  let finance: string;

  const now = Date.now();
  const advertiserId = randomUUID();
  const otherAdvertiserId = randomUUID();
  const contractId = randomUUID();
  const otherContractId = randomUUID();
  const terms = {
    currency: 'CNY',
    totalValueMinor: '1000000',
    startsOn: dateOf(now - 30 * DAY_MS),
    endsOn: dateOf(now + 365 * DAY_MS),
    categories: ['beauty'],
    platforms: ['taobao'],
  };
  // Spend is accepted only for periods in which the campaign was live: they are launched during
  // the run and report spend before they stop, so the periods lie on the next two days.
  const nextDay = dateOf(now + DAY_MS);
  const dayAfter = dateOf(now + 2 * DAY_MS);
  const period1 = { periodStart: `${nextDay}T00:00:00Z`, periodEnd: `${nextDay}T01:00:00Z` };
  const period2 = { periodStart: `${dayAfter}T00:00:00Z`, periodEnd: `${dayAfter}T01:00:00Z` };

  const contractMoments: Moment[] = [];
  const advertiserMoments: Moment[] = [];
  const campaignMoments: Moment[] = [];
  let firstCampaignId = '';
  let secondCampaignId = '';
  let lastRecordedMs = 0;

  const expectProblem = (response: Response, status: number, code?: string): void => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject(code === undefined ? { status } : { status, code });
  };

  const audit = (path: string) => t.http.get(`/v1/audit${path}`).set('authorization', finance);

  /**
   * Runs a command, then remembers what GET `readPath` answered and where the log was. Each command
   * starts on a later millisecond than the one before, so a moment names one step by time as well.
   */
  const step = async (
    label: string,
    command: () => Test,
    streamId: string,
    readPath: string,
    moments: Moment[],
  ): Promise<Response> => {
    while (Date.now() <= lastRecordedMs) await new Promise((resolve) => setImmediate(resolve));
    const response = await command();
    expect([200, 201]).toContain(response.status);
    const last = (await t.stream(streamId)).at(-1)!;
    lastRecordedMs = Date.parse(String(last.metadata.recordedAt));
    const read = await t.http.get(readPath).set('authorization', sales).expect(200);
    // A completion reports the campaign event's position but gives the budget back on the contract
    // after it; GET shows that release, so the moment is the later of the two.
    const reported = BigInt(response.headers['x-event-position']!);
    moments.push({
      label,
      position: (reported > last.position ? reported : last.position).toString(),
      lastPosition: last.position.toString(),
      recordedAt: String(last.metadata.recordedAt),
      etag: String(read.headers.etag),
      body: read.body,
    });
    return response;
  };

  const contractStep = (label: string, command: () => Test) =>
    step(label, command, `contract-${contractId}`, `/v1/contracts/${contractId}`, contractMoments);

  const campaignBody = (budgetMinor: string) => ({
    contractId,
    advertiserId,
    category: 'beauty',
    budgetMinor,
    startsAt: `${dateOf(now)}T00:00:00Z`,
    endsAt: new Date(now + 30 * DAY_MS).toISOString(),
    linkTarget: { platform: 'taobao', url: 'https://shop.taobao.com/item?id=7' },
    adLabel: 'Ad',
  });

  const launchCampaign = async (budgetMinor: string): Promise<string> => {
    const created = await contractStep(`campaign of ${budgetMinor} created`, () =>
      t.http.post('/v1/campaigns').set('authorization', sales).send(campaignBody(budgetMinor)),
    );
    const campaignId = created.body.id as string;
    await t.http.post(`/v1/campaigns/${campaignId}/submission`).set('authorization', sales).expect(200);
    await t.http.post(`/v1/campaigns/${campaignId}/approval`).set('authorization', compliance).expect(200);
    await t.http.post(`/v1/campaigns/${campaignId}/launch`).set('authorization', sales).expect(200);
    return campaignId;
  };

  const reportSpend = (campaignId: string, batchId: string, amountMinor: string, period: typeof period1) =>
    step(
      `spend ${batchId} of ${campaignId}`,
      () =>
        t.http
          .post(`/v1/campaigns/${campaignId}/spend`)
          .set('authorization', adServing)
          .send({ batchId, amountMinor, ...period }),
      `campaign-${campaignId}`,
      `/v1/campaigns/${campaignId}`,
      campaignId === firstCampaignId ? campaignMoments : [],
    );

  const registerVerifiedAdvertiser = async (id: string, name: string): Promise<void> => {
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .send({ advertiserId: id, legalName: name, registrationNumber: `REG-${id.slice(0, 4)}`, kaTier: 'key' })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${id}/verification`)
      .set('authorization', compliance)
      .send({ decision: 'verified' })
      .expect(200);
    await t.http
      .post(`/v1/advertisers/${id}/category-approvals`)
      .set('authorization', sales)
      .send({ category: 'beauty', licenceRef: 'NMPA-2026-00417', validUntil: dateOf(now + 730 * DAY_MS) })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${id}/category-approvals/beauty/approval`)
      .set('authorization', compliance)
      .expect(200);
  };

  const draftAndSign = async (id: string, advertiser: string, steps: boolean): Promise<void> => {
    const run = async (label: string, command: () => Test): Promise<Response> => {
      if (steps) return contractStep(label, command);
      const response = await command();
      expect([200, 201]).toContain(response.status);
      return response;
    };
    await run('drafted', () =>
      t.http
        .post('/v1/contracts')
        .set('authorization', sales)
        .send({ contractId: id, advertiserId: advertiser, ...terms }),
    );
    await run('submitted', () => t.http.post(`/v1/contracts/${id}/submission`).set('authorization', sales));
    await run('approved', () => t.http.post(`/v1/contracts/${id}/approval`).set('authorization', approver));
    await run('signed', () => t.http.post(`/v1/contracts/${id}/signature`).set('authorization', sales));
    await run('link enabled', () =>
      t.http
        .post(`/v1/contracts/${id}/external-links`)
        .set('authorization', compliance)
        .send({ platform: 'taobao', categories: ['beauty'] }),
    );
  };

  const allEvents = (): Promise<RecordedEvent[]> => t.eventStore.readAll({ maxCount: 100_000 });

  const readAllPages = async (query: string, limit: number): Promise<{ positions: string[]; pages: number }> => {
    const positions: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const page: Response = await audit(
        `/events?${query}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`,
      ).expect(200);
      pages++;
      positions.push(...page.body.events.map((event: { position: string }) => event.position));
      if (!page.body.hasMore) return { positions, pages };
      cursor = page.body.next;
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
    [admin, sales, compliance, approver, adServing, finance] = await Promise.all([
      t.as('ada', 'platform_admin'),
      t.as('sam', 'sales'),
      t.as('cora', 'compliance'),
      t.as('dana', 'deal_approver'),
      t.as('ad-serving', 'service'),
      t.as('fiona', 'finance_auditor'),
    ]);
    await t.http
      .put('/v1/platforms/taobao')
      .set('authorization', admin)
      .send({ displayName: 'Taobao', allowedDomains: ['taobao.com'] })
      .expect(201);
    await t.http
      .put('/v1/link-eligible-categories/beauty')
      .set('authorization', admin)
      .send({ regulated: true })
      .expect(201);

    await step(
      'registered',
      () =>
        t.http.post('/v1/advertisers').set('authorization', sales).send({
          advertiserId,
          legalName: 'Glow Cosmetics Co., Ltd.',
          registrationNumber: 'REG-9',
          kaTier: 'growth',
        }),
      `advertiser-${advertiserId}`,
      `/v1/advertisers/${advertiserId}`,
      advertiserMoments,
    );
    await step(
      'verified',
      () =>
        t.http
          .post(`/v1/advertisers/${advertiserId}/verification`)
          .set('authorization', compliance)
          .send({ decision: 'verified' }),
      `advertiser-${advertiserId}`,
      `/v1/advertisers/${advertiserId}`,
      advertiserMoments,
    );
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals`)
      .set('authorization', sales)
      .send({ category: 'beauty', licenceRef: 'NMPA-2026-00417', validUntil: dateOf(now + 730 * DAY_MS) })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/approval`)
      .set('authorization', compliance)
      .expect(200);
    await step(
      'tier changed',
      () => t.http.put(`/v1/advertisers/${advertiserId}/ka-tier`).set('authorization', sales).send({ kaTier: 'key' }),
      `advertiser-${advertiserId}`,
      `/v1/advertisers/${advertiserId}`,
      advertiserMoments,
    );

    await registerVerifiedAdvertiser(otherAdvertiserId, 'Other Brand Ltd.');
    await draftAndSign(otherContractId, otherAdvertiserId, false);

    await draftAndSign(contractId, advertiserId, true);
    await contractStep('amendment proposed', () =>
      t.http
        .post(`/v1/contracts/${contractId}/amendments`)
        .set('authorization', sales)
        .send({ changes: { totalValueMinor: '2000000', endsOn: dateOf(now + 500 * DAY_MS) } }),
    );
    await contractStep('amendment approved', () =>
      t.http.post(`/v1/contracts/${contractId}/amendments/2/approval`).set('authorization', approver),
    );

    firstCampaignId = await launchCampaign('300000');
    secondCampaignId = await launchCampaign('200000');
    await reportSpend(firstCampaignId, 'b-1', '100000', period1);
    await reportSpend(firstCampaignId, 'b-2', '50000', period2);
    await reportSpend(secondCampaignId, 'b-1', '20000', period1);
    await contractStep('second campaign completed', () =>
      t.http.post(`/v1/campaigns/${secondCampaignId}/completion`).set('authorization', sales),
    );
    const paused = await t.http
      .post(`/v1/campaigns/${firstCampaignId}/pause`)
      .set('authorization', sales)
      .send({ reason: 'creative refresh, see ticket "CR-7", part 2' })
      .expect(200);
    // The log reads up to the horizon, which is cluster-wide: another test's open transaction may
    // hold it back a moment after the last write.
    const last = BigInt(paused.headers['x-event-position']!);
    while ((await t.eventStore.headPosition()) < last) await new Promise((resolve) => setTimeout(resolve, 20));
  });
  afterAll(() => t?.close());

  describe('state as of a moment', () => {
    it('answers, for every remembered moment, what GET /v1/contracts/{id} answered then, by position and by time', async () => {
      expect(contractMoments.length).toBeGreaterThanOrEqual(9);
      for (const moment of contractMoments) {
        const byPosition = await audit(`/contracts/${contractId}?asOf=${moment.position}`).expect(200);
        expect({ label: moment.label, state: byPosition.body.state }).toEqual({
          label: moment.label,
          state: moment.body,
        });
        expect(`W/"${byPosition.body.revision}"`).toBe(moment.etag);
        expect(byPosition.body.position).toBe(moment.lastPosition);
        const byTime = await audit(`/contracts/${contractId}?asOf=${moment.recordedAt}`).expect(200);
        expect({ label: moment.label, state: byTime.body.state }).toEqual({ label: moment.label, state: moment.body });
        expect(byTime.body.revision).toBe(byPosition.body.revision);
      }
    });

    it('shows the terms before and after the amendment', async () => {
      const proposed = contractMoments.find((moment) => moment.label === 'amendment proposed')!;
      const approved = contractMoments.find((moment) => moment.label === 'amendment approved')!;
      const before = await audit(`/contracts/${contractId}?asOf=${proposed.position}`).expect(200);
      expect(before.body.state).toMatchObject({
        status: 'Active',
        version: 1,
        terms: { totalValueMinor: '1000000', endsOn: terms.endsOn },
        pendingAmendment: { version: 2, changes: { totalValueMinor: '2000000' }, proposedBy: 'sam' },
      });
      // One position before the approval is still before it.
      const justBefore = await audit(`/contracts/${contractId}?asOf=${BigInt(approved.position) - 1n}`).expect(200);
      expect(justBefore.body.state).toEqual(before.body.state);
      const after = await audit(`/contracts/${contractId}?asOf=${approved.position}`).expect(200);
      expect(after.body.state).toMatchObject({
        version: 2,
        terms: { totalValueMinor: '2000000', endsOn: dateOf(now + 500 * DAY_MS) },
        pendingAmendment: null,
      });
      const nowState = await audit(`/contracts/${contractId}`).expect(200);
      const current = await t.http.get(`/v1/contracts/${contractId}`).set('authorization', finance).expect(200);
      expect(nowState.body).toMatchObject({ asOf: null, state: current.body });
    });

    it('does the same for advertisers and campaigns', async () => {
      expect(advertiserMoments).toHaveLength(3);
      expect(campaignMoments).toHaveLength(2);
      const cases: [string, string, Moment[]][] = [
        ['advertisers', advertiserId, advertiserMoments],
        ['campaigns', firstCampaignId, campaignMoments],
      ];
      for (const [resource, id, moments] of cases) {
        for (const moment of moments) {
          for (const asOf of [moment.position, moment.recordedAt]) {
            const answer = await audit(`/${resource}/${id}?asOf=${asOf}`).expect(200);
            expect({ label: moment.label, state: answer.body.state }).toEqual({
              label: moment.label,
              state: moment.body,
            });
            expect(`W/"${answer.body.revision}"`).toBe(moment.etag);
          }
        }
      }
      const verified = await audit(`/advertisers/${advertiserId}?asOf=${advertiserMoments[1]!.position}`).expect(200);
      expect(verified.body.state).toMatchObject({ verification: 'Verified', kaTier: 'growth' });
    });

    it('answers 404 before the first event and for unknown ids, and 400 for a malformed asOf', async () => {
      const first = contractMoments[0]!;
      expectProblem(
        await audit(`/contracts/${contractId}?asOf=${BigInt(first.position) - 1n}`),
        404,
        'CONTRACT_NOT_FOUND',
      );
      expectProblem(await audit(`/contracts/${contractId}?asOf=2001-01-01T00:00:00Z`), 404, 'CONTRACT_NOT_FOUND');
      expectProblem(await audit(`/campaigns/${randomUUID()}`), 404, 'CAMPAIGN_NOT_FOUND');
      expectProblem(await audit(`/advertisers/${randomUUID()}`), 404, 'ADVERTISER_NOT_FOUND');
      expectProblem(await audit(`/contracts/${contractId}?asOf=yesterday`), 400, 'INVALID_AS_OF');
      expectProblem(await audit(`/contracts/${contractId}?asOf=2027-02-30T00:00:00Z`), 400, 'INVALID_AS_OF');
      expectProblem(await audit(`/contracts/${contractId}?asOf=-5`), 400, 'INVALID_AS_OF');
      expectProblem(await audit(`/contracts/NOT-A-UUID`), 400, 'INVALID_ID');
    });
  });

  describe('the global log', () => {
    it('returns every event in position order with its full metadata, and pages through it by cursor', async () => {
      const stored = await allEvents();
      const page = await audit('/events?limit=1000').expect(200);
      expect(page.body.hasMore).toBe(false);
      expect(page.body.events.map((event: { position: string }) => event.position)).toEqual(
        stored.map((event) => event.position.toString()),
      );
      const approval = page.body.events.find(
        (event: { streamId: string; type: string }) =>
          event.streamId === `contract-${contractId}` && event.type === 'ContractApproved',
      );
      const storedApproval = stored.find((event) => event.eventId === approval.eventId)!;
      expect(approval).toEqual({
        position: storedApproval.position.toString(),
        streamId: `contract-${contractId}`,
        revision: '2',
        eventId: storedApproval.eventId,
        type: 'ContractApproved',
        data: { contractId },
        metadata: {
          eventId: storedApproval.eventId,
          commandId: expect.any(String),
          correlationId: expect.any(String),
          causationId: null,
          actor: { userId: 'dana', roles: ['deal_approver'] },
          recordedAt: expect.any(String),
          schemaVersion: 1,
          prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
        reason: null,
        createdAt: storedApproval.createdAt.toISOString(),
      });
      expect(approval.metadata).toEqual(storedApproval.metadata);

      const paged = await readAllPages('', 7);
      expect(paged.positions).toEqual(stored.map((event) => event.position.toString()));
      expect(paged.pages).toBe(Math.ceil(stored.length / 7) + (stored.length % 7 === 0 ? 1 : 0));
    });

    it("gives the reason of events that carry one, and the released allocation's causation", async () => {
      const paused = await audit(`/events?stream=campaign-${firstCampaignId}&eventType=CampaignPaused`).expect(200);
      expect(paused.body.events).toHaveLength(1);
      expect(paused.body.events[0]).toMatchObject({
        reason: 'creative refresh, see ticket "CR-7", part 2',
        metadata: { actor: { userId: 'sam', roles: ['sales'] } },
      });
      const released = await audit(`/events?stream=contract-${contractId}&eventType=CampaignBudgetReleased`).expect(
        200,
      );
      const completed = (await t.stream(`campaign-${secondCampaignId}`)).at(-1)!;
      expect(released.body.events).toHaveLength(1);
      expect(released.body.events[0].metadata.causationId).toBe(completed.eventId);
    });

    it("filters by advertiser: its own stream, its category approvals, and its contracts' and campaigns' streams", async () => {
      const streams = new Set([
        `advertiser-${advertiserId}`,
        `categoryApproval-${advertiserId}_beauty`,
        `contract-${contractId}`,
        `campaign-${firstCampaignId}`,
        `campaign-${secondCampaignId}`,
      ]);
      const expected = (await allEvents()).filter((event) => streams.has(event.streamId));
      const page = await audit(`/events?advertiserId=${advertiserId}&limit=1000`).expect(200);
      expect(page.body.events.map((event: { position: string }) => event.position)).toEqual(
        expected.map((event) => event.position.toString()),
      );
      expect(new Set(page.body.events.map((event: { streamId: string }) => event.streamId))).toEqual(streams);

      const otherStreams = new Set([
        `advertiser-${otherAdvertiserId}`,
        `categoryApproval-${otherAdvertiserId}_beauty`,
        `contract-${otherContractId}`,
      ]);
      const other = await audit(`/events?advertiserId=${otherAdvertiserId}`).expect(200);
      expect(new Set(other.body.events.map((event: { streamId: string }) => event.streamId))).toEqual(otherStreams);

      const paged = await readAllPages(`advertiserId=${advertiserId}`, 4);
      expect(paged.positions).toEqual(expected.map((event) => event.position.toString()));

      const contractOnly = await audit(`/events?advertiserId=${advertiserId}&category=contract&limit=1000`).expect(200);
      expect(contractOnly.body.events.map((event: { position: string }) => event.position)).toEqual(
        expected
          .filter((event) => event.streamId === `contract-${contractId}`)
          .map((event) => event.position.toString()),
      );
      const nobody = await audit(`/events?advertiserId=${randomUUID()}`).expect(200);
      expect(nobody.body).toMatchObject({ events: [], hasMore: false });
    });

    it('filters by event type (repeated or comma-separated), category, stream, actor, recorded time and position', async () => {
      const stored = await allEvents();
      const positionsOf = (events: readonly RecordedEvent[]) => events.map((event) => event.position.toString());
      const answer = async (query: string): Promise<string[]> =>
        (await audit(`/events?${query}&limit=1000`).expect(200)).body.events.map(
          (event: { position: string }) => event.position,
        );

      const types = ['ContractApproved', 'ContractSigned', 'ContractAmendmentApproved'];
      expect(await answer('eventType=ContractApproved,ContractSigned&eventType=ContractAmendmentApproved')).toEqual(
        positionsOf(stored.filter((event) => types.includes(event.type))),
      );
      expect(await answer('category=campaign,advertiser')).toEqual(
        positionsOf(stored.filter((event) => /^(campaign|advertiser)-/.test(event.streamId))),
      );
      expect(await answer(`stream=contract-${contractId}`)).toEqual(
        positionsOf(stored.filter((event) => event.streamId === `contract-${contractId}`)),
      );
      expect(await answer('actor=dana')).toEqual(
        positionsOf(stored.filter((event) => (event.metadata.actor as { userId: string }).userId === 'dana')),
      );
      // Two contract approvals and the amendment's.
      expect(await answer('actor=dana').then((positions) => positions.length)).toBe(3);

      const proposed = contractMoments.find((moment) => moment.label === 'amendment proposed')!;
      const completed = contractMoments.at(-1)!;
      const within = (event: RecordedEvent) => {
        const at = Date.parse(String(event.metadata.recordedAt));
        return at >= Date.parse(proposed.recordedAt) && at <= Date.parse(completed.recordedAt);
      };
      const byTime = await answer(`recordedFrom=${proposed.recordedAt}&recordedTo=${completed.recordedAt}`);
      expect(byTime).toEqual(positionsOf(stored.filter(within)));
      expect(byTime.length).toBeGreaterThan(5);
      expect(byTime.length).toBeLessThan(stored.length);

      const from = stored[5]!.position;
      const to = stored[12]!.position;
      expect(await answer(`fromPosition=${from}&toPosition=${to}`)).toEqual(positionsOf(stored.slice(5, 13)));
      expect(await answer(`fromPosition=${from}&toPosition=${to}&actor=sam`)).toEqual(
        positionsOf(
          stored.slice(5, 13).filter((event) => (event.metadata.actor as { userId: string }).userId === 'sam'),
        ),
      );
      expect(
        await answer(`stream=contract-${contractId}&fromPosition=${proposed.position}&toPosition=${proposed.position}`),
      ).toEqual([proposed.position]);
      expect(await answer(`stream=contract-${contractId}&category=campaign`)).toEqual([]);
    });

    it('answers bad filters with 400 problems', async () => {
      const bad = [
        'limit=0',
        'limit=1001',
        'limit=ten',
        'eventType=not-a-type',
        'category=contract-x',
        'stream=nodash',
        'advertiserId=ABC',
        'recordedFrom=2027-13-01T00:00:00Z',
        'recordedTo=tomorrow',
        'fromPosition=-1',
        'toPosition=1.5',
        'cursor=abc',
        'surprise=1',
      ];
      for (const query of bad) expectProblem(await audit(`/events?${query}`), 400);
      expectProblem(await audit('/events?fromPosition=10&toPosition=9'), 400, 'INVALID_RANGE');
      expectProblem(
        await audit('/events?recordedFrom=2027-01-02T00:00:00Z&recordedTo=2027-01-01T00:00:00Z'),
        400,
        'INVALID_RANGE',
      );
      expectProblem(await audit('/export?format=xml'), 400, 'VALIDATION_FAILED');
    });

    it("returns one stream's whole history, 404 for a stream that does not exist", async () => {
      const stored = await t.stream(`contract-${contractId}`);
      const history = await audit(`/streams/contract-${contractId}`).expect(200);
      expect(history.body.streamId).toBe(`contract-${contractId}`);
      expect(history.body.revision).toBe(stored.at(-1)!.revision.toString());
      expect(
        history.body.events.map((event: { eventId: string; revision: string }) => [event.eventId, event.revision]),
      ).toEqual(stored.map((event) => [event.eventId, event.revision.toString()]));
      expect(history.body.events[0].data).toEqual(stored[0]!.data);
      const approvals = await audit(`/streams/categoryApproval-${advertiserId}_beauty`).expect(200);
      expect(approvals.body.events.map((event: { type: string }) => event.type)).toEqual([
        'CategoryApprovalRequested',
        'CategoryApproved',
      ]);
      expectProblem(await audit(`/streams/contract-${randomUUID()}`), 404, 'STREAM_NOT_FOUND');
      expectProblem(await audit('/streams/nodash'), 400, 'INVALID_STREAM_ID');
    });
  });

  describe('export, verification and reconciliation', () => {
    it('exports the filtered log as NDJSON and as RFC 4180 CSV, as an attachment', async () => {
      const expected = (await t.stream(`campaign-${firstCampaignId}`)).filter(
        (event) => event.type !== 'CampaignCreated',
      );
      const query = `stream=campaign-${firstCampaignId}&eventType=CampaignSubmitted,CampaignApproved,CampaignLaunched,CampaignSpendReported,CampaignPaused`;
      const ndjson = await audit(`/export?format=ndjson&${query}`).buffer(true).parse(textParser).expect(200);
      expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(ndjson.headers['content-disposition']).toMatch(/^attachment; filename="audit-events-[0-9TZ]+\.ndjson"$/);
      const lines = (ndjson.body as string).split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((line) => JSON.parse(line))).toEqual(
        expected.map((event) => ({
          position: event.position.toString(),
          stream: event.streamId,
          revision: event.revision.toString(),
          type: event.type,
          recordedAt: event.metadata.recordedAt,
          actor: (event.metadata.actor as { userId: string }).userId,
          reason: (event.data.reason as string | undefined) ?? null,
          hash: event.metadata.hash,
          prevHash: event.metadata.prevHash,
          data: event.data,
        })),
      );

      const csv = await audit(`/export?format=csv&${query}`).buffer(true).parse(textParser).expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="audit-events-[0-9TZ]+\.csv"$/);
      const rows = parseCsv(csv.body as string);
      expect(rows[0]).toEqual([
        'position',
        'stream',
        'revision',
        'type',
        'recordedAt',
        'actor',
        'reason',
        'hash',
        'prevHash',
        'data',
      ]);
      expect(rows.slice(1).map((row) => [...row.slice(0, -1), JSON.parse(row.at(-1)!)])).toEqual(
        expected.map((event) => [
          event.position.toString(),
          event.streamId,
          event.revision.toString(),
          event.type,
          String(event.metadata.recordedAt),
          (event.metadata.actor as { userId: string }).userId,
          (event.data.reason as string | undefined) ?? '',
          String(event.metadata.hash),
          String(event.metadata.prevHash),
          event.data,
        ]),
      );
      expect(rows.at(-1)![6]).toBe('creative refresh, see ticket "CR-7", part 2');
      expect(csv.body).toContain('"creative refresh, see ticket ""CR-7"", part 2"');
    });

    it('verifies the hash chains of a stream, a category and the whole log', async () => {
      const stored = await allEvents();
      const whole = await audit('/verify').expect(200);
      expect(whole.body).toEqual({
        verified: true,
        scope: { all: true },
        throughPosition: stored.at(-1)!.position.toString(),
        streamsChecked: new Set(stored.map((event) => event.streamId)).size,
        eventsChecked: stored.length,
        eventsAfterThrough: 0,
        brokenLinks: 0,
        anomalies: 0,
      });
      const contracts = await audit('/verify?category=contract').expect(200);
      expect(contracts.body).toMatchObject({
        verified: true,
        scope: { category: 'contract' },
        streamsChecked: 2,
        eventsChecked: stored.filter((event) => event.streamId.startsWith('contract-')).length,
      });
      const one = await audit(`/verify?stream=contract-${contractId}`).expect(200);
      expect(one.body).toMatchObject({
        verified: true,
        streamsChecked: 1,
        eventsChecked: (await t.stream(`contract-${contractId}`)).length,
      });
      expectProblem(await audit(`/verify?stream=contract-${randomUUID()}`), 404, 'STREAM_NOT_FOUND');
      expectProblem(await audit(`/verify?stream=contract-${contractId}&category=contract`), 400, 'ONE_SCOPE_ONLY');
    });

    it('reconciles contract value, allocations and spend per campaign and per period, with the variances', async () => {
      const all = await audit(`/reconciliation?contractId=${contractId}`).expect(200);
      expect(all.body).toMatchObject({
        contractId,
        advertiserId,
        status: 'Active',
        currency: 'CNY',
        window: { from: null, to: null },
        contractValueMinor: '2000000',
        valueHistory: [
          { type: 'ContractDrafted', version: 1, totalValueMinor: '1000000', actor: 'sam' },
          { type: 'ContractAmendmentApproved', version: 2, totalValueMinor: '2000000', actor: 'dana' },
        ],
        grossAllocatedMinor: '500000',
        releasedMinor: '180000',
        allocatedMinor: '320000',
        spentMinor: '170000',
        spentOutsideWindowMinor: '0',
        variance: { allocatedMinusSpentMinor: '150000', valueMinusAllocatedMinor: '1680000' },
      });
      expect(all.body.campaigns).toEqual([
        expect.objectContaining({
          campaignId: firstCampaignId,
          status: 'Paused',
          allocatedMinor: '300000',
          spentMinor: '150000',
          varianceMinor: '150000',
        }),
        expect.objectContaining({
          campaignId: secondCampaignId,
          status: 'Completed',
          grossAllocatedMinor: '200000',
          releasedMinor: '180000',
          allocatedMinor: '20000',
          spentMinor: '20000',
          varianceMinor: '0',
        }),
      ]);
      expect(all.body.campaigns[0].spend).toEqual([
        expect.objectContaining({ batchId: 'b-1', amountMinor: '100000', ...period1 }),
        expect.objectContaining({ batchId: 'b-2', amountMinor: '50000', ...period2 }),
      ]);
      expect(all.body.periods).toEqual([
        { ...period1, spentMinor: '120000', overdeliveredMinor: '0', lateRecordedMinor: '0', campaigns: 2 },
        { ...period2, spentMinor: '50000', overdeliveredMinor: '0', lateRecordedMinor: '0', campaigns: 1 },
      ]);
      const contractEvents = await t.stream(`contract-${contractId}`);
      const campaignEvents = await t.stream(`campaign-${firstCampaignId}`);
      expect(BigInt(all.body.position)).toBe(
        [...contractEvents, ...campaignEvents, ...(await t.stream(`campaign-${secondCampaignId}`))].reduce(
          (max, event) => (event.position > max ? event.position : max),
          0n,
        ),
      );

      const firstDay = await audit(
        `/reconciliation?contractId=${contractId}&from=${period1.periodStart}&to=${period1.periodEnd}`,
      ).expect(200);
      expect(firstDay.body).toMatchObject({
        window: { from: period1.periodStart, to: period1.periodEnd },
        allocatedMinor: '320000',
        spentMinor: '120000',
        spentOutsideWindowMinor: '50000',
        variance: { allocatedMinusSpentMinor: '200000', valueMinusAllocatedMinor: '1680000' },
        periods: [{ ...period1, spentMinor: '120000', overdeliveredMinor: '0', lateRecordedMinor: '0', campaigns: 2 }],
      });
      // A period straddling a bound of the window is outside it.
      const straddling = await audit(
        `/reconciliation?contractId=${contractId}&from=${nextDay}T00:30:00Z&to=${dayAfter}T23:00:00Z`,
      ).expect(200);
      expect(straddling.body).toMatchObject({ spentMinor: '50000', spentOutsideWindowMinor: '120000' });

      expectProblem(await audit(`/reconciliation?contractId=${randomUUID()}`), 404, 'CONTRACT_NOT_FOUND');
      expectProblem(await audit('/reconciliation'), 400, 'VALIDATION_FAILED');
      expectProblem(
        await audit(`/reconciliation?contractId=${contractId}&from=${period2.periodStart}&to=${period1.periodStart}`),
        400,
        'INVALID_RANGE',
      );
      expectProblem(await audit(`/reconciliation?contractId=${contractId}&from=2027-01-01`), 400, 'VALIDATION_FAILED');
    });
  });

  describe('access and documentation', () => {
    const routes = () => [
      '/v1/audit/events',
      `/v1/audit/streams/contract-${contractId}`,
      `/v1/audit/contracts/${contractId}`,
      `/v1/audit/advertisers/${advertiserId}`,
      `/v1/audit/campaigns/${firstCampaignId}`,
      '/v1/audit/export',
      '/v1/audit/verify',
      `/v1/audit/reconciliation?contractId=${contractId}`,
    ];

    it('refuses every other role with 403 and a missing token with 401', async () => {
      const others: Role[] = ['sales', 'deal_approver', 'compliance', 'platform_admin', 'service'];
      const everyOtherRole = await t.as('eve', ...others);
      for (const path of routes()) {
        for (const role of others) {
          expectProblem(await t.http.get(path).set('authorization', await t.as('eve', role)), 403, 'ROLE_REQUIRED');
        }
        expectProblem(await t.http.get(path).set('authorization', everyOtherRole), 403, 'ROLE_REQUIRED');
        expectProblem(await t.http.get(path), 401, 'UNAUTHENTICATED');
        const allowed = await t.http.get(path).set('authorization', finance);
        expect(allowed.status).toBe(200);
      }
    });

    it('documents every audit route in /docs with its parameters and response schema', async () => {
      const docs = await t.http.get('/docs/openapi.json').expect(200);
      const paths = docs.body.paths as Record<string, Record<string, Record<string, unknown>>>;
      const audited = Object.entries(paths).filter(([path]) => path.startsWith('/v1/audit'));
      expect(
        audited.flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m} ${path}`)).sort(),
      ).toEqual(
        [
          'get /v1/audit/events',
          'get /v1/audit/streams/{streamId}',
          'get /v1/audit/contracts/{contractId}',
          'get /v1/audit/advertisers/{advertiserId}',
          'get /v1/audit/checkpoints',
          'get /v1/audit/checkpoints/public-key',
          'post /v1/audit/checkpoints/verification',
          'get /v1/audit/campaigns/{campaignId}',
          'get /v1/audit/export',
          'get /v1/audit/verify',
          'get /v1/audit/reconciliation',
        ].sort(),
      );
      for (const [path, operations] of audited) {
        const responses = (operations.get ?? operations.post)!.responses as Record<
          string,
          { content?: Record<string, { schema?: unknown }> }
        >;
        expect({ path, forbidden: Object.keys(responses) }).toEqual({
          path,
          forbidden: expect.arrayContaining(['403']),
        });
        if (path !== '/v1/audit/export') {
          expect({ path, schema: responses['200']!.content!['application/json']!.schema }).toEqual({
            path,
            schema: { $ref: expect.stringMatching(/^#\/components\/schemas\//) },
          });
        }
      }
      const eventParameters = (paths['/v1/audit/events']!.get!.parameters as { name: string }[]).map((p) => p.name);
      expect(eventParameters.sort()).toEqual(
        [
          'stream',
          'category',
          'eventType',
          'advertiserId',
          'actor',
          'recordedFrom',
          'recordedTo',
          'fromPosition',
          'toPosition',
          'cursor',
          'limit',
        ].sort(),
      );
      const exportResponses = paths['/v1/audit/export']!.get!.responses as Record<string, { content: object }>;
      expect(Object.keys(exportResponses['200']!.content)).toEqual(
        expect.arrayContaining(['application/x-ndjson', 'text/csv']),
      );
    });
  });
});

/** supertest buffers only JSON and text/* by default; the export is read as text whatever its type. */
const textParser = (response: Response, callback: (error: Error | null, body: string) => void): void => {
  const stream = response as unknown as NodeJS.ReadableStream;
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (body += chunk));
  stream.on('end', () => callback(null, body));
};

/** A strict RFC 4180 reader: CRLF line ends, quoted fields with doubled quotes. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += char;
  }
  if (field !== '' || row.length > 0) throw new Error('the CSV does not end with CRLF');
  return rows;
};
