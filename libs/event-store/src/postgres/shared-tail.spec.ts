import type { Position, RecordedEvent } from '../event-store';
import { SharedTail } from './shared-tail';
import type { LogPage } from './subscription';

const eventAt = (position: Position): RecordedEvent => ({
  eventId: `00000000-0000-4000-8000-${position.toString().padStart(12, '0')}`,
  streamId: 'advertiser-1',
  revision: position,
  position,
  type: 'AdvertiserKaTierChanged',
  data: {},
  metadata: {},
  createdAt: new Date(0),
});

/** A log of events at positions 1..length, read as the PostgreSQL adapter would page it. */
class Log {
  reads: { from: Position; limit: number }[] = [];
  heldBack = false;
  failing = false;
  /** Closed, reads wait for `open()`, so that others can join one in flight; open, they answer at once. */
  private gated = true;
  private pending: (() => void)[] = [];

  constructor(public length: number) {}

  read = async (from: Position, limit: number): Promise<LogPage> => {
    this.reads.push({ from, limit });
    const { length, heldBack, failing } = this;
    if (this.gated) await new Promise<void>((resolve) => this.pending.push(resolve));
    if (failing) throw new Error('connection lost');
    const events: RecordedEvent[] = [];
    for (let position = from + 1n; position <= BigInt(length) && events.length < limit; position++) {
      events.push(eventAt(position));
    }
    return { events, head: BigInt(length), heldBack, more: events.length === limit };
  };

  open(): void {
    this.gated = false;
    for (const resolve of this.pending.splice(0)) resolve();
  }

  close(): void {
    this.gated = true;
  }
}

const positions = (page: LogPage) => page.events.map((event) => event.position);

describe('SharedTail', () => {
  let generation: number;
  let log: Log;
  let tail: SharedTail;

  beforeEach(() => {
    generation = 0;
    log = new Log(5);
    tail = new SharedTail(log.read, () => generation);
  });

  /** Lets every caller reach its read (joining one in flight where it may), then answers them all. */
  const settle = async <T>(pages: Promise<T>): Promise<T> => {
    await new Promise((resolve) => setImmediate(resolve));
    log.open();
    try {
      return await pages;
    } finally {
      log.close();
    }
  };

  it('given subscribers woken together, when they read from the same cursor, then one query serves them all', async () => {
    const pages = await settle(Promise.all([0, 1, 2].map(() => tail.readPage(0n, 100, 0))));

    expect(log.reads).toHaveLength(1);
    for (const page of pages) {
      expect(positions(page)).toEqual([1n, 2n, 3n, 4n, 5n]);
      expect(page).toMatchObject({ head: 5n, heldBack: false, more: false });
    }
  });

  it('given a subscriber further along, when it joins a read, then it gets only the events after its cursor', async () => {
    const [, ahead] = await settle(Promise.all([tail.readPage(0n, 100, 0), tail.readPage(3n, 100, 0)]));

    expect(log.reads).toHaveLength(1);
    expect(positions(ahead)).toEqual([4n, 5n]);
    expect(ahead.head).toBe(5n);
  });

  it('given a subscriber behind the shared read, when it reads, then it queries for itself', async () => {
    await settle(tail.readPage(3n, 100, 0));
    const behind = await settle(tail.readPage(1n, 100, 0));

    expect(log.reads).toHaveLength(2);
    expect(positions(behind)).toEqual([2n, 3n, 4n, 5n]);
  });

  it('given a wake after the shared read began, when a subscriber that saw it reads, then it queries afresh and sees the new events', async () => {
    await settle(tail.readPage(0n, 100, 0));
    log.length = 7;
    generation = 1;
    const page = await settle(tail.readPage(5n, 100, 1));

    expect(log.reads).toHaveLength(2);
    expect(positions(page)).toEqual([6n, 7n]);
  });

  it('given a shared page cut at its limit, when a subscriber takes a smaller slice, then it is told to read on and its head is its last event', async () => {
    log.length = 10;
    const [, slice] = await settle(Promise.all([tail.readPage(0n, 4, 0), tail.readPage(2n, 1, 0)]));

    expect(positions(slice)).toEqual([3n]);
    expect(slice).toMatchObject({ head: 3n, more: true, heldBack: false });
  });

  it('given a shared page cut at its limit, when a subscriber is past its last event, then it queries for itself', async () => {
    log.length = 10;
    const [, past] = await settle(Promise.all([tail.readPage(0n, 4, 0), tail.readPage(6n, 4, 0)]));

    expect(log.reads).toHaveLength(2);
    expect(positions(past)).toEqual([7n, 8n, 9n, 10n]);
  });

  it('given a page whose events were held back, when a subscriber looks again, then it gets a newer read', async () => {
    log.heldBack = true;
    await settle(tail.readPage(5n, 100, 0));
    log.heldBack = false;
    log.length = 6;
    const again = await settle(tail.readPage(5n, 100, 0));

    expect(log.reads).toHaveLength(2);
    expect(positions(again)).toEqual([6n]);
    expect(again.heldBack).toBe(false);
  });

  it('given a read that failed, when subscribers retry, then they query again rather than reuse the failure', async () => {
    log.failing = true;
    const failed = await settle(Promise.allSettled([tail.readPage(0n, 100, 0), tail.readPage(0n, 100, 0)]));
    log.failing = false;
    const retried = await settle(tail.readPage(0n, 100, 0));

    // The one that joined the failed read read for itself, and failed on its own.
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(log.reads).toHaveLength(3);
    expect(positions(retried)).toEqual([1n, 2n, 3n, 4n, 5n]);
  });
});
