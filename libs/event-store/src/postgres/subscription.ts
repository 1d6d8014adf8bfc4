import type { BatchHandler, Position, RecordedEvent, Subscription } from '../event-store';
import type { WakeChannel } from './wake-channel';

export interface LogPage {
  readonly events: RecordedEvent[];
  /** The last event any reader can see now, from the same snapshot as `events`. */
  readonly head: Position;
  /** Committed events wait behind a transaction that is still running. */
  readonly heldBack: boolean;
  /** The page stopped at its limit: more events follow `events` now, read on at once. */
  readonly more: boolean;
}

export interface PollingSubscriptionOptions {
  readonly after: Position;
  readonly maxBatchSize: number;
  readonly idlePollMs: number;
  /**
   * Shortest time between the starts of two reads once caught up. Under load the log grows between
   * reads, so each read and handler call takes many events instead of one; idle, the first event
   * after a pause is read at once.
   */
  readonly minReadIntervalMs: number;
  /** `seenGeneration`: the wake generation seen before this read, for reads shared with other subscribers. */
  readonly readPage: (from: Position, limit: number, seenGeneration: number) => Promise<LogPage>;
  readonly wake: WakeChannel;
  readonly handler: BatchHandler;
}

class HandlerFailed extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Catch-up subscription: reads pages after its cursor, hands each to the handler, and when caught up
 * sleeps until woken (append here, NOTIFY from elsewhere) or the idle poll. Read failures (a dropped
 * connection, a restarting server) are retried from the same cursor with a capped back-off, so no
 * event is skipped or delivered twice.
 */
export class PollingSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopped = false;

  constructor(private readonly options: PollingSubscriptionOptions) {
    this.done = this.run().catch((error: unknown) => {
      throw error instanceof HandlerFailed ? error.cause : error;
    });
    // The caller observes failures through `done`; this keeps an unobserved one from crashing the process.
    this.done.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.wake.wakeLocal();
    await this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { maxBatchSize, idlePollMs, minReadIntervalMs, readPage, wake, handler } = this.options;
    let cursor = this.options.after;
    let retryDelayMs = 50;
    let heldBackDelayMs = 1;
    let readStartedAt: number;
    while (!this.stopped) {
      const generation = wake.generation;
      readStartedAt = performance.now();
      let page: LogPage;
      try {
        page = await readPage(cursor, maxBatchSize, generation);
        retryDelayMs = 50;
      } catch {
        await sleep(retryDelayMs);
        // Capped low: once the database is back, reading resumes within a second.
        retryDelayMs = Math.min(retryDelayMs * 2, 1_000);
        continue;
      }
      if (page.events.length > 0) {
        if (this.stopped) return;
        try {
          await handler(page.events);
        } catch (error) {
          throw new HandlerFailed('subscription handler failed', { cause: error });
        }
        cursor = page.events[page.events.length - 1]!.position;
      }
      if (page.more) continue;
      // Caught up: everything up to the head has been seen (a filter may have skipped some of it).
      if (page.head > cursor) cursor = page.head;
      if (page.heldBack) {
        // A transaction that will not notify (or has not yet) holds the horizon back: look again soon.
        await sleep(heldBackDelayMs);
        heldBackDelayMs = Math.min(heldBackDelayMs * 2, 100);
        continue;
      }
      heldBackDelayMs = 1;
      await wake.wait(generation, idlePollMs);
      const sinceRead = performance.now() - readStartedAt;
      if (sinceRead < minReadIntervalMs && !this.stopped) await sleep(minReadIntervalMs - sinceRead);
    }
  }
}
