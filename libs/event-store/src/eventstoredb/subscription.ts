import type { AllStreamRecordedEvent, AllStreamResolvedEvent } from '@eventstore/db-client';
import type { BatchHandler, Position, RecordedEvent, Subscription } from '../event-store';
import { encodePosition } from './position';

/** The part of the client's $all subscription stream that delivery relies on. */
export interface LogFeed {
  on(event: 'data', listener: (resolved: AllStreamResolvedEvent) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: 'data', listener: () => void): this;
  pause(): this;
  resume(): this;
  unsubscribe(): Promise<void>;
}

export interface CatchUpSubscriptionOptions {
  readonly after: Position;
  readonly maxBatchSize: number;
  /** Opens a server subscription to $all at `from`; its first event may be the one at `from`. */
  readonly open: (from: Position) => LogFeed;
  /** The port's view of an event, or undefined for one the subscriber does not want. */
  readonly select: (event: AllStreamRecordedEvent) => RecordedEvent | undefined;
  readonly handler: BatchHandler;
  readonly retryDelayMs: { readonly initial: number; readonly max: number };
  /** Errors that a reconnect would only meet again (access denied, say); by default none. */
  readonly isPermanent?: (error: Error) => boolean;
  /** Called once per outage: the first drop after the feed last delivered. */
  readonly onOutage?: (error: Error) => void;
  /** Called when a reopened feed delivers again after an outage. */
  readonly onResumed?: () => void;
  /** Called once when a permanent error stops the subscription. */
  readonly onPermanentFailure?: (error: Error) => void;
}

/**
 * Delivers a server-pushed $all subscription in batches. Events accumulate while the feed flows;
 * a delivery pauses the feed (so a slow handler holds the server back through gRPC flow control
 * instead of filling memory), hands over what accumulated in batches of at most maxBatchSize, and
 * resumes. A dropped feed is reopened at the last delivered position with a capped back-off, for
 * as long as the subscription runs; events at or before that position are skipped, so none is
 * delivered twice. An outage is reported once when it starts and once when events flow again. A
 * permanent error (isPermanent) is reported once and parks the subscription without retrying: it
 * delivers nothing more and `done` resolves when stop() is called, so a caller that restarts
 * failed subscriptions does not turn it into a retry loop either.
 */
export class CatchUpSubscription implements Subscription {
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };
  private feed: LogFeed | undefined;
  /** Last position handed to the handler: where a reopened feed resumes. */
  private delivered: Position;
  /** Last position taken from the current feed: anything at or before it is a repeat. */
  private received: Position;
  private pending: RecordedEvent[] = [];
  private delivering = false;
  private stopping = false;
  private ended = false;
  private retryDelayMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private inOutage = false;
  private parked = false;

  constructor(private readonly options: CatchUpSubscriptionOptions) {
    this.delivered = options.after;
    this.received = options.after;
    this.retryDelayMs = options.retryDelayMs.initial;
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // The caller observes failures through `done`; this keeps an unobserved one from crashing the process.
    this.done.catch(() => undefined);
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.delivering) this.finish();
    await this.done.catch(() => undefined);
  }

  private connect(): void {
    this.retryTimer = undefined;
    this.received = this.delivered;
    let feed: LogFeed;
    try {
      feed = this.options.open(this.delivered);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.feed = feed;
    feed.on('data', (resolved) => this.receive(feed, resolved));
    // The listener stays after the feed is dropped: an 'error' nobody listens to crashes the process.
    feed.on('error', (error: Error) => this.drop(feed, error));
    feed.on('end', () => this.drop(feed, new Error('the server ended the subscription')));
  }

  private receive(feed: LogFeed, resolved: AllStreamResolvedEvent): void {
    if (feed !== this.feed || resolved.event === undefined) return;
    try {
      const position = encodePosition(resolved.event.position);
      if (position <= this.received) return;
      this.received = position;
      this.retryDelayMs = this.options.retryDelayMs.initial;
      if (this.inOutage) {
        this.inOutage = false;
        this.options.onResumed?.();
      }
      const event = this.options.select(resolved.event);
      if (event === undefined) return;
      this.pending.push(event);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.delivering) return;
    this.delivering = true;
    // Deferred so that whatever the feed has already buffered arrives first and goes out in the same batch.
    setImmediate(() => {
      this.deliver().catch((error: unknown) => this.fail(error));
    });
  }

  private async deliver(): Promise<void> {
    this.feed?.pause();
    while (this.pending.length > 0 && !this.stopping) {
      const batch = this.pending.splice(0, this.options.maxBatchSize);
      try {
        await this.options.handler(batch);
      } catch (error) {
        this.fail(error);
        return;
      }
      this.delivered = batch[batch.length - 1]!.position;
    }
    this.delivering = false;
    if (this.stopping) this.finish();
    else if (this.feed) this.feed.resume();
    else this.reconnectLater();
  }

  /** Forgets what the feed buffered; the reopened feed reads it again from the delivered position. */
  private drop(feed: LogFeed, error: Error): void {
    if (feed !== this.feed) return;
    this.closeFeed();
    if (this.options.isPermanent?.(error)) {
      this.parked = true;
      this.options.onPermanentFailure?.(error);
      return;
    }
    if (!this.inOutage) {
      this.inOutage = true;
      this.options.onOutage?.(error);
    }
    if (!this.delivering) this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.stopping || this.parked) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, this.options.retryDelayMs.max);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private closeFeed(): void {
    const feed = this.feed;
    this.feed = undefined;
    this.pending = [];
    if (feed === undefined) return;
    // Not destroyed: see release() in eventstoredb-event-store.ts; the feed is cancelled and left to flow out.
    feed.on('data', () => undefined);
    feed.resume();
    feed.unsubscribe().catch(() => undefined);
  }

  private end(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.closeFeed();
    return true;
  }

  private finish(): void {
    if (this.end()) this.settle.resolve();
  }

  private fail(error: unknown): void {
    if (this.end()) this.settle.reject(error);
  }
}
