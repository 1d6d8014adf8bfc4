import { createHash, randomUUID } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import { events, HistoryWriter, type PlannedEvent } from '../bench/support/domain-history';
import { startTestApp, type TestApp } from './support/app';

const CAMPAIGNS = 1_000;
const SPEND_REPORTS = 95;
/** Created, submitted, approved, launched, the spend reports, and a pause with a reason. */
const EVENTS_PER_CAMPAIGN = 4 + SPEND_REPORTS + 1;
const TOTAL = CAMPAIGNS * EVENTS_PER_CAMPAIGN;
const PAUSE_REASON = (index: number) => `creative refresh, "round ${index}"\nsee ticket CR-${index}`;

interface Download {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly sha256: string;
  readonly lines: number;
  readonly bytes: number;
}

/** The export as the last step of a stream: hashed and counted as it arrives, never held whole. */
const download = (baseUrl: string, path: string, authorization: string): Promise<Download> =>
  new Promise((resolve, reject) => {
    get(`${baseUrl}${path}`, { headers: { authorization } }, (response) => {
      const hash = createHash('sha256');
      let lines = 0;
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, sha256: hash.digest('hex'), lines, bytes }),
      );
      response.on('error', reject);
    }).on('error', reject);
  });

interface StoredRow {
  transaction_id: string;
  seq: string;
  stream_id: string;
  stream_revision: string;
  type: string;
  data: Record<string, unknown>;
  /** data as PostgreSQL stores it: the export writes this text, parsed and serialised by no one. */
  data_text: string;
  metadata: Record<string, unknown>;
}

const csvField = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/**
 * A large log written straight through the event store port (hash-chained, with the metadata the
 * command executor writes), then exported over HTTP and compared with the table itself.
 */
describe('audit export of a large log', () => {
  let t: TestApp;
  let finance: string;

  /**
   * The expected export, computed from es_events with SQL in global order (transaction id, then
   * sequence: the PostgreSQL adapter's position is transaction_id << 64 | seq), not through the port.
   */
  const expectedExport = async (format: 'ndjson' | 'csv'): Promise<{ sha256: string; lines: number }> => {
    const hash = createHash('sha256');
    let lines = 0;
    if (format === 'csv') {
      hash.update('position,stream,revision,type,recordedAt,actor,reason,hash,prevHash,data\r\n');
      lines++;
    }
    let after: [string, string] = ['0', '0'];
    for (;;) {
      const { rows } = await t.pool.query<StoredRow>(
        // Qualified, so that ORDER BY sorts the columns and not their text output of the same name.
        `SELECT e.transaction_id::text, e.seq::text, e.stream_id, e.stream_revision::text, e.type, e.data, e.data::text AS data_text, e.metadata
         FROM es_events e WHERE (e.transaction_id, e.seq) > ($1::xid8, $2::bigint)
         ORDER BY e.transaction_id, e.seq LIMIT 10000`,
        after,
      );
      if (rows.length === 0) return { sha256: hash.digest('hex'), lines };
      for (const row of rows) {
        const { metadata, data } = row;
        const columns = {
          position: ((BigInt(row.transaction_id) << 64n) | BigInt(row.seq)).toString(),
          stream: row.stream_id,
          revision: row.stream_revision,
          type: row.type,
          recordedAt: metadata.recordedAt,
          actor: (metadata.actor as { userId: string }).userId,
          reason: data.reason ?? data.cause ?? null,
          hash: metadata.hash,
          prevHash: metadata.prevHash,
          data,
        };
        if (format === 'ndjson') {
          hash.update(`${JSON.stringify({ ...columns, data: null }).slice(0, -'null}'.length)}${row.data_text}}\n`);
        } else {
          hash.update(
            `${Object.values({ ...columns, data: row.data_text })
              .map(csvField)
              .join(',')}\r\n`,
          );
        }
        lines++;
      }
      const last = rows[rows.length - 1]!;
      after = [last.transaction_id, last.seq];
    }
  };

  const metric = async (name: string, labels = ''): Promise<number> => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  };

  beforeAll(async () => {
    t = await startTestApp();
    finance = await t.as('fiona', 'finance_auditor');
    const writer = new HistoryWriter(t.eventStore);
    const contractId = randomUUID();
    const advertiserId = randomUUID();
    const stories: PlannedEvent[][][] = Array.from({ length: CAMPAIGNS }, (_, index) => {
      const campaignId = randomUUID();
      return [
        [
          events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '5000000'),
          events.campaignSubmitted(campaignId),
        ],
        [events.campaignApproved(campaignId)],
        [events.campaignLaunched(campaignId)],
        Array.from({ length: SPEND_REPORTS }, (_, day) => events.spendReported(campaignId, String(1_000 + day), day)),
        [events.campaignPaused(campaignId, PAUSE_REASON(index))],
      ];
    });
    const actors = [
      { userId: 'sam', roles: ['sales'] },
      { userId: 'cora', roles: ['compliance'] },
      { userId: 'sam', roles: ['sales'] },
      { userId: 'ad-serving', roles: ['service'] },
      { userId: 'sue', roles: ['sales'] },
    ];
    // Four writers interleave the campaigns' commands, as concurrent users would.
    let next = 0;
    let last = 0n;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < stories.length) {
          const story = stories[next++]!;
          for (const [step, batch] of story.entries()) {
            const position = await writer.append(batch, actors[step]);
            if (position > last) last = position;
          }
        }
      }),
    );
    // Exports read up to the horizon, which is cluster-wide: another test's open transaction may
    // hold it back a moment after the last write.
    while ((await t.eventStore.headPosition()) < last) await new Promise((resolve) => setTimeout(resolve, 20));
  }, 180_000);
  afterAll(() => t?.close());

  it(`exports all ${TOTAL.toLocaleString('en')} events as NDJSON: line count and checksum match the log`, async () => {
    const [exported, expected] = await Promise.all([
      download(t.baseUrl, '/v1/audit/export?format=ndjson', finance),
      expectedExport('ndjson'),
    ]);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(exported.headers['transfer-encoding']).toBe('chunked');
    expect(expected.lines).toBe(TOTAL);
    expect(exported.lines).toBe(TOTAL);
    expect(exported.sha256).toBe(expected.sha256);
  }, 120_000);

  it('exports the same log as CSV, byte for byte as RFC 4180 prescribes', async () => {
    const [exported, expected] = await Promise.all([
      download(t.baseUrl, '/v1/audit/export?format=csv', finance),
      expectedExport('csv'),
    ]);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-disposition']).toMatch(/^attachment; filename="audit-events-[0-9TZ]+\.csv"$/);
    expect(exported.sha256).toBe(expected.sha256);
    // Each pause reason holds a line feed inside its quoted field.
    expect(exported.lines).toBe(TOTAL + 1 + CAMPAIGNS);
  }, 120_000);

  it('exports a filtered selection: one event type, by one actor', async () => {
    const exported = await download(t.baseUrl, '/v1/audit/export?eventType=CampaignPaused&actor=sue', finance);
    expect(exported.status).toBe(200);
    expect(exported.lines).toBe(CAMPAIGNS);
    const none = await download(t.baseUrl, '/v1/audit/export?eventType=CampaignPaused&actor=sam', finance);
    expect({ status: none.status, bytes: none.bytes }).toEqual({ status: 200, bytes: 0 });
  }, 60_000);

  it('stops reading the log when the client disconnects', async () => {
    const before = await metric('audit_export_events_total', '{format="ndjson"}');
    await new Promise<void>((resolve, reject) => {
      const request = get(`${t.baseUrl}/v1/audit/export`, { headers: { authorization: finance } }, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    });
    while ((await metric('audit_exports_in_flight')) > 0) await new Promise((resolve) => setImmediate(resolve));
    const written = (await metric('audit_export_events_total', '{format="ndjson"}')) - before;
    // The socket buffers take a few pages before the server sees the client is gone; not the log.
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(TOTAL / 4);
    const after = await download(t.baseUrl, '/v1/audit/export?eventType=CampaignLaunched', finance);
    expect(after.lines).toBe(CAMPAIGNS);
  }, 60_000);

  it('answers HEAD with the headers alone, reading nothing', async () => {
    const before = await metric('audit_export_events_total', '{format="csv"}');
    const head = await t.http.head('/v1/audit/export?format=csv').set('authorization', finance).expect(200);
    expect(head.headers['content-type']).toMatch(/^text\/csv/);
    expect(head.headers['x-event-position']).toMatch(/^[0-9]+$/);
    expect(await metric('audit_export_events_total', '{format="csv"}')).toBe(before);
  });

  it('bounds the events read per page when a filter is applied while reading, and pages on by cursor', async () => {
    const first = await t.http.get('/v1/audit/events?actor=nobody&limit=10').set('authorization', finance).expect(200);
    expect(first.body).toMatchObject({ events: [], hasMore: true, scanned: 20_000 });
    let cursor = first.body.next as string;
    let pages = 1;
    let scanned = 20_000;
    for (;;) {
      const page = await t.http
        .get(`/v1/audit/events?actor=nobody&limit=10&cursor=${cursor}`)
        .set('authorization', finance)
        .expect(200);
      pages++;
      scanned += page.body.scanned as number;
      expect(page.body.events).toEqual([]);
      if (!page.body.hasMore) break;
      cursor = page.body.next;
    }
    expect(scanned).toBe(TOTAL);
    expect(pages).toBeGreaterThanOrEqual(TOTAL / 20_000);

    const sue = await t.http.get('/v1/audit/events?actor=sue&limit=5').set('authorization', finance).expect(200);
    expect(sue.body.events).toHaveLength(5);
    expect(sue.body.events.map((event: { reason: string }) => event.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^creative refresh, "round \d+"\nsee ticket CR-\d+$/)]),
    );
  }, 60_000);
});
