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

/** Output is encoded into a few buffers of this size, each reused once the socket has taken it. */
export const BUFFER_BYTES = 64 * 1024;
export const BUFFERS = 4;

/**
 * Formats the pages of rows and writes them to `out`, encoding lines straight into BUFFERS reused
 * buffers. A buffer goes back to the pool when `out` has taken its bytes (the write's callback), and
 * while none is free nothing more is read, so a slow client holds the export at BUFFERS x BUFFER_BYTES.
 * Allocating a buffer per piece instead left every piece that waited for the client to the garbage
 * collector, outside the heap; those survived into the old generation and the process grew by over
 * 100 MB between full collections. The only objects made per line are its string, which dies at once.
 * Stops when `signal` aborts.
 */
export const pumpExport = async (
  pages: AsyncIterable<readonly ExportRow[]>,
  matches: (row: ExportRow) => boolean,
  format: ExportFormat,
  out: Writable,
  signal: AbortSignal,
  options: { readonly neutraliseFormulas?: boolean; readonly onWritten?: (events: number) => void } = {},
): Promise<void> => {
  const line = format === 'csv' && options.neutraliseFormulas === false ? rawCsvLine : FORMATS[format].line;
  const free: Buffer[] = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafe(BUFFER_BYTES));
  let released: (() => void) | undefined;
  let failure: Error | undefined;
  const acquire = async (): Promise<Buffer> => {
    while (free.length === 0) {
      signal.throwIfAborted();
      if (failure !== undefined) throw failure;
      await new Promise<void>((resolve) => (released = resolve));
    }
    return free.pop()!;
  };
  const wake = (): void => released?.();
  signal.addEventListener('abort', wake);
  try {
    await pumpPages();
  } finally {
    signal.removeEventListener('abort', wake);
  }

  async function pumpPages(): Promise<void> {
    let current = await acquire();
    let used = 0;
    const flush = async (): Promise<void> => {
      if (used === 0) return;
      const buffer = current;
      out.write(buffer.subarray(0, used), (error) => {
        if (error) failure ??= error;
        free.push(buffer);
        released?.();
      });
      current = await acquire();
      used = 0;
    };
    // A UTF-16 code unit takes at most 3 bytes in UTF-8; only a long line needs its exact length.
    const fits = (text: string): boolean =>
      text.length * 3 <= BUFFER_BYTES - used || Buffer.byteLength(text) <= BUFFER_BYTES - used;
    const write = async (text: string): Promise<void> => {
      if (!fits(text)) {
        await flush();
        if (!fits(text)) {
          if (!out.write(text)) await once(out, 'drain', { signal });
          return;
        }
      }
      used += current.write(text, used);
    };
    await write(FORMATS[format].header);
    for await (const page of pages) {
      signal.throwIfAborted();
      let events = 0;
      for (const row of page) {
        if (!matches(row)) continue;
        const text = line(row);
        // Awaiting only when the buffer is full keeps a microtask per line out of the loop.
        if (fits(text)) used += current.write(text, used);
        else await write(text);
        events++;
      }
      if (events > 0) options.onWritten?.(events);
    }
    await flush();
  }
};
