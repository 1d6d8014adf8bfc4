import type { Pool } from 'pg';
import type { DomainEventType } from '#domain';
import {
  connectGuarded,
  EventStoreUnavailable,
  isConnectionError,
  type EventStore,
  type Position,
  type RecordedEvent,
  type Subscription,
} from '#event-store';
import { AdvisoryLock } from './advisory-lock';
import { CHECKPOINT_CHANNEL, ensureCheckpoint } from './checkpoints';
import { appliedPrefix, silentLogger, type BatchApplier, type Projection, type ProjectorLogger } from './projection';
import { migrateProjections, rebuild } from './rebuild';
import { upsertCtes } from './rows';

export interface ProjectionRunnerOptions {
  readonly pool: Pool;
  readonly store: EventStore;
  readonly projection: Projection;
  /** Upper bound of events per transaction; under load the subscription fills it, when idle a batch is one event. */
  readonly maxBatchSize?: number;
  /** How often a standby asks for the lock. */
  readonly lockPollMs?: number;
  /** The longest pause before resuming after a failure; pauses start short and double up to it. */
  readonly retryDelayMs?: number;
  readonly logger?: ProjectorLogger;
}

export type RunnerState = 'stopped' | 'standby' | 'active';

export interface RunnerStatus {
  readonly name: string;
  readonly state: RunnerState;
  /** The checkpoint this runner last committed or read; undefined before it first held the lock. */
  readonly position: Position | undefined;
  /** When the store committed the last event this runner applied. */
  readonly lastEventAt: Date | undefined;
  readonly eventsApplied: number;
  readonly batchesApplied: number;
}

/** The checkpoint moved under us: another holder (a zombie's successor, a rebuild) owns the position now. */
class Fenced extends Error {
  constructor(name: string, expected: Position) {
    super(`checkpoint of ${name} is no longer at ${expected.toString()}`);
    this.name = 'Fenced';
  }
}

class LockLost extends Error {
  constructor(name: string) {
    super(`the advisory lock of ${name} was lost with its connection`);
    this.name = 'LockLost';
  }
}

/**
 * Runs one projection: waits for its advisory lock (one active runner per projection across all
 * replicas), subscribes after its checkpoint, and applies every batch and the new checkpoint in
 * one transaction. The checkpoint only moves from the position the batch started at, so a holder
 * that lost its lock without noticing (a zombie) finds it moved and rolls its whole batch back: a
 * batch can never be applied twice, nor skipped.
 */
export class ProjectionRunner {
  private readonly maxBatchSize: number;
  private readonly lockPollMs: number;
  private readonly retryDelayMs: number;
  private readonly logger: ProjectorLogger;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private stopSignal: Promise<void> = Promise.resolve();
  private signalStop: () => void = () => undefined;
  private readonly sleepers = new Set<() => void>();
  private current: RunnerStatus;
  private failures = 0;

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.maxBatchSize = options.maxBatchSize ?? 500;
    // A standby takes over within one poll of its holder's death (PostgreSQL drops a dead client's
    // session, and its locks, as soon as the socket closes); a poll is one cheap round trip.
    this.lockPollMs = options.lockPollMs ?? 250;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.logger = options.logger ?? silentLogger;
    this.current = {
      name: options.projection.name,
      state: 'stopped',
      position: undefined,
      lastEventAt: undefined,
      eventsApplied: 0,
      batchesApplied: 0,
    };
  }

  get name(): string {
    return this.options.projection.name;
  }

  status(): RunnerStatus {
    return this.current;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.stopSignal = new Promise((resolve) => {
      this.signalStop = resolve;
    });
    this.current = { ...this.current, state: 'standby' };
    this.loop = this.run().finally(() => {
      this.current = { ...this.current, state: 'stopped' };
      this.loop = undefined;
    });
  }

  /** Finishes the batch in flight, releases the lock and resolves once nothing runs any more. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStop();
    for (const wake of this.sleepers) wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { pool, projection } = this.options;
    while (!this.stopping) {
      let lock: AdvisoryLock | undefined;
      try {
        lock = await AdvisoryLock.acquire(
          pool,
          projection.name,
          this.lockPollMs,
          () => this.stopping,
          (ms) => this.sleep(ms),
        );
      } catch (error) {
        const delay = this.nextRetryDelay();
        this.logger.warn(
          `${projection.name}: cannot ask for the lock (${(error as Error).message}); retrying in ${delay} ms`,
        );
        await this.sleep(delay);
        continue;
      }
      if (lock === undefined) return;
      try {
        await this.runWhileLocked(lock);
      } finally {
        await lock.release();
        this.current = { ...this.current, state: 'standby' };
      }
    }
  }

  private async runWhileLocked(lock: AdvisoryLock): Promise<void> {
    const { pool, store, projection } = this.options;
    this.current = { ...this.current, state: 'active' };
    while (!this.stopping && !lock.lost) {
      let subscription: Subscription | undefined;
      try {
        await migrateProjections(pool, [projection]);
        const checkpoint = await ensureCheckpoint(pool, projection.name, projection.version);
        if (checkpoint.version !== projection.version) {
          this.logger.log(
            `${projection.name}: checkpoint is of version ${checkpoint.version}, rebuilding as version ${projection.version}`,
          );
          await rebuild({ pool, store, projections: [projection] });
          continue;
        }
        this.failures = 0;
        let position = checkpoint.position;
        const apply = projection.applier();
        this.current = { ...this.current, position };
        this.logger.log(`${projection.name}: running after position ${position.toString()}`);
        subscription = store.subscribeToAll({ after: position, maxBatchSize: this.maxBatchSize }, async (events) => {
          // An applier may take a batch in parts, each committed before the next reads.
          for (let rest = events; rest.length > 0;) {
            if (lock.lost) throw new LockLost(projection.name);
            const through = await this.applyBatch(apply, position, rest);
            position = rest[through - 1]!.position;
            rest = rest.slice(through);
          }
        });
        const ended = await Promise.race([
          subscription.done.then(
            () => undefined,
            (error: unknown) => error,
          ),
          lock.whenLost().then(() => new LockLost(projection.name)),
          this.stopSignal,
        ]);
        await subscription.stop();
        if (ended instanceof Fenced) {
          this.logger.warn(`${projection.name}: ${ended.message}; re-reading the checkpoint`);
        } else if (ended instanceof LockLost) {
          this.logger.warn(`${projection.name}: ${ended.message}; queueing for the lock again`);
        } else if (ended !== undefined) {
          throw ended;
        }
      } catch (error) {
        await subscription?.stop();
        const delay = this.nextRetryDelay();
        const message = `${projection.name}: batch failed (${(error as Error)?.message ?? String(error)}); retrying from the checkpoint in ${delay} ms`;
        // Losing the database is an outage to wait out, not a bug: no stack.
        if (error instanceof EventStoreUnavailable || isConnectionError(error)) this.logger.warn(message);
        else this.logger.error(message, (error as Error)?.stack);
        await this.sleep(delay);
      }
    }
  }

  /** Applies the batch, or the part of it the applier took, with the checkpoint; returns how many events. */
  private async applyBatch(apply: BatchApplier, from: Position, events: readonly RecordedEvent[]): Promise<number> {
    const { pool, projection } = this.options;
    let last: RecordedEvent;
    let through: number;
    // A batch of events the projection ignores only moves its checkpoint.
    const handled = events.some((event) => projection.events[event.type as DomainEventType] === 'handles');
    const inTransaction = handled && projection.writesThroughClient === true;
    const client = await connectGuarded(pool);
    let broken: Error | undefined;
    try {
      if (inTransaction) await client.query('BEGIN; SET LOCAL synchronous_commit TO off');
      const applied = appliedPrefix(handled ? await apply(client, events) : [], events.length);
      const writes = applied.writes;
      through = applied.through;
      last = events[through - 1]!;
      // The rows and the checkpoint in one statement, written last: a transaction that has written
      // holds back the event store's read horizon (pg_snapshot_xmin) until it commits, and without
      // writes through the client the statement is the whole transaction (one round trip). The rows
      // are written only if the checkpoint moved from where the batch began (the fence), and the
      // NOTIFY is sent on commit. Read models are derived and commit with their checkpoint: a commit
      // lost in a server crash rolls both back and the runner applies the batch again, so the commit
      // need not wait for the WAL flush, which would add a disk sync to every event's lag.
      const { ctes, params } = upsertCtes(writes, 6, 'moved');
      const moved = await client.query(
        `WITH moved AS (
           UPDATE projection_checkpoints SET position = $3::numeric, last_event_at = $4, updated_at = now()
           WHERE name = $1 AND position = $2::numeric RETURNING name)
         ${ctes.map((cte) => `, ${cte}`).join('\n')}
         SELECT pg_notify($5, $1 || ' ' || $3), set_config('synchronous_commit', 'off', true) FROM moved`,
        [projection.name, from.toString(), last.position.toString(), last.createdAt, CHECKPOINT_CHANNEL, ...params],
      );
      if (moved.rowCount !== 1) throw new Fenced(projection.name, from);
      if (inTransaction) await client.query('COMMIT');
    } catch (error) {
      if (inTransaction) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
      } else if (isConnectionError(error)) {
        broken = error as Error;
      }
      throw error;
    } finally {
      client.release(broken);
    }
    this.failures = 0;
    this.current = {
      ...this.current,
      position: last.position,
      lastEventAt: last.createdAt,
      eventsApplied: this.current.eventsApplied + through,
      batchesApplied: this.current.batchesApplied + 1,
    };
    return through;
  }

  /** 100 ms, doubling per consecutive failure up to retryDelayMs: a short outage costs little, a long one little load. */
  private nextRetryDelay(): number {
    this.failures++;
    return Math.min(this.retryDelayMs, 100 * 2 ** Math.min(this.failures - 1, 10));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopping) return resolve();
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
