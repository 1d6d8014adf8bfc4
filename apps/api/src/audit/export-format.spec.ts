import { Writable } from 'node:stream';
import type { ExportRow, RecordedEvent } from '#event-store';
import { toExportRow } from './audit-event';
import { FORMATS, BUFFERS, BUFFER_BYTES, csvField, neutralisedCsvField, pumpExport, rawCsvLine } from './export-format';

const recorded = (revision: number, data: Record<string, unknown> = {}): RecordedEvent => ({
  eventId: `00000000-0000-4000-8000-${revision.toString().padStart(12, '0')}`,
  streamId: 'campaign-1',
  revision: BigInt(revision),
  position: BigInt(1000 + revision),
  type: 'CampaignPaused',
  data,
  metadata: {
    actor: { userId: 'sam', roles: ['sales'] },
    recordedAt: '2027-01-01T00:00:00.000Z',
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
  },
  createdAt: new Date('2027-01-01T00:00:00.001Z'),
});

const event = (revision: number, data: Record<string, unknown> = {}): ExportRow =>
  toExportRow(recorded(revision, data));

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A sink that acknowledges each write only when the test says so, as a slow client would. */
class SlowSink extends Writable {
  readonly chunks: string[] = [];
  private pending: (() => void)[] = [];

  constructor() {
    super({ highWaterMark: 1 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    this.pending.push(callback);
  }

  acknowledge(): void {
    const pending = this.pending;
    this.pending = [];
    pending.forEach((callback) => callback());
  }
}

/**
 * Pages of one event each, every event long enough to be written on its own, counting how many pages
 * the pump has asked for and whether it closed the source.
 */
const countedPages = (count: number) => {
  const state = { pulled: 0, closed: false };
  async function* pages(): AsyncGenerator<readonly ExportRow[]> {
    try {
      for (let page = 0; page < count; page++) {
        state.pulled++;
        yield [event(page, { reason: `page ${page}`, creative: 'x'.repeat(BUFFER_BYTES - 1_000) })];
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, pages: pages() };
};

describe('export formats', () => {
  it('quotes CSV fields per RFC 4180 only when they need it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('line\nfeed')).toBe('"line\nfeed"');
  });

  it('prefixes CSV cells a spreadsheet would run as a formula with an apostrophe, then quotes as usual', () => {
    expect(neutralisedCsvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(neutralisedCsvField('+1')).toBe("'+1");
    expect(neutralisedCsvField('-2+3')).toBe("'-2+3");
    expect(neutralisedCsvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(neutralisedCsvField('\tcmd')).toBe("'\tcmd");
    expect(neutralisedCsvField('\rcmd')).toBe('"\'\rcmd"');
    expect(neutralisedCsvField('a=b')).toBe('a=b');
    expect(neutralisedCsvField(null)).toBe('');
  });

  it('neutralises every text cell by default, and none for machine consumers', () => {
    const hostile = toExportRow({
      ...recorded(3, { campaignId: 'c-1', reason: '=cmd|"/c calc"!A1' }),
      metadata: { actor: { userId: '@evil', roles: ['sales'] }, recordedAt: '2027-01-01T00:00:00.000Z' },
    });
    expect(FORMATS.csv.line(hostile)).toBe(
      `1003,campaign-1,3,CampaignPaused,2027-01-01T00:00:00.000Z,'@evil,"'=cmd|""/c calc""!A1",,,"{""campaignId"":""c-1"",""reason"":""=cmd|\\""/c calc\\""!A1""}"\r\n`,
    );
    expect(rawCsvLine(hostile)).toBe(
      `1003,campaign-1,3,CampaignPaused,2027-01-01T00:00:00.000Z,@evil,"=cmd|""/c calc""!A1",,,"{""campaignId"":""c-1"",""reason"":""=cmd|\\""/c calc\\""!A1""}"\r\n`,
    );
  });

  it('writes the same columns in both formats, data as JSON', () => {
    const paused = event(3, { campaignId: 'c-1', reason: 'budget, "exhausted"' });
    expect(JSON.parse(FORMATS.ndjson.line(paused))).toEqual({
      position: '1003',
      stream: 'campaign-1',
      revision: '3',
      type: 'CampaignPaused',
      recordedAt: '2027-01-01T00:00:00.000Z',
      actor: 'sam',
      reason: 'budget, "exhausted"',
      hash: 'b'.repeat(64),
      prevHash: 'a'.repeat(64),
      data: { campaignId: 'c-1', reason: 'budget, "exhausted"' },
    });
    expect(FORMATS.csv.header).toBe('position,stream,revision,type,recordedAt,actor,reason,hash,prevHash,data\r\n');
    expect(FORMATS.csv.line(paused)).toBe(
      `1003,campaign-1,3,CampaignPaused,2027-01-01T00:00:00.000Z,sam,"budget, ""exhausted""",${'b'.repeat(64)},${'a'.repeat(64)},"{""campaignId"":""c-1"",""reason"":""budget, \\""exhausted\\""""}"\r\n`,
    );
  });
});

describe('pumpExport', () => {
  const collect = () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
    return { chunks, sink };
  };

  it('reads no further page while every buffer waits for the client, and reuses them as it takes them', async () => {
    const sink = new SlowSink();
    const { state, pages } = countedPages(12);
    const done = pumpExport(pages, () => true, 'ndjson', sink, new AbortController().signal);
    await settle();
    // Each line fills most of a buffer: BUFFERS of them go out, the next page waits for one back.
    expect(state.pulled).toBe(BUFFERS + 1);
    sink.acknowledge();
    await settle();
    expect(state.pulled).toBe(BUFFERS + 2);
    for (let round = 0; round < 20; round++) {
      sink.acknowledge();
      await settle();
    }
    await done;
    expect(state).toEqual({ pulled: 12, closed: true });
    const lines = sink.chunks.join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line).reason)).toEqual(
      Array.from({ length: 12 }, (_, page) => `page ${page}`),
    );
  });

  it('stops reading and closes the source when the client goes away', async () => {
    const sink = new SlowSink();
    const { state, pages } = countedPages(1_000);
    const aborted = new AbortController();
    const done = pumpExport(pages, () => true, 'csv', sink, aborted.signal);
    await settle();
    expect(state.pulled).toBe(BUFFERS + 1);
    aborted.abort();
    await expect(done).rejects.toThrow(/abort/i);
    expect(state).toEqual({ pulled: BUFFERS + 1, closed: true });
  });

  it('writes the header first, then only the rows the filter accepts, and a line larger than a buffer whole', async () => {
    async function* pages(): AsyncGenerator<readonly ExportRow[]> {
      yield [event(1), event(2), event(3)];
      yield [event(4)];
      yield [event(5, { creative: 'ü'.repeat(BUFFER_BYTES) })];
    }
    const { chunks, sink } = collect();
    const written: number[] = [];
    await pumpExport(pages(), (e) => e.revision % 2n === 1n, 'csv', sink, new AbortController().signal, {
      onWritten: (events) => written.push(events),
    });
    expect(written).toEqual([2, 1]);
    const rows = chunks.join('').split('\r\n');
    expect(rows[0]).toBe(FORMATS.csv.header.trimEnd());
    expect(rows.slice(1, -1).map((row) => row.split(',')[2])).toEqual(['1', '3', '5']);
    expect(rows[3]).toContain('ü'.repeat(BUFFER_BYTES));
  });

  it('still sends the CSV header when nothing matches', async () => {
    async function* pages(): AsyncGenerator<readonly ExportRow[]> {
      yield [event(2)];
    }
    const { chunks, sink } = collect();
    await pumpExport(pages(), () => false, 'csv', sink, new AbortController().signal);
    expect(chunks).toEqual([FORMATS.csv.header]);
  });
});
