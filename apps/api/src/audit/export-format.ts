import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ExportRow } from '#event-store';

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

const json = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));

// data is JSON text already: written as it is, not parsed and serialised again.
const ndjsonLine = (row: ExportRow): string =>
  `{"position":"${row.position}","stream":${json(row.streamId)},"revision":"${row.revision}","type":${json(row.type)},"recordedAt":${json(row.recordedAt)},"actor":${json(row.actor)},"reason":${json(row.reason)},"hash":${json(row.hash)},"prevHash":${json(row.prevHash)},"data":${row.data}}\n`;

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
  (row: ExportRow): string =>
    `${row.position},${field(row.streamId)},${row.revision},${field(row.type)},${field(row.recordedAt)},${field(row.actor)},${field(row.reason)},${field(row.hash)},${field(row.prevHash)},${field(row.data)}\r\n`;

/** The CSV line with every cell as stored, for programs (neutraliseFormulas=false). */
export const rawCsvLine = csvLine(csvField);

export const FORMATS: Record<
  ExportFormat,
  { readonly contentType: string; readonly header: string; line(event: ExportRow): string }
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
  page: readonly ExportRow[],
  matches: (event: ExportRow) => boolean,
  line: (event: ExportRow) => string,
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
  pages: AsyncIterable<readonly ExportRow[]>,
  matches: (event: ExportRow) => boolean,
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
