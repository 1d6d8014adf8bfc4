import { randomUUID } from 'node:crypto';
import { eventHash, type JsonObject } from '#event-store';
import { startTestApp, type TestApp } from './support/app';

/**
 * Tamper evidence: history recorded through the API is then altered directly in PostgreSQL, as
 * someone with DBA rights could, bypassing the table's immutability trigger. Verification must
 * point at the altered link, and only there.
 */
describe('audit verification catches tampering', () => {
  let t: TestApp;
  let finance: string;
  const advertiserId = randomUUID();
  const year = new Date().getUTCFullYear();
  const contracts = {
    dataChanged: randomUUID(),
    actorRewritten: randomUUID(),
    actorRewrittenAndRehashed: randomUUID(),
    eventDeleted: randomUUID(),
    untouched: randomUUID(),
  };

  const verify = async (query: string) =>
    (await t.http.get(`/v1/audit/verify${query}`).set('authorization', finance).expect(200)).body;

  /** Runs statements as a superuser would to get past the immutability trigger. */
  const asAttacker = async (sql: string, params: unknown[]): Promise<number> => {
    const client = await t.pool.connect();
    try {
      await client.query('SET session_replication_role = replica');
      const result = await client.query(sql, params);
      return result.rowCount ?? 0;
    } finally {
      await client.query('RESET session_replication_role');
      client.release();
    }
  };

  const positionOf = async (contractId: string, revision: number): Promise<string> =>
    (await t.stream(`contract-${contractId}`))[revision]!.position.toString();

  beforeAll(async () => {
    t = await startTestApp();
    const [sales, compliance, approver] = await Promise.all([
      t.as('sam', 'sales'),
      t.as('cora', 'compliance'),
      t.as('dana', 'deal_approver'),
    ]);
    finance = await t.as('fiona', 'finance_auditor');
    let last = 0n;
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .send({ advertiserId, legalName: 'Glow Cosmetics', registrationNumber: 'REG-1', kaTier: 'key' })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/verification`)
      .set('authorization', compliance)
      .send({ decision: 'verified' })
      .expect(200);
    for (const contractId of Object.values(contracts)) {
      await t.http
        .post('/v1/contracts')
        .set('authorization', sales)
        .send({
          contractId,
          advertiserId,
          currency: 'CNY',
          totalValueMinor: '5000000',
          startsOn: `${year}-01-01`,
          endsOn: `${year}-12-31`,
          categories: ['beauty'],
          platforms: ['taobao'],
        })
        .expect(201);
      await t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', sales).expect(200);
      await t.http.post(`/v1/contracts/${contractId}/approval`).set('authorization', approver).expect(200);
      const signed = await t.http.post(`/v1/contracts/${contractId}/signature`).set('authorization', sales).expect(200);
      last = BigInt(signed.headers['x-event-position']!);
    }
    // Verification reads up to the horizon, which is cluster-wide: another test's open transaction
    // may hold it back a moment after the last write.
    while ((await t.eventStore.headPosition()) < last) await new Promise((resolve) => setTimeout(resolve, 20));
  });
  afterAll(() => t?.close());

  it('verifies the untampered log', async () => {
    expect(await verify('')).toMatchObject({ verified: true, streamsChecked: 6, eventsChecked: 22, brokenLinks: 0 });
  });

  it('the trigger refuses changes without the bypass', async () => {
    await expect(
      t.pool.query(`UPDATE es_events SET data = data WHERE stream_id = $1`, [`contract-${contracts.untouched}`]),
    ).rejects.toThrow(/events are immutable/);
  });

  it('catches a change to the data of an event (HASH_MISMATCH at that event)', async () => {
    const streamId = `contract-${contracts.dataChanged}`;
    const changed = await asAttacker(
      `UPDATE es_events SET data = jsonb_set(data, '{totalValueMinor}', '"500000"')
       WHERE stream_id = $1 AND stream_revision = 0`,
      [streamId],
    );
    expect(changed).toBe(1);
    expect(await verify(`?stream=${streamId}`)).toEqual({
      verified: false,
      scope: { stream: streamId },
      throughPosition: expect.any(String),
      streamsChecked: 1,
      eventsChecked: 4,
      eventsAfterThrough: 0,
      brokenLinks: 1,
      anomalies: 0,
      firstBroken: {
        streamId,
        revision: '0',
        position: await positionOf(contracts.dataChanged, 0),
        reason: 'HASH_MISMATCH',
      },
    });
    expect(await verify(`?stream=contract-${contracts.untouched}`)).toMatchObject({ verified: true, brokenLinks: 0 });
    expect(await verify('?category=advertiser')).toMatchObject({ verified: true });
  });

  it('catches a rewritten actor, and a rewritten actor whose hash was recomputed too', async () => {
    const streamId = `contract-${contracts.actorRewritten}`;
    await asAttacker(
      `UPDATE es_events SET metadata = jsonb_set(metadata, '{actor,userId}', '"mallory"')
       WHERE stream_id = $1 AND stream_revision = 2`,
      [streamId],
    );
    expect(await verify(`?stream=${streamId}`)).toMatchObject({
      verified: false,
      firstBroken: { revision: '2', position: await positionOf(contracts.actorRewritten, 2), reason: 'HASH_MISMATCH' },
    });

    // A careful attacker recomputes the altered event's hash: the next event no longer chains to it.
    const rehashedStream = `contract-${contracts.actorRewrittenAndRehashed}`;
    const approval = (await t.stream(rehashedStream))[2]!;
    const metadata: JsonObject = { ...approval.metadata, actor: { userId: 'mallory', roles: ['deal_approver'] } };
    const hash = eventHash(String(metadata.prevHash), { ...approval, metadata });
    await asAttacker(`UPDATE es_events SET metadata = $2::jsonb WHERE event_id = $1`, [
      approval.eventId,
      JSON.stringify({ ...metadata, hash }),
    ]);
    expect((await t.stream(rehashedStream))[2]!.metadata).toMatchObject({ actor: { userId: 'mallory' }, hash });
    expect(await verify(`?stream=${rehashedStream}`)).toMatchObject({
      verified: false,
      brokenLinks: 1,
      firstBroken: {
        revision: '3',
        position: await positionOf(contracts.actorRewrittenAndRehashed, 3),
        reason: 'PREV_HASH_MISMATCH',
      },
    });
  });

  it('catches a deleted event (REVISION_GAP at the event after it)', async () => {
    const streamId = `contract-${contracts.eventDeleted}`;
    const afterDeleted = await positionOf(contracts.eventDeleted, 2);
    expect(await asAttacker(`DELETE FROM es_events WHERE stream_id = $1 AND stream_revision = 1`, [streamId])).toBe(1);
    expect(await verify(`?stream=${streamId}`)).toMatchObject({
      verified: false,
      eventsChecked: 3,
      firstBroken: { streamId, revision: '2', position: afterDeleted, reason: 'REVISION_GAP' },
    });
  });

  it('reports every broken link of the whole log and the first one in log order', async () => {
    const report = await verify('');
    expect(report).toMatchObject({
      verified: false,
      streamsChecked: 6,
      eventsChecked: 21,
      brokenLinks: 4,
      firstBroken: {
        streamId: `contract-${contracts.dataChanged}`,
        revision: '0',
        reason: 'HASH_MISMATCH',
      },
    });
    expect(await verify('?category=contract')).toMatchObject({ verified: false, brokenLinks: 4 });
  });
});
