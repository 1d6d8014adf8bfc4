import { Client, type Pool } from 'pg';
import { START, type Position } from '#event-store';
import { CHECKPOINT_CHANNEL, readCheckpoint } from './checkpoints';

interface Waiter {
  readonly name: string;
  readonly min: Position;
  readonly resolve: (position: Position) => void;
}

/**
 * Lets a query wait until a projection has reached a position (read-your-writes): runners NOTIFY
 * after every commit, one LISTEN connection per process hears it. The waiter is registered before
 * the checkpoint is read, so a commit between the two cannot be missed; a re-read every
 * `recheckMs` covers notifications lost while the listener reconnects.
 */
export class CheckpointWatcher {
  private readonly waiters = new Set<Waiter>();
  /** The highest position heard per projection since the listener last connected. */
  private readonly heard = new Map<string, Position>();
  /** How many announcements were heard per projection (a rebuild announces a swap even at the same position). */
  private readonly heardCount = new Map<string, number>();
  private following = false;
  /** Counts the listener's connections: what was heard before one says nothing about after. */
  private epoch = 0;
  private listener: Client | undefined;
  private listening: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly recheckMs = 500,
  ) {}

  /** The projection's committed position now. */
  position(name: string): Promise<Position> {
    return readCheckpoint(this.pool, name);
  }

  /** The checkpoint once it is at or past `min`, or undefined after `timeoutMs`. */
  async waitFor(name: string, min: Position, timeoutMs: number): Promise<Position | undefined> {
    const deadline = Date.now() + timeoutMs;
    await this.listen().catch(() => undefined);
    let reached: ((position: Position) => void) | undefined;
    const notified = new Promise<Position>((resolve) => {
      reached = resolve;
    });
    const waiter: Waiter = { name, min, resolve: reached! };
    this.waiters.add(waiter);
    try {
      for (;;) {
        const position = await this.position(name);
        if (position >= min) return position;
        const left = deadline - Date.now();
        if (left <= 0 || this.closed) return undefined;
        let timer: NodeJS.Timeout | undefined;
        const recheck = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), Math.min(left, this.recheckMs));
        });
        const heard = await Promise.race([notified, recheck]);
        clearTimeout(timer);
        if (heard !== undefined) return heard;
      }
    } finally {
      this.waiters.delete(waiter);
    }
  }

  /**
   * The highest checkpoint of `name` announced since the listener connected, or undefined while it
   * is not connected (announcements may then be missed): what an in-memory copy of a read model
   * must have caught up with to be as fresh as a query, in a copy refreshed during the same `epoch`
   * of the listener. Starts the listener when it is not running.
   */
  announced(name: string): { readonly position: Position; readonly count: number; readonly epoch: number } | undefined {
    if (!this.following) {
      void this.listen().catch(() => undefined);
      return undefined;
    }
    return { position: this.heard.get(name) ?? START, count: this.heardCount.get(name) ?? 0, epoch: this.epoch };
  }

  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private listen(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.listening ??= this.connect().catch((error: unknown) => {
      this.listening = undefined;
      throw error;
    });
    return this.listening;
  }

  private async connect(): Promise<void> {
    const client = new Client(this.pool.options);
    const drop = (): void => {
      if (this.listener !== client) return;
      this.following = false;
      this.heard.clear();
      this.heardCount.clear();
      this.listener = undefined;
      this.listening = undefined;
      void client.end().catch(() => undefined);
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', (message) => {
      const [name, text] = (message.payload ?? '').split(' ');
      if (name === undefined || text === undefined || !/^[0-9]+$/.test(text)) return;
      const position = BigInt(text);
      if (position > (this.heard.get(name) ?? START)) this.heard.set(name, position);
      this.heardCount.set(name, (this.heardCount.get(name) ?? 0) + 1);
      for (const waiter of this.waiters) {
        if (waiter.name === name && position >= waiter.min) waiter.resolve(position);
      }
    });
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHECKPOINT_CHANNEL}`);
      if (this.listener === client) {
        this.epoch++;
        this.following = true;
      }
    } catch (error) {
      drop();
      throw error;
    }
  }
}
