import { randomUUID } from 'node:crypto';
import {
  BusinessRuleViolation,
  advertiserDecider,
  advertiserStreamId,
  type Actor,
  type AdvertiserCommand,
} from '#domain';
import { PostgresEventStore, eventHash, type EventStore } from '#event-store';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres';
import type { CommandContext } from '../command-context';
import { StaleRevision } from '../errors';
import { CommandExecutor, eventIdFor, type Intent } from './command-executor';
import { CommandMetrics } from './command-metrics';
import { StreamCache } from './stream-cache';

const sam: Actor = { userId: 'sam', roles: ['sales'] };
const cleo: Actor = { userId: 'cleo', roles: ['compliance'] };

/** One API replica: its own stream cache over the shared store. */
const replica = (store: EventStore) => {
  const metrics = new CommandMetrics();
  const executor = new CommandExecutor(store, new StreamCache(store), metrics);
  const run = (
    advertiserId: string,
    intent: Intent<AdvertiserCommand>,
    actor: Actor = sam,
    context: Partial<CommandContext> = {},
  ) =>
    executor.execute({
      id: advertiserId,
      streamId: advertiserStreamId(advertiserId),
      decider: advertiserDecider,
      intent,
      facts: async () => undefined,
      context: {
        actor,
        commandId: randomUUID(),
        correlationId: 'c',
        causationId: undefined,
        expectedRevision: undefined,
        ...context,
      },
    });
  const conflicts = async () => (await metrics.conflicts.get()).values.reduce((sum, { value }) => sum + value, 0);
  return { run, conflicts };
};

const register = (advertiserId: string): Intent<AdvertiserCommand> => ({
  type: 'RegisterAdvertiser',
  data: { advertiserId, legalName: 'Acme Ltd', registrationNumber: 'R-1', kaTier: 'growth', salesOwnerId: 'sam' },
});
const changeTier = (advertiserId: string, kaTier: 'strategic' | 'key' | 'growth'): Intent<AdvertiserCommand> => ({
  type: 'ChangeKaTier',
  data: { advertiserId, kaTier },
});

describe('command executor with a stream cache (real PostgreSQL)', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await PostgresEventStore.create(database.pool, { idlePollMs: 600_000 });
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('decides again on fresh state when its cache is stale, instead of recording a wrong decision', async () => {
    const [a, b] = [replica(store), replica(store)];
    const id = randomUUID();
    await a.run(id, register(id));
    // B caches the stream at revision 0; A then moves it on.
    await b.run(id, changeTier(id, 'key'));
    await a.run(id, changeTier(id, 'strategic'));
    // On its stale state B would record strategic a second time; the append at its revision is refused,
    // and on fresh state the decider sees the tier already set.
    const refusal = await b.run(id, changeTier(id, 'strategic')).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BusinessRuleViolation);
    expect(refusal).toMatchObject({ code: 'KA_TIER_UNCHANGED' });
    expect((await store.readStream(advertiserStreamId(id))).map((event) => event.type)).toEqual([
      'AdvertiserRegistered',
      'KaTierChanged',
      'KaTierChanged',
    ]);
  });

  it('chains a decision taken after a conflict onto the events it did not know of', async () => {
    const [a, b] = [replica(store), replica(store)];
    const id = randomUUID();
    await a.run(id, register(id));
    await b.run(id, changeTier(id, 'key'));
    await a.run(id, changeTier(id, 'strategic'));
    const result = await b.run(id, changeTier(id, 'growth'));
    expect(await b.conflicts()).toBe(1);
    expect(result.revision).toBe(3n);
    const events = await store.readStream(advertiserStreamId(id));
    for (const [index, event] of events.entries()) {
      const { hash, ...unhashed } = event.metadata;
      expect(unhashed.prevHash).toBe(index === 0 ? '0'.repeat(64) : events[index - 1]!.metadata.hash);
      const content = { streamId: event.streamId, revision: event.revision, eventId: event.eventId, type: event.type };
      expect(eventHash(String(unhashed.prevHash), { ...content, data: event.data, metadata: unhashed })).toBe(hash);
    }
  });

  it('refuses only on fresh state: a refusal its cache would give is checked against the store', async () => {
    const [a, b] = [replica(store), replica(store)];
    const id = randomUUID();
    // B has seen the advertiser missing.
    await expect(b.run(id, changeTier(id, 'key'))).rejects.toMatchObject({ code: 'ADVERTISER_NOT_FOUND' });
    await a.run(id, register(id));
    const result = await b.run(id, changeTier(id, 'key'));
    expect(result.events).toEqual(['KaTierChanged']);
  });

  it('answers a stale expected revision with StaleRevision even when its own cache agrees with it', async () => {
    const [a, b] = [replica(store), replica(store)];
    const id = randomUUID();
    await a.run(id, register(id));
    await b.run(id, changeTier(id, 'key'));
    await a.run(id, changeTier(id, 'strategic'));
    const error = await b
      .run(id, changeTier(id, 'growth'), sam, { expectedRevision: 1n })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StaleRevision);
    expect(error).toMatchObject({ actual: 2n });
    expect(await store.readStream(advertiserStreamId(id))).toHaveLength(3);
  });

  it('stores events under ids derived from the command id, so the store refuses a second write', async () => {
    const { run } = replica(store);
    const id = randomUUID();
    const commandId = randomUUID();
    await run(id, register(id), sam, { commandId });
    const [stored] = await store.readStream(advertiserStreamId(id));
    expect(stored!.eventId).toBe(eventIdFor(commandId, 0));
  });

  it('answers a retry of a recorded command as the first run did, also from another replica', async () => {
    const [a, b] = [replica(store), replica(store)];
    const id = randomUUID();
    await a.run(id, register(id));
    const commandId = randomUUID();
    const first = await a.run(id, changeTier(id, 'key'), sam, { commandId });
    // Same replica (its cache holds the change) and a replica that never saw it (as after a crash).
    for (const retry of [
      await a.run(id, changeTier(id, 'key'), sam, { commandId }),
      await b.run(id, changeTier(id, 'key'), sam, { commandId }),
      await b.run(id, changeTier(id, 'key'), sam, { commandId, expectedRevision: 0n }),
    ]) {
      expect(retry).toMatchObject({ replayed: true, revision: first.revision, position: first.position });
      expect(retry.events).toEqual(['KaTierChanged']);
    }
    expect(await store.readStream(advertiserStreamId(id))).toHaveLength(2);
  });

  it('replays a command that appended while its cache was behind, without folding it twice', async () => {
    const [a, b] = [replica(store), replica(store)];
    const id = randomUUID();
    await a.run(id, register(id));
    await b.run(id, { type: 'VerifyAdvertiser', data: { advertiserId: id, decision: 'verified' } }, cleo);
    const commandId = randomUUID();
    await a.run(id, changeTier(id, 'key'), sam, { commandId });
    const retry = await b.run(id, changeTier(id, 'key'), sam, { commandId });
    expect(retry.replayed).toBe(true);
    // B's next decision chains onto the stored events, not onto its own idea of them.
    const next = await b.run(id, changeTier(id, 'growth'));
    expect(next.revision).toBe(3n);
    const events = await store.readStream(advertiserStreamId(id));
    expect(events[3]!.metadata.prevHash).toBe(events[2]!.metadata.hash);
  });
});
