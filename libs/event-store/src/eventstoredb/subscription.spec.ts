import { PassThrough } from 'node:stream';
import type { AllStreamRecordedEvent, AllStreamResolvedEvent } from '@eventstore/db-client';
import type { JsonObject, Position, RecordedEvent } from '../event-store';
import { encodePosition } from './position';
import { CatchUpSubscription } from './subscription';

/** Stands in for the client's $all subscription stream, which needs a server. */
class FakeFeed extends PassThrough {
  unsubscribed = false;

  constructor(readonly from: Position) {
    super({ objectMode: true });
  }

  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
  }

  push$(...numbers: number[]): void {
    for (const n of numbers) this.write(resolved(n));
  }
}

const positionOf = (n: number): Position => encodePosition({ commit: BigInt(n * 100), prepare: BigInt(n * 100) });

const resolved = (n: number, type = 'N'): AllStreamResolvedEvent =>
  ({
    event: {
      streamId: 'cat-1',
      id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
      isJson: true,
      revision: BigInt(n),
      type,
      created: new Date(0),
      data: { n },
      metadata: {},
      position: { commit: BigInt(n * 100), prepare: BigInt(n * 100) },
    },
  }) as AllStreamResolvedEvent;

const select = (event: AllStreamRecordedEvent): RecordedEvent | undefined =>
  event.type === 'Skipped'
    ? undefined
    : {
        eventId: event.id,
        type: event.type,
        data: event.data as JsonObject,
        metadata: {},
        streamId: event.streamId,
        revision: event.revision,
        position: encodePosition(event.position),
        createdAt: event.created,
      };

const numbers = (batch: readonly RecordedEvent[]): number[] => batch.map((event) => (event.data as { n: number }).n);

const until = async (condition: () => boolean, timeoutMs = 2_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

/** A handler whose calls stay open until released, to look at the subscription mid-batch. */
const gate = () => {
  let release!: () => void;
  let opened = new Promise<void>((resolve) => (release = resolve));
  return {
    wait: () => opened,
    release: () => {
      release();
      opened = new Promise<void>((resolve) => (release = resolve));
    },
  };
};

const start = (
  handler: (batch: readonly RecordedEvent[]) => Promise<void>,
  options: { after?: Position; maxBatchSize?: number } = {},
) => {
  const feeds: FakeFeed[] = [];
  const subscription = new CatchUpSubscription({
    after: options.after ?? 0n,
    maxBatchSize: options.maxBatchSize ?? 100,
    open: (from) => {
      const feed = new FakeFeed(from);
      feeds.push(feed);
      return feed;
    },
    select,
    handler,
    retryDelayMs: { initial: 1, max: 4 },
  });
  return { feeds, subscription };
};

describe('CatchUpSubscription (EventStoreDB delivery)', () => {
  it('hands over what accumulated in order, in batches of at most maxBatchSize, one call at a time', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let overlapped = false;
    const { feeds, subscription } = start(
      async (batch) => {
        overlapped ||= inFlight > 0;
        inFlight += 1;
        batches.push(numbers(batch));
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
      },
      { maxBatchSize: 3 },
    );
    feeds[0]!.push$(1, 2, 3, 4, 5, 6, 7, 8);
    await until(() => batches.flat().length === 8);
    feeds[0]!.push$(9, 10);
    await until(() => batches.flat().length === 10);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
      [9, 10],
    ]);
    expect(overlapped).toBe(false);
    await subscription.stop();
  });

  it('pauses the feed while the handler runs and resumes it afterwards', async () => {
    const handler = gate();
    const pausedDuringHandler: boolean[] = [];
    const { feeds, subscription } = start(async () => {
      pausedDuringHandler.push(feeds[0]!.isPaused());
      await handler.wait();
    });
    feeds[0]!.push$(1);
    await until(() => pausedDuringHandler.length === 1);
    handler.release();
    await until(() => !feeds[0]!.isPaused());
    expect(pausedDuringHandler).toEqual([true]);
    await subscription.stop();
  });

  it('skips events at or before `after` and events the selection drops', async () => {
    const seen: number[] = [];
    const { feeds, subscription } = start(async (batch) => void seen.push(...numbers(batch)), { after: positionOf(3) });
    expect(feeds[0]!.from).toBe(positionOf(3));
    feeds[0]!.push$(3);
    feeds[0]!.write(resolved(4, 'Skipped'));
    feeds[0]!.push$(5, 6);
    await until(() => seen.length === 2);
    expect(seen).toEqual([5, 6]);
    await subscription.stop();
  });

  it('reopens a dropped feed at the last delivered position, without repeats or gaps', async () => {
    const handler = gate();
    const seen: number[] = [];
    const { feeds, subscription } = start(async (batch) => {
      seen.push(...numbers(batch));
      await handler.wait();
    });
    feeds[0]!.push$(1, 2);
    await until(() => seen.length === 2);
    // Buffered behind the paused feed, then lost with it: the next feed has to read them again.
    feeds[0]!.push$(3, 4);
    feeds[0]!.emit('error', Object.assign(new Error('UNAVAILABLE'), { code: 14 }));
    expect(feeds[0]!.unsubscribed).toBe(true);
    expect(feeds).toHaveLength(1);
    handler.release();
    await until(() => feeds.length === 2);
    expect(feeds[1]!.from).toBe(positionOf(2));
    feeds[1]!.push$(2, 3, 4);
    await until(() => seen.length === 4);
    handler.release();
    feeds[1]!.end();
    await until(() => feeds.length === 3);
    expect(feeds[2]!.from).toBe(positionOf(4));
    feeds[2]!.push$(4, 5);
    await until(() => seen.length === 5);
    handler.release();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    await subscription.stop();
  });

  it('keeps retrying while the server stays away', async () => {
    const { feeds, subscription } = start(async () => undefined);
    for (let attempt = 0; attempt < 5; attempt++) {
      await until(() => feeds.length === attempt + 1);
      feeds[attempt]!.emit('error', new Error('UNAVAILABLE'));
    }
    await until(() => feeds.length === 6);
    expect(feeds.every((feed) => feed.from === 0n)).toBe(true);
    await subscription.stop();
    expect(feeds[5]!.unsubscribed).toBe(true);
  });

  it('ends with the handler error and stops reading', async () => {
    const calls: number[][] = [];
    const { feeds, subscription } = start(async (batch) => {
      calls.push(numbers(batch));
      throw new Error('projection bug');
    });
    feeds[0]!.push$(1);
    await expect(subscription.done).rejects.toThrow('projection bug');
    expect(feeds[0]!.unsubscribed).toBe(true);
    await expect(subscription.stop()).resolves.toBeUndefined();
    expect(calls).toEqual([[1]]);
  });

  it('stop() lets the batch in flight finish, delivers nothing more and resolves done', async () => {
    const handler = gate();
    const seen: number[] = [];
    const { feeds, subscription } = start(async (batch) => {
      seen.push(...numbers(batch));
      await handler.wait();
    });
    feeds[0]!.push$(1);
    await until(() => seen.length === 1);
    feeds[0]!.push$(2);
    let stopped = false;
    const stopping = subscription.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stopped).toBe(false);
    handler.release();
    await stopping;
    await expect(subscription.done).resolves.toBeUndefined();
    expect(seen).toEqual([1]);
    expect(feeds[0]!.unsubscribed).toBe(true);
    expect(feeds).toHaveLength(1);
  });
});
