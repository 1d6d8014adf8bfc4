import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { RecordedEvent } from '#event-store';
import { actorOf, reasonOf, recordedAtOf } from './audit-event';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The export's columns, in this order, in both formats. Stable: add at the end, never rename. */
export const EXPORT_COLUMNS = [
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
] as const;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const ndjsonLine = (event: RecordedEvent): string =>
  `${JSON.stringify({
    position: event.position.toString(),
    stream: event.streamId,
    revision: event.revision.toString(),
    type: event.type,
    recordedAt: recordedAtOf(event),
    actor: actorOf(event),
    reason: reasonOf(event),
    hash: text(event.metadata.hash),
    prevHash: text(event.metadata.prevHash),
    data: event.data,
  })}\n`;

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, with its quotes doubled. */
export const csvField = (value: string | null): string =>
  value === null ? '' : NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

// What spreadsheets take for the start of a formula (OWASP "CSV injection"): = + - @, and a tab or
// carriage return, which some strip before looking.
const FORMULA_START = /^[=+\-@\t\r]/;

/** csvField, with a cell a spreadsheet would run as a formula prefixed by an apostrophe so it shows as text. */
export const neutralisedCsvField = (value: string | null): string =>
  csvField(value !== null && FORMULA_START.test(value) ? `'${value}` : value);

// Positions and revisions are digits and need no quoting; everything else may hold anything.
const csvLine =
  (field: (value: string | null) => string) =>
  (event: RecordedEvent): string =>
    `${event.position},${field(event.streamId)},${event.revision},${field(event.type)},${field(recordedAtOf(event))},${field(actorOf(event))},${field(reasonOf(event))},${field(text(event.metadata.hash))},${field(text(event.metadata.prevHash))},${field(JSON.stringify(event.data))}\r\n`;

/** The CSV line with every cell as stored, for programs (neutraliseFormulas=false). */
export const rawCsvLine = csvLine(csvField);

export const FORMATS: Record<
  ExportFormat,
  { readonly contentType: string; readonly header: string; line(event: RecordedEvent): string }
> = {
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', header: '', line: ndjsonLine },
  csv: {
    contentType: 'text/csv; charset=utf-8; header=present',
    header: `${EXPORT_COLUMNS.join(',')}\r\n`,
    line: csvLine(neutralisedCsvField),
  },
};

/** Lines are encoded and written in pieces of about this many characters. */
export const PIECE_CHARS = 64 * 1024;

export interface RenderedPage {
  /** UTF-8, outside the V8 heap (see renderExport). */
  readonly pieces: readonly Buffer[];
  /** Events in the pieces. */
  readonly events: number;
}

const renderPage = (
  page: readonly RecordedEvent[],
  matches: (event: RecordedEvent) => boolean,
  line: (event: RecordedEvent) => string,
): RenderedPage => {
  const pieces: Buffer[] = [];
  let piece = '';
  let events = 0;
  for (const event of page) {
    if (!matches(event)) continue;
    piece += line(event);
    events++;
    if (piece.length >= PIECE_CHARS) {
      pieces.push(Buffer.from(piece));
      piece = '';
    }
  }
  if (piece !== '') pieces.push(Buffer.from(piece));
  return { pieces, events };
};

/**
 * Formats each page of events as soon as it is read, into UTF-8 buffers. What then waits for a slow
 * client is bytes outside the V8 heap, and the events and strings die young. Held across that wait,
 * a page of events or of text fills whole young-generation pages, which V8 promotes to the old
 * generation as they are; that then grows by 100 MB and more between full collections.
 */
export async function* renderExport(
  pages: AsyncIterable<readonly RecordedEvent[]>,
  matches: (event: RecordedEvent) => boolean,
  format: ExportFormat,
  neutraliseFormulas = true,
): AsyncGenerator<RenderedPage> {
  const line = format === 'csv' && !neutraliseFormulas ? rawCsvLine : FORMATS[format].line;
  // The header goes with the first page, so that the first rendered page has read the store.
  let header = FORMATS[format].header === '' ? undefined : Buffer.from(FORMATS[format].header);
  for await (const page of pages) {
    const rendered = renderPage(page, matches, line);
    yield header === undefined ? rendered : { ...rendered, pieces: [header, ...rendered.pieces] };
    header = undefined;
  }
  if (header !== undefined) yield { pieces: [header], events: 0 };
}

/**
 * Writes rendered pages to `out`. Whenever the sink refuses a write (its buffer is full), nothing more
 * is taken from `rendered` until it drains, so memory stays at a page or two whatever the size of the
 * log. Stops when `signal` aborts.
 */
export const pumpExport = async (
  rendered: AsyncIterable<RenderedPage>,
  out: Writable,
  signal: AbortSignal,
  onWritten: (events: number) => void = () => undefined,
): Promise<void> => {
  for await (const { pieces, events } of rendered) {
    if (signal.aborted) return;
    for (const piece of pieces) {
      if (!out.write(piece)) await once(out, 'drain', { signal });
    }
    if (events > 0) onWritten(events);
  }
};
