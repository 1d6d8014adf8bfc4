import type { Client } from 'pg';

/**
 * Tells waiting subscribers that the log may have grown: at once for appends made by this process,
 * through LISTEN/NOTIFY for appends made by others. A generation counter closes the race between a
 * subscriber's last read and its wait: a wake in between makes the wait return immediately.
 */
export class WakeChannel {
  private generationCount = 0;
  private readonly waiters = new Set<() => void>();
  private listener: Client | undefined;
  private listening = false;
  private closed = false;
  private reconnectDelayMs = 100;

  constructor(
    private readonly connect: () => Client,
    private readonly channel: string,
  ) {}

  get generation(): number {
    return this.generationCount;
  }

  wakeLocal(): void {
    this.generationCount++;
    for (const resolve of this.waiters) resolve();
    this.waiters.clear();
  }

  /** Resolves on the next wake after `seenGeneration`, or after `timeoutMs`. */
  wait(seenGeneration: number, timeoutMs: number): Promise<void> {
    this.ensureListening();
    if (this.generationCount !== seenGeneration) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeLocal();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private ensureListening(): void {
    if (this.listening || this.closed) return;
    this.listening = true;
    void this.listen();
  }

  private async listen(): Promise<void> {
    const client = this.connect();
    const retry = (): void => {
      if (this.listener !== client) return;
      this.listener = undefined;
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.wakeLocal());
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.reconnectDelayMs = 100;
      // Appends may have happened while no one was listening.
      this.wakeLocal();
    } catch {
      retry();
    }
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(delay * 2, 1_000);
    setTimeout(() => {
      if (!this.closed) void this.listen();
    }, delay).unref();
  }
}
