import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { GENESIS_HASH, eventHash, type JsonObject, type RecordedEvent } from '#event-store';
import { signedStatement, type CheckpointManifest } from '../apps/api/src/audit/checkpoints';
import { startTestApp, type TestApp } from './support/app';

/**
 * Audit evidence that survives a DBA: history is altered directly in PostgreSQL past the
 * immutability trigger, as someone with DBA rights could, and the audit API must say so, either
 * from the store alone (verify) or against a signed checkpoint manifest kept elsewhere.
 */
describe('audit evidence against a DBA', () => {
  let t: TestApp;
  let finance: string;
  let sales: string;
  const advertiserId = randomUUID();
  const year = new Date().getUTCFullYear();
  const contracts = {
    hidden: randomUUID(),
    reordered: randomUUID(),
    truncated: randomUUID(),
    deleted: randomUUID(),
    rewritten: randomUUID(),
    untouched: randomUUID(),
  };
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  const verifyChains = async (query: string) =>
    (await t.http.get(`/v1/audit/verify${query}`).set('authorization', finance).expect(200)).body;

  /** Runs a statement as a superuser would to get past the immutability trigger. */
  const asAttacker = async (sql: string, params: unknown[]): Promise<number> => {
    const client = await t.pool.connect();
    try {
      await client.query('SET session_replication_role = replica');
      return (await client.query(sql, params)).rowCount ?? 0;
    } finally {
      await client.query('RESET session_replication_role');
      client.release();
    }
  };

  const waitForHead = async (position: bigint): Promise<void> => {
    // The horizon is cluster-wide: another test's open transaction may hold it back a moment.
    while ((await t.eventStore.headPosition()) < position) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  const takeCheckpoint = async (): Promise<CheckpointManifest> => {
    const response = await t.http.get('/v1/audit/checkpoints').set('authorization', finance).expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    return response.body as CheckpointManifest;
  };

  const checkCheckpoint = (manifest: unknown) =>
    t.http
      .post('/v1/audit/checkpoints/verification')
      .set('authorization', finance)
      .send(manifest as object);

  /** Recomputes hashes from `fromRevision` on, so the altered stream is a valid chain again. */
  const rechain = async (events: readonly RecordedEvent[], fromRevision: number): Promise<void> => {
    let prevHash = fromRevision === 0 ? GENESIS_HASH : String(events[fromRevision - 1]!.metadata.hash);
    for (const event of events.slice(fromRevision)) {
      const { hash: _old, ...unhashed } = event.metadata;
      const metadata: JsonObject = { ...unhashed, prevHash };
      const hash = eventHash(prevHash, { ...event, metadata });
      await asAttacker(`UPDATE es_events SET data = $2::jsonb, metadata = $3::jsonb WHERE event_id = $1`, [
        event.eventId,
        JSON.stringify(event.data),
        JSON.stringify({ ...metadata, hash }),
      ]);
      prevHash = hash;
    }
  };

  const draft = (contractId: string) =>
    t.http
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

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_SIGNING_KEY: signingKey });
    const [compliance, approver] = await Promise.all([t.as('cora', 'compliance'), t.as('dana', 'deal_approver')]);
    sales = await t.as('sam', 'sales');
    finance = await t.as('fiona', 'finance_auditor');
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
    let last = 0n;
    for (const contractId of Object.values(contracts)) {
      await draft(contractId);
      await t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', sales).expect(200);
      await t.http.post(`/v1/contracts/${contractId}/approval`).set('authorization', approver).expect(200);
      const signed = await t.http.post(`/v1/contracts/${contractId}/signature`).set('authorization', sales).expect(200);
      last = BigInt(signed.headers['x-event-position']!);
    }
    await waitForHead(last);
  });
  afterAll(() => t.close());

  describe('verify', () => {
    it('reports an event hidden beyond the horizon, and no read applies or lists it', async () => {
      const streamId = `contract-${contracts.hidden}`;
      const [signed] = await t.stream(streamId).then((events) => events.slice(-1));
      // A transaction id no transaction has had yet, so that the log's horizon never reaches it.
      const inserted = await asAttacker(
        `INSERT INTO es_events (transaction_id, stream_id, stream_revision, event_id, type, data, metadata)
         VALUES ('1099511627776'::xid8, $1, 4, $2, 'ContractTerminated', $3::jsonb, $4::jsonb)`,
        [
          streamId,
          randomUUID(),
          JSON.stringify({ contractId: contracts.hidden, reason: 'quietly' }),
          JSON.stringify({ ...signed!.metadata, prevHash: signed!.metadata.hash, hash: 'not-a-hash' }),
        ],
      );
      expect(inserted).toBe(1);

      const contract = await t.http.get(`/v1/contracts/${contracts.hidden}`).set('authorization', sales).expect(200);
      expect(contract.body.status).toBe('Active');
      expect(contract.headers.etag).toBe('W/"3"');
      const history = await t.http.get(`/v1/audit/streams/${streamId}`).set('authorization', finance).expect(200);
      expect(history.body.events.map((event: { type: string }) => event.type)).not.toContain('ContractTerminated');
      const exported = await t.http
        .get(`/v1/audit/export?format=ndjson&stream=${streamId}`)
        .set('authorization', finance)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => done(null, text));
        })
        .expect(200);
      expect((exported.body as string).trim().split('\n')).toHaveLength(4);

      for (const query of [`?stream=${streamId}`, '?category=contract', '']) {
        expect(await verifyChains(query)).toMatchObject({
          verified: false,
          brokenLinks: 0,
          anomalies: 1,
          firstAnomaly: { streamId, revision: '4', reason: 'IMPOSSIBLE_TRANSACTION' },
        });
      }
      expect(await verifyChains(`?stream=contract-${contracts.untouched}`)).toMatchObject({
        verified: true,
        eventsChecked: 4,
        anomalies: 0,
      });
    });

    it('catches a changed global order when verifying one stream', async () => {
      const streamId = `contract-${contracts.reordered}`;
      const events = await t.stream(streamId);
      const { rows } = await t.pool.query<{ transaction_id: string; seq: string }>(
        'SELECT transaction_id::text, seq::text FROM es_events WHERE event_id = $1',
        [events[2]!.eventId],
      );
      // Revision 1 moved after revision 2 in the log; the chains themselves are untouched.
      await asAttacker(
        `UPDATE es_events SET transaction_id = $2::xid8, seq = $3::bigint + 1000000 WHERE event_id = $1`,
        [events[1]!.eventId, rows[0]!.transaction_id, rows[0]!.seq],
      );
      expect(await verifyChains(`?stream=${streamId}`)).toMatchObject({
        verified: false,
        firstBroken: { streamId, revision: '2', reason: 'REVISION_GAP' },
      });
    });

    it('catches a number beyond 2^53 changed by one digit', async () => {
      const streamId = `probe-${randomUUID()}`;
      const eventId = randomUUID();
      const data: JsonObject = { units: 2 ** 60 };
      const metadata: JsonObject = { prevHash: GENESIS_HASH, recordedAt: new Date().toISOString() };
      const hash = eventHash(GENESIS_HASH, { streamId, revision: 0n, eventId, type: 'Probed', data, metadata });
      await t.eventStore.append(
        streamId,
        [{ eventId, type: 'Probed', data, metadata: { ...metadata, hash } }],
        'no_stream',
      );
      expect(await verifyChains(`?stream=${streamId}`)).toMatchObject({ verified: true });
      expect(
        await asAttacker(`UPDATE es_events SET data = '{"units": 1152921504606847001}'::jsonb WHERE event_id = $1`, [
          eventId,
        ]),
      ).toBe(1);
      expect(await verifyChains(`?stream=${streamId}`)).toMatchObject({
        verified: false,
        firstBroken: { streamId, revision: '0', reason: 'HASH_MISMATCH' },
      });
    });
  });

  describe('checkpoints', () => {
    it('detects a stream truncated, a stream deleted and a chain rewritten since the manifest', async () => {
      const manifest = await takeCheckpoint();
      const entry = (contractId: string) => manifest.streams.find((line) => line.startsWith(`contract-${contractId} `));
      expect(entry(contracts.truncated)).toMatch(/ 3 \d+ [0-9a-f]{64}$/);
      expect(manifest).toMatchObject({ format: 'ka-audit-checkpoint/1', scope: { all: true } });
      expect(manifest.streamCount).toBe(manifest.streams.length);

      const before = await checkCheckpoint(manifest).expect(200);
      expect(before.body).toMatchObject({
        intact: true,
        problems: [],
        counts: { TRUNCATED: 0, DELETED: 0, REWRITTEN: 0 },
      });

      const truncated = `contract-${contracts.truncated}`;
      const deleted = `contract-${contracts.deleted}`;
      const rewritten = `contract-${contracts.rewritten}`;
      expect(await asAttacker('DELETE FROM es_events WHERE stream_id = $1 AND stream_revision = 3', [truncated])).toBe(
        1,
      );
      await asAttacker('UPDATE es_streams SET revision = 2 WHERE stream_id = $1', [truncated]);
      expect(await asAttacker('DELETE FROM es_events WHERE stream_id = $1', [deleted])).toBe(4);
      await asAttacker('DELETE FROM es_streams WHERE stream_id = $1', [deleted]);
      const original = await t.stream(rewritten);
      await rechain(
        original.map((event, index) =>
          index === 0 ? { ...event, data: { ...event.data, totalValueMinor: '500' } } : event,
        ),
        0,
      );
      // The store alone cannot tell: each altered stream is a valid chain.
      for (const streamId of [truncated, rewritten]) {
        expect(await verifyChains(`?stream=${streamId}`)).toMatchObject({ verified: true });
      }

      const after = await checkCheckpoint(manifest).expect(200);
      expect(after.body).toMatchObject({
        intact: false,
        streamsChecked: manifest.streamCount,
        counts: { TRUNCATED: 1, DELETED: 1, REWRITTEN: 1 },
      });
      const problems = new Map(
        (after.body.problems as { streamId: string; problem: string; found: unknown }[]).map((p) => [p.streamId, p]),
      );
      expect(problems.get(truncated)).toMatchObject({ problem: 'TRUNCATED', found: { revision: '2' } });
      expect(problems.get(deleted)).toMatchObject({ problem: 'DELETED', found: null });
      expect(problems.get(rewritten)).toMatchObject({ problem: 'REWRITTEN', found: { revision: '3' } });
      expect(problems.has(`contract-${contracts.untouched}`)).toBe(false);
    });

    it('refuses an edited or forged manifest', async () => {
      const manifest = await takeCheckpoint();
      const edited = {
        ...manifest,
        streams: manifest.streams.map((line) =>
          line.startsWith(`contract-${contracts.untouched} `) ? line.replace(/ 3 /, ' 2 ') : line,
        ),
      };
      expect((await checkCheckpoint(edited).expect(422)).body).toMatchObject({ code: 'CHECKPOINT_SIGNATURE_INVALID' });
      expect(
        (await checkCheckpoint({ ...manifest, headPosition: `${manifest.headPosition}0` }).expect(422)).body,
      ).toMatchObject({ code: 'CHECKPOINT_SIGNATURE_INVALID' });

      // A forger with their own key can make a self-consistent manifest, but not one this API's key signed.
      const forgerKey = generateKeyPairSync('ed25519').privateKey;
      const forged = { ...manifest, signature: sign(null, signedStatement(manifest), forgerKey).toString('base64') };
      expect((await checkCheckpoint(forged).expect(422)).body).toMatchObject({ code: 'CHECKPOINT_SIGNATURE_INVALID' });
      expect((await checkCheckpoint({ ...manifest, keyId: '0123456789abcdef' }).expect(422)).body).toMatchObject({
        code: 'CHECKPOINT_KEY_UNKNOWN',
      });
      expect((await checkCheckpoint({ ...manifest, streams: 'x' }).expect(400)).headers['content-type']).toMatch(
        /problem\+json/,
      );
    });

    it('can be checked offline with the published public key', async () => {
      const manifest = await takeCheckpoint();
      const key = await t.http.get('/v1/audit/checkpoints/public-key').set('authorization', finance).expect(200);
      expect(key.body).toMatchObject({ algorithm: 'Ed25519', keyId: manifest.keyId });
      expect(
        verify(null, signedStatement(manifest), key.body.publicKeyPem, Buffer.from(manifest.signature, 'base64')),
      ).toBe(true);
    });

    it('needs finance rights', async () => {
      await t.http.get('/v1/audit/checkpoints').set('authorization', sales).expect(403);
    });
  });

  describe('CSV export', () => {
    it('neutralises formula cells by default, and leaves them for machine consumers on request', async () => {
      const streamId = `probe-${randomUUID()}`;
      await t.eventStore.append(
        streamId,
        [{ eventId: randomUUID(), type: 'Probed', data: { reason: '=HYPERLINK("http://x","y")' }, metadata: {} }],
        'no_stream',
      );
      const csv = async (query: string): Promise<string> =>
        (
          await t.http
            .get(`/v1/audit/export?format=csv&stream=${streamId}${query}`)
            .set('authorization', finance)
            .buffer(true)
            .parse((res, done) => {
              let text = '';
              res.on('data', (chunk: Buffer) => (text += chunk.toString()));
              res.on('end', () => done(null, text));
            })
            .expect(200)
        ).body as string;
      await waitForHead(BigInt((await t.stream(streamId))[0]!.position));
      expect((await csv('')).split('\r\n')[1]).toContain(`,"'=HYPERLINK(""http://x"",""y"")",`);
      expect((await csv('&neutraliseFormulas=false')).split('\r\n')[1]).toContain(`,"=HYPERLINK(""http://x"",""y"")",`);
      await t.http
        .get(`/v1/audit/export?format=csv&neutraliseFormulas=maybe`)
        .set('authorization', finance)
        .expect(400);
    });
  });

  // Last: it leaves a stream the store cannot append to.
  it('refuses a command on a stream with an event forged at its next revision: 500 STREAM_ALTERED_OUTSIDE_STORE, nothing appended', async () => {
    const approver = await t.as('dana', 'deal_approver');
    const contractId = randomUUID();
    await draft(contractId);
    const streamId = `contract-${contractId}`;
    const [drafted] = await t.stream(streamId);
    // A row at the stream's next revision, inserted by hand: the stream's head still says revision 0.
    await asAttacker(
      `INSERT INTO es_events (stream_id, stream_revision, event_id, type, data, metadata)
       VALUES ($1, 1, $2, 'ContractSubmitted', $3::jsonb, $4::jsonb)`,
      [
        streamId,
        randomUUID(),
        JSON.stringify({ contractId }),
        JSON.stringify({ ...drafted!.metadata, prevHash: drafted!.metadata.hash, hash: 'not-a-hash' }),
      ],
    );

    const refused = await t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', sales).expect(500);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 500, code: 'STREAM_ALTERED_OUTSIDE_STORE' });
    expect(refused.body.detail).toContain(streamId);
    await t.http.post(`/v1/contracts/${contractId}/approval`).set('authorization', approver).expect(500);
    expect((await t.stream(streamId)).map((event) => event.type)).toEqual(['ContractDrafted', 'ContractSubmitted']);
    expect(await verifyChains(`?stream=${streamId}`)).toMatchObject({ verified: false });
  });
});
