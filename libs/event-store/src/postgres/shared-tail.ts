import type { Position } from '../event-store';
import type { LogPage } from './subscription';

interface TailRead {
  readonly from: Position;
  readonly limit: number;
  /** The wake generation when the read began: it holds every append that woke anyone before. */
  readonly generation: number;
  readonly page: Promise<LogPage>;
}

/**
 * Lets the unfiltered subscriptions of one store share their reads of the log's tail. The read
 * models, reactors and the scheduler of a process follow the same log and are woken together, so
 * without this each of them reads the same new events with its own query: most of the database
 * work of projecting, and most of their cost in the process too.
 *
 * A subscription may take another's read, in flight or done, when that read began at or after the
 * wake the subscription last saw (so it holds every event that wake announced) and from a position
 * at or before its cursor; anything else reads afresh. What is below a page's head is final in the
 * log, so a slice of a page is exactly what the subscription's own read would have returned.
 */
export class SharedTail {
  private latest: TailRead | undefined;

  constructor(
    private readonly read: (from: Position, limit: number) => Promise<LogPage>,
    private readonly currentGeneration: () => number,
  ) {}

  async readPage(from: Position, limit: number, seenGeneration: number): Promise<LogPage> {
    const shared = this.latest;
    if (shared !== undefined && shared.generation >= seenGeneration && shared.from <= from) {
      const page = await shared.page.catch(() => undefined);
      const slice = page === undefined ? undefined : sliceAfter(page, shared.limit, from, limit);
      if (slice !== undefined) return slice;
    }
    const read: TailRead = { from, limit, generation: this.currentGeneration(), page: this.read(from, limit) };
    this.latest = read;
    // A failed read is nobody's to share, and a held-back one only while in flight: a subscriber
    // that saw events held back looks again later and must then get a newer read.
    const forget = () => {
      if (this.latest === read) this.latest = undefined;
    };
    read.page.then((page) => page.heldBack && forget(), forget);
    return read.page;
  }
}

/**
 * The events of `page` after `from`, at most `limit`; undefined when the page cannot say what
 * follows `from` (it stopped at its own limit before reaching it).
 */
const sliceAfter = (page: LogPage, pageLimit: number, from: Position, limit: number): LogPage | undefined => {
  const start = page.events.findIndex((event) => event.position > from);
  const complete = page.events.length < pageLimit && !page.more;
  if (start === -1) return complete ? { ...page, events: [] } : undefined;
  const events = page.events.slice(start, start + limit);
  if (complete && start + limit >= page.events.length) return { ...page, events };
  // More follows in the log than this slice holds: the caller reads on after its last event.
  return { events, head: events[events.length - 1]!.position, heldBack: false, more: true };
};
