import { randomUUID } from 'node:crypto';
import { PostgresEventStore, type EventStore } from '#event-store';
import { withUpcasting } from '#runtime';
import { HistoryWriter, events, type PlannedEvent } from '../../../../bench/support/domain-history';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres';
import { CheckpointWatcher } from '../engine/checkpoint-watcher';
import { migrateProjections } from '../engine/rebuild';
import { ProjectionRunner } from '../engine/runner';
import { dayAfter, deadlineCommandId, dueAt } from './scheduler';
import { SCHEDULER, Scheduler, schedulerProjection, type ScheduledDispatcher } from './scheduler.process';

describe('deadlines', () => {
  it('fall due the day after a last day, and at a campaign’s end instant', () => {
    expect(dayAfter('2026-06-30').toISOString()).toBe('2026-07-01T00:00:00.000Z');
    expect(dueAt({ kind: 'contractExpiry', ends: '2028-02-28' }).toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(dueAt({ kind: 'campaignCompletion', ends: '2026-07-01T12:00:00.000Z' }).toISOString()).toBe(
      '2026-07-01T12:00:00.000Z',
    );
  });

  it('derive one command id per subject and date', () => {
    const deadline = { kind: 'contractExpiry' as const, subject_id: 'c1', ends: '2026-06-30' };
    expect(deadlineCommandId(deadline)).toBe(deadlineCommandId({ ...deadline }));
    expect(deadlineCommandId(deadline)).not.toBe(deadlineCommandId({ ...deadline, ends: '2026-07-31' }));
    expect(deadlineCommandId(deadline)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('the scheduler on PostgreSQL', () => {
  let database: TestDatabase;
  let store: EventStore;
  let writer: HistoryWriter;
  let watcher: CheckpointWatcher;
  let runner: ProjectionRunner;
  let last = 0n;
  /** A test double for the command path: records what it was asked, slowly enough for ticks to overlap. */
  const issued: { type: string; subject: string; commandId: string; reason: string }[] = [];
  const dispatch: ScheduledDispatcher = async (command, context) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const subject =
      command.type === 'ExpireContract'
        ? command.data.contractId
        : command.type === 'CompleteCampaign'
          ? command.data.campaignId
          : `${command.data.advertiserId}_${command.data.category}`;
    issued.push({ type: command.type, subject, commandId: context.commandId, reason: context.reason });
    return { outcome: 'done' };
  };
  const scheduler = () => new Scheduler({ pool: database.pool, dispatch });
  const write = async (...planned: PlannedEvent[]) => {
    last = await writer.appendEach(planned);
    if ((await watcher.waitFor(SCHEDULER, last, 15_000)) === undefined) throw new Error('scheduler is behind');
  };
  const at = (iso: string) => new Date(iso);

  const advertiserId = randomUUID();
  const [endingContract, terminatedContract, amendedContract] = [randomUUID(), randomUUID(), randomUUID()];
  const campaignId = randomUUID();
  const activeContract = (contractId: string, endsOn: string): PlannedEvent[] => [
    events.contractDrafted(contractId, advertiserId, {
      categories: ['beauty'],
      platforms: ['taobao'],
      startsOn: '2026-01-01',
      endsOn,
    }),
    events.contractSubmitted(contractId),
    events.contractApproved(contractId),
    events.contractSigned(contractId),
  ];

  beforeAll(async () => {
    database = await createTestDatabase();
    store = withUpcasting(await PostgresEventStore.create(database.pool));
    writer = new HistoryWriter(store);
    watcher = new CheckpointWatcher(database.pool);
    await migrateProjections(database.pool, [schedulerProjection]);
    runner = new ProjectionRunner({
      pool: database.pool,
      store,
      projection: schedulerProjection,
      lockPollMs: 50,
      retryDelayMs: 50,
    });
    runner.start();
    await write(
      events.advertiserRegistered(advertiserId),
      events.categoryRequested(advertiserId, 'beauty', '2026-07-15'),
      events.categoryApproved(advertiserId, 'beauty', '2026-07-15'),
      ...activeContract(endingContract, '2026-06-30'),
      ...activeContract(terminatedContract, '2026-06-30'),
      events.contractTerminated(terminatedContract),
      events.campaignCreated(campaignId, endingContract, advertiserId, 'beauty', '1000'),
      events.campaignLaunched(campaignId),
    );
  });
  afterAll(async () => {
    await runner?.stop();
    await watcher?.close();
    await store?.close();
    await database?.drop();
  });

  it('fires nothing before a date has passed, then each deadline once, as its date says', async () => {
    expect(await scheduler().tick(at('2026-06-30T23:59:59Z'))).toEqual([]);
    const fired = await scheduler().tick(at('2026-07-01T00:00:00Z'));
    expect(fired.map((f) => [f.kind, f.subjectId, f.outcome])).toEqual([['contractExpiry', endingContract, 'done']]);
    expect(issued).toEqual([
      {
        type: 'ExpireContract',
        subject: endingContract,
        commandId: deadlineCommandId({ kind: 'contractExpiry', subject_id: endingContract, ends: '2026-06-30' }),
        reason: 'contract ended on 2026-06-30',
      },
    ]);
    expect(await scheduler().tick(at('2026-07-01T00:00:01Z'))).toEqual([]);
    expect(issued).toHaveLength(1);
  });

  it('catches up after downtime: everything that fell due meanwhile fires at the next tick, in date order', async () => {
    const fired = await scheduler().tick(at('2027-01-01T00:00:00Z'));
    expect(fired.map((f) => [f.kind, f.subjectId, f.reason])).toEqual([
      ['categoryApprovalExpiry', `${advertiserId}_beauty`, 'approval valid until 2026-07-15'],
      ['campaignCompletion', campaignId, 'campaign ended at 2026-12-31T00:00:00.000Z'],
    ]);
    expect(issued.map((i) => i.type)).toEqual(['ExpireContract', 'ExpireCategoryApproval', 'CompleteCampaign']);
  });

  it('fires a deadline once when two schedulers tick at the same time, and again only when its date moves', async () => {
    await write(...activeContract(amendedContract, '2027-03-31'));
    const before = issued.length;
    const [a, b] = await Promise.all([
      scheduler().tick(at('2027-04-01T00:00:00Z')),
      scheduler().tick(at('2027-04-01T00:00:00Z')),
    ]);
    expect([...a, ...b].map((f) => f.subjectId)).toEqual([amendedContract]);
    expect(issued.slice(before).map((i) => i.subject)).toEqual([amendedContract]);

    // An amendment extends it: a new deadline, a new command id.
    await write(
      events.amendmentApproved(amendedContract, 2, {
        categories: ['beauty'],
        platforms: ['taobao'],
        totalValueMinor: '100000000',
        startsOn: '2026-01-01',
        currency: 'CNY',
        endsOn: '2027-06-30',
      }),
    );
    expect(await scheduler().tick(at('2027-06-30T12:00:00Z'))).toEqual([]);
    const extended = await scheduler().tick(at('2027-07-01T00:00:00Z'));
    expect(extended.map((f) => [f.subjectId, f.reason])).toEqual([[amendedContract, 'contract ended on 2027-06-30']]);
    expect(new Set(issued.filter((i) => i.subject === amendedContract).map((i) => i.commandId)).size).toBe(2);
    // The terminated contract never fired.
    expect(issued.some((i) => i.subject === terminatedContract)).toBe(false);
  });
});
