import { createHash } from 'node:crypto';
import { Client, type Pool } from 'pg';

/** A stable int8 lock key per projection name, in a namespace no other component uses. */
export const lockKeyOf = (name: string): string =>
  BigInt.asIntN(
    64,
    BigInt(`0x${createHash('sha256').update(`projection:${name}`).digest('hex').slice(0, 16)}`),
  ).toString();

/**
 * A session-level advisory lock on a connection of its own: PostgreSQL releases it when that
 * connection ends, so a projector that dies (even by SIGKILL) frees its projections for a standby.
 */
export class AdvisoryLock {
  private lostFlag = false;
  private readonly lostSignal: Promise<void>;

  private constructor(
    private readonly client: Client,
    private readonly key: string,
  ) {
    this.lostSignal = new Promise((resolve) => {
      const lose = (): void => {
        this.lostFlag = true;
        resolve();
      };
      client.on('error', lose);
      client.on('end', lose);
    });
  }

  /**
   * Connects once and polls pg_try_advisory_lock until it is granted, or until `stopped()` says to
   * give up (then undefined). Connection failures reject; the caller backs off and calls again.
   */
  static async acquire(
    pool: Pool,
    name: string,
    pollMs: number,
    stopped: () => boolean,
    pause: (ms: number) => Promise<void>,
  ): Promise<AdvisoryLock | undefined> {
    const client = new Client({ ...pool.options, keepAlive: true });
    // Registered before connect: an error on the idle connection must not become an uncaught exception.
    client.on('error', () => undefined);
    const key = lockKeyOf(name);
    try {
      await client.connect();
      while (!stopped()) {
        const { rows } = await client.query<{ acquired: boolean }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS acquired',
          [key],
        );
        if (rows[0]?.acquired) return new AdvisoryLock(client, key);
        await pause(pollMs);
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    await client.end().catch(() => undefined);
    return undefined;
  }

  get lost(): boolean {
    return this.lostFlag;
  }

  /** Settles when the lock's connection fails: from then on another process may hold the lock. */
  whenLost(): Promise<void> {
    return this.lostSignal;
  }

  async release(): Promise<void> {
    if (!this.lostFlag) {
      await this.client.query('SELECT pg_advisory_unlock($1::bigint)', [this.key]).catch(() => undefined);
    }
    await this.client.end().catch(() => undefined);
  }
}
