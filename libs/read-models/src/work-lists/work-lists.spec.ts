import { randomUUID } from 'node:crypto';
import { advertiserStreamId } from '#domain';
import { PostgresEventStore, type EventStore } from '#event-store';
import { withUpcasting } from '#runtime';
import { HistoryWriter, events, type PlannedEvent } from '../../../../bench/support/domain-history';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres';
import { CheckpointWatcher } from '../engine/checkpoint-watcher';
import { migrateProjections } from '../engine/rebuild';
import { ProjectionRunner } from '../engine/runner';
import { searchText } from './search-text';
import { WORK_LISTS, workListsProjection } from './work-lists.projection';
import {
  INBOX_CURSOR,
  KEY_CURSOR,
  complianceInbox,
  dealApprovalInbox,
  decodeCursor,
  encodeCursor,
  type CursorPart,
  listAdvertisers,
  listCampaigns,
  listContracts,
} from './work-lists.queries';

const as = (userId: string, ...roles: string[]) => ({ userId, roles: roles.length ? roles : ['sales'] });

const registered = (advertiserId: string, legalName: string, registrationNumber: string, salesOwnerId: string) => ({
  streamId: advertiserStreamId(advertiserId),
  type: 'AdvertiserRegistered',
  data: { advertiserId, legalName, registrationNumber, kaTier: 'key', salesOwnerId },
});

describe('searchText', () => {
  it('folds width and case, keeps CJK, so one form compares with another', () => {
    expect(searchText('ＳＨＥＮＺＨＥＮ Trading')).toBe('shenzhen trading');
    expect(searchText('Straße')).toBe(searchText('STRASSE'));
    expect(searchText('深圳市　美妆有限公司')).toBe('深圳市 美妆有限公司');
    expect(searchText('ｱｲｳ')).toBe('アイウ');
  });
});

describe('decodeCursor', () => {
  const forged = (...values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

  it('reads back what encodeCursor wrote', () => {
    expect(decodeCursor(encodeCursor(['1764602068123456', 'contract', 'k-1']), INBOX_CURSOR)).toEqual([
      '1764602068123456',
      'contract',
      'k-1',
    ]);
  });

  it.each([
    ['another length', forged('a', 'b'), KEY_CURSOR],
    ['a NUL in a key', forged('a\u0000'), KEY_CURSOR],
    ['a lone surrogate in a key', forged('\ud800'), KEY_CURSOR],
    ['a number instead of text', forged(1), KEY_CURSOR],
    ['a date where microseconds go', forged('2026-12-01 15:34:28+00', 'contract', 'k'), INBOX_CURSOR],
    ['more microseconds than 16 digits', forged('1'.repeat(17), 'contract', 'k'), INBOX_CURSOR],
    ['negative microseconds', forged('-1', 'contract', 'k'), INBOX_CURSOR],
    ['no JSON at all', 'bm90IGpzb24', KEY_CURSOR],
  ])('refuses %s', (_, text, parts) => {
    expect(decodeCursor(text, parts)).toBeUndefined();
  });
});

describe('work lists on PostgreSQL', () => {
  let database: TestDatabase;
  let store: EventStore;
  let writer: HistoryWriter;
  let watcher: CheckpointWatcher;
  let runner: ProjectionRunner;
  let last = 0n;

  // Inboxes list the oldest first by recording time in milliseconds: two writes in one millisecond
  // are equally old and their order is the tie-break's, so each write waits for a millisecond of its own.
  const nextMillisecond = async () => {
    const start = Date.now();
    while (Date.now() === start) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  const write = async (actor: { userId: string; roles: string[] }, ...planned: PlannedEvent[]) => {
    for (const event of planned) {
      await nextMillisecond();
      last = await writer.append([event], actor);
    }
  };
  const caughtUp = async () => {
    if ((await watcher.waitFor(WORK_LISTS, last, 15_000)) === undefined) throw new Error('work_lists is behind');
  };
  const all = async <T>(
    read: (cursor: string[] | undefined) => Promise<{ value: { items: T[]; nextCursor: string | null } }>,
    parts: readonly CursorPart[] = KEY_CURSOR,
  ): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string[] | undefined;
    for (;;) {
      const { value } = await read(cursor);
      items.push(...value.items);
      if (value.nextCursor === null) return items;
      cursor = decodeCursor(value.nextCursor, parts);
    }
  };

  // Two salespeople's clients; ids sorted so expectations can list them in key order.
  const [shenzhen, tokyo, berlin] = [randomUUID(), randomUUID(), randomUUID()];
  const [beautyContract, foodContract, draftContract] = [randomUUID(), randomUUID(), randomUUID()].sort();
  const [liveCampaign, submittedCampaign] = [randomUUID(), randomUUID()].sort();

  beforeAll(async () => {
    database = await createTestDatabase();
    // HistoryWriter stores ContractDrafted as schema version 1 (no channel): the projection sees it upcast.
    store = withUpcasting(await PostgresEventStore.create(database.pool));
    writer = new HistoryWriter(store);
    watcher = new CheckpointWatcher(database.pool);
    await migrateProjections(database.pool, [workListsProjection]);
    runner = new ProjectionRunner({
      pool: database.pool,
      store,
      projection: workListsProjection,
      lockPollMs: 50,
      retryDelayMs: 50,
    });
    runner.start();

    await write(as('sam'), registered(shenzhen, '深圳市美妆有限公司', 'ＲＥＧ－４４０３', 'sam'));
    await write(as('sam'), registered(tokyo, 'Tokyo Straße Trading K.K.', 'JP-77-001', 'sam'));
    await write(as('sue'), registered(berlin, 'Berlin Foods GmbH', 'HRB 12345', 'sue'));
    await write(as('vic', 'compliance'), events.advertiserVerified(shenzhen), events.advertiserVerified(berlin));
    await write(as('sam'), events.kaTierChanged(tokyo, 'strategic'));

    await write(
      as('sam'),
      events.contractDrafted(beautyContract, shenzhen, {
        categories: ['beauty'],
        platforms: ['taobao'],
        totalValueMinor: '5000000',
        startsOn: '2026-01-01',
        endsOn: '2026-07-10',
      }),
      events.contractSubmitted(beautyContract),
    );
    await write(as('dora', 'deal_approver'), events.contractApproved(beautyContract));
    await write(as('sam'), events.contractSigned(beautyContract));
    await write(as('sam'), events.amendmentProposed(beautyContract, 2, { totalValueMinor: '6000000' }));
    await write(
      as('sue'),
      events.contractDrafted(foodContract, berlin, {
        categories: ['food'],
        platforms: ['jd', 'taobao'],
        totalValueMinor: '90000000',
        startsOn: '2026-01-01',
        endsOn: '2027-06-30',
      }),
    );
    // Sue drafted it, Dan (who also approves deals) revised it, Sue submitted it.
    await write(
      as('dan', 'sales', 'deal_approver'),
      events.contractRevised(foodContract, { totalValueMinor: '80000000' }),
    );
    await write(as('sue'), events.contractSubmitted(foodContract));
    await write(
      as('sam'),
      events.contractDrafted(draftContract, tokyo, {
        categories: ['beauty'],
        platforms: ['jd'],
        totalValueMinor: '100',
        endsOn: '2026-06-20',
      }),
    );

    await write(as('sam'), events.categoryRequested(shenzhen, 'beauty'));
    await write(as('vic', 'sales', 'compliance'), events.categoryRequested(berlin, 'food'));
    await write(
      as('sam'),
      events.campaignCreated(liveCampaign, beautyContract, shenzhen, 'beauty', '100000', {
        platform: 'taobao',
        url: 'https://item.taobao.com/1',
      }),
      events.campaignSubmitted(liveCampaign),
    );
    await write(as('vic', 'compliance'), events.campaignApproved(liveCampaign));
    await write(as('sam'), events.campaignLaunched(liveCampaign), events.spendReported(liveCampaign, '2500', 1));
    await write(
      as('sue'),
      events.campaignCreated(submittedCampaign, foodContract, berlin, 'food', '300000'),
      events.campaignSubmitted(submittedCampaign),
    );
    await caughtUp();
  });
  afterAll(async () => {
    await runner?.stop();
    await watcher?.close();
    await store?.close();
    await database?.drop();
  });

  const contracts = (filters: Parameters<typeof listContracts>[1], scope = {}) =>
    all((cursor) => listContracts(database.pool, filters, scope, '2026-06-15', cursor, 1)).then((items) =>
      items.map((item) => item.contractId),
    );

  it('lists contracts by status, advertiser, sales owner, platform, category, value and end date, a page at a time', async () => {
    expect(await contracts({})).toEqual([beautyContract, foodContract, draftContract]);
    expect(await contracts({ status: 'Active' })).toEqual([beautyContract]);
    expect(await contracts({ status: 'Submitted' })).toEqual([foodContract]);
    expect(await contracts({ advertiserId: berlin })).toEqual([foodContract]);
    expect(await contracts({ salesOwnerId: 'sam' })).toEqual([beautyContract, draftContract]);
    expect(await contracts({ platform: 'jd' })).toEqual([foodContract, draftContract]);
    expect(await contracts({ category: 'beauty', platform: 'taobao' })).toEqual([beautyContract]);
    expect(await contracts({ minValueMinor: '5000000', maxValueMinor: '80000000' })).toEqual([
      beautyContract,
      foodContract,
    ]);
    expect(await contracts({ minValueMinor: '80000001' })).toEqual([]);
    expect(await contracts({ endingWithinDays: 30 })).toEqual([beautyContract, draftContract]);
    expect(await contracts({ endingWithinDays: 5 })).toEqual([draftContract]);
    expect(await contracts({ channel: 'direct' })).toEqual([beautyContract, foodContract, draftContract]);
    expect(await contracts({ channel: 'agency' })).toEqual([]);
  });

  it('scopes a salesperson to their own clients whatever they filter by', async () => {
    expect(await contracts({}, { salesOwnerId: 'sue' })).toEqual([foodContract]);
    expect(await contracts({ advertiserId: shenzhen }, { salesOwnerId: 'sue' })).toEqual([]);
  });

  it('lists campaigns by contract, advertiser, status and platform', async () => {
    const campaigns = (filters: Parameters<typeof listCampaigns>[1]) =>
      all((cursor) => listCampaigns(database.pool, filters, {}, cursor, 1)).then((items) =>
        items.map((item) => item.campaignId),
      );
    expect(await campaigns({})).toEqual([liveCampaign, submittedCampaign]);
    expect(await campaigns({ contractId: foodContract })).toEqual([submittedCampaign]);
    expect(await campaigns({ advertiserId: shenzhen })).toEqual([liveCampaign]);
    expect(await campaigns({ status: 'Live' })).toEqual([liveCampaign]);
    expect(await campaigns({ platform: 'taobao' })).toEqual([liveCampaign]);
    expect(await campaigns({ platform: 'jd' })).toEqual([]);
    const { value } = await listCampaigns(database.pool, { status: 'Live' }, {}, undefined, 10);
    expect(value.items[0]).toMatchObject({ budgetMinor: '100000', spentMinor: '2500', salesOwnerId: 'sam' });
  });

  it('finds advertisers by tier, verification, and by name or number in any case or width, CJK included', async () => {
    const found = (filters: Parameters<typeof listAdvertisers>[1]) =>
      all((cursor) => listAdvertisers(database.pool, filters, {}, cursor, 1)).then((items) =>
        items.map((item) => item.advertiserId).sort(),
      );
    expect(await found({ kaTier: 'strategic' })).toEqual([tokyo]);
    expect(await found({ verification: 'Verified' })).toEqual([shenzhen, berlin].sort());
    expect(await found({ verification: 'Pending' })).toEqual([tokyo]);
    expect(await found({ q: '美妆' })).toEqual([shenzhen]);
    expect(await found({ q: '深圳市美妆有限公司' })).toEqual([shenzhen]);
    expect(await found({ q: 'reg-4403' })).toEqual([shenzhen]);
    expect(await found({ q: 'ＢＥＲＬＩＮ' })).toEqual([berlin]);
    expect(await found({ q: 'strasse' })).toEqual([tokyo]);
    expect(await found({ q: 'hrb 123' })).toEqual([berlin]);
    expect(await found({ q: '100%' })).toEqual([]);
    expect(await found({ q: 'tokyo', verification: 'Verified' })).toEqual([]);
    expect(await found({ q: 'gmbh' }).then((ids) => ids)).toEqual([berlin]);
    expect(
      await all((cursor) => listAdvertisers(database.pool, {}, { salesOwnerId: 'sue' }, cursor, 5)).then((items) =>
        items.map((item) => item.advertiserId),
      ),
    ).toEqual([berlin]);
  });

  const inboxOf = async (read: typeof dealApprovalInbox, userId: string) =>
    all((cursor) => read(database.pool, userId, new Date('2099-01-01T00:00:00Z'), cursor, 1), INBOX_CURSOR);

  it('deal-approval inbox: submitted contracts and amendments, never the caller’s own (four eyes)', async () => {
    const forDora = await inboxOf(dealApprovalInbox, 'dora');
    expect(forDora.map((item) => [item.kind, item.contractId])).toEqual([
      ['amendment', beautyContract],
      ['contract', foodContract],
    ]);
    expect(forDora[0]).toMatchObject({ version: 2, requestedBy: 'sam' });
    expect(forDora[1]).toMatchObject({ requestedBy: 'sue' });
    expect(forDora.every((item) => item.ageSeconds > 0)).toBe(true);
    // Sam proposed the amendment; Dan revised the food contract; Sue drafted and submitted it.
    expect((await inboxOf(dealApprovalInbox, 'sam')).map((item) => item.kind)).toEqual(['contract']);
    expect((await inboxOf(dealApprovalInbox, 'dan')).map((item) => item.kind)).toEqual(['amendment']);
    expect((await inboxOf(dealApprovalInbox, 'sue')).map((item) => item.kind)).toEqual(['amendment']);
  });

  it('compliance inbox: requested categories and submitted campaigns, never the caller’s own, with their age', async () => {
    const forCora = await inboxOf(complianceInbox, 'cora');
    expect(forCora.map((item) => [item.kind, item.advertiserId, item.category])).toEqual([
      ['categoryApproval', shenzhen, 'beauty'],
      ['categoryApproval', berlin, 'food'],
      ['campaign', berlin, 'food'],
    ]);
    expect(forCora[2]).toMatchObject({ campaignId: submittedCampaign, requestedBy: 'sue' });
    const [first, second] = forCora;
    expect(first!.ageSeconds).toBeGreaterThanOrEqual(second!.ageSeconds);
    expect((await inboxOf(complianceInbox, 'vic')).map((item) => item.kind)).toEqual(['categoryApproval', 'campaign']);
    expect((await inboxOf(complianceInbox, 'sue')).map((item) => item.kind)).toEqual([
      'categoryApproval',
      'categoryApproval',
    ]);
  });

  it('takes a decided item out of the inbox', async () => {
    await write(as('cora', 'compliance'), events.categoryApproved(shenzhen, 'beauty'));
    await write(as('dora', 'deal_approver'), events.contractRejected(foodContract));
    await caughtUp();
    expect((await inboxOf(complianceInbox, 'cora')).map((item) => item.category)).toEqual(['food', 'food']);
    expect((await inboxOf(dealApprovalInbox, 'dora')).map((item) => item.kind)).toEqual(['amendment']);
  });
});
