import type { Pool } from 'pg';
import type { Migration } from '#event-store';
import { interestOf, projected } from '../engine/domain-events';
import { lockKeyOf } from '../engine/advisory-lock';
import { migrateProjections } from '../engine/rebuild';
import { silentLogger, type BatchApplier, type Projection, type ProjectorLogger } from '../engine/projection';
import type { ReactionContext, ReactionOutcome } from '../cascade/cascade.reactor';
import {
  commandOf,
  deadlineChangeOf,
  deadlineCommandId,
  dueAt,
  reasonOf,
  SCHEDULER_HANDLED,
  SCHEDULER_IGNORED,
  type DeadlineKind,
  type ScheduledCommand,
} from './scheduler';

export const SCHEDULER = 'scheduler';

/*
 * scheduled_deadlines holds one row per contract, category approval and campaign: its date, when it
 * is due, whether it may fire now (armed), and what firing it returned. The runner keeps it current
 * with the log; ticks read the armed, due rows without an outcome, so a deadline that passed while
 * no scheduler ran fires at the next tick, and one that fired is not fired again.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'scheduled deadlines',
    sql: `
      CREATE TABLE scheduled_deadlines (
        kind text NOT NULL,
        subject_id text NOT NULL,
        ends text NOT NULL,
        due_at timestamptz NOT NULL,
        armed boolean NOT NULL,
        cause_event_id text NOT NULL,
        correlation_id text NOT NULL,
        command_id text,
        outcome text,
        code text,
        fired_at timestamptz,
        PRIMARY KEY (kind, subject_id)
      );
      CREATE INDEX ON scheduled_deadlines (due_at) WHERE armed AND outcome IS NULL;
    `,
  },
];

/**
 * Per event, one statement: the deadline's date and arming follow the subject's lifecycle; a new
 * date clears the outcome, because it is a new deadline. Ticks write outcomes to the same rows,
 * which is safe because a row's outcome only matters while its date and arming stay as they were.
 */
const applier = (): BatchApplier => async (client, recorded) => {
  for (const event of recorded) {
    const change = deadlineChangeOf(projected(event));
    if (change === undefined) continue;
    const due = change.ends === undefined ? null : dueAt({ kind: change.kind, ends: change.ends });
    const correlationId =
      typeof event.metadata.correlationId === 'string' ? event.metadata.correlationId : event.eventId;
    await client.query(
      `INSERT INTO scheduled_deadlines (kind, subject_id, ends, due_at, armed, cause_event_id, correlation_id)
       VALUES ($1, $2, coalesce($3, ''), coalesce($4, 'infinity'::timestamptz), coalesce($5, false), $6, $7)
       ON CONFLICT (kind, subject_id) DO UPDATE SET
         ends = coalesce($3, scheduled_deadlines.ends),
         due_at = coalesce($4, scheduled_deadlines.due_at),
         armed = coalesce($5, scheduled_deadlines.armed),
         cause_event_id = $6, correlation_id = $7,
         outcome = CASE WHEN $3 IS NOT NULL AND $3 <> scheduled_deadlines.ends THEN NULL ELSE scheduled_deadlines.outcome END,
         code = CASE WHEN $3 IS NOT NULL AND $3 <> scheduled_deadlines.ends THEN NULL ELSE scheduled_deadlines.code END`,
      [change.kind, change.subjectId, change.ends ?? null, due, change.armed ?? null, event.eventId, correlationId],
    );
  }
  return [];
};

export const schedulerProjection: Projection = {
  name: SCHEDULER,
  version: 1,
  component: 'process:scheduler',
  migrations: MIGRATIONS,
  events: interestOf(SCHEDULER_HANDLED, SCHEDULER_IGNORED),
  tables: [{ name: 'scheduled_deadlines', key: ['kind', 'subject_id'] }],
  writesThroughClient: true,
  applier,
};

/** Issues a scheduled command through the application's command handlers, as system:scheduler. */
export type ScheduledDispatcher = (
  command: ScheduledCommand,
  context: ReactionContext & { readonly reason: string },
) => Promise<ReactionOutcome>;

export interface SchedulerOptions {
  readonly pool: Pool;
  readonly dispatch: ScheduledDispatcher;
  /** The time ticks compare deadlines with; tests inject theirs. */
  readonly clock?: () => Date;
  /** How often the loop ticks (default 30 s). */
  readonly intervalMs?: number;
  /** Deadlines fired per tick at most (default 200); the rest wait for the next. */
  readonly batchSize?: number;
  readonly logger?: ProjectorLogger;
}

export interface Fired {
  readonly kind: DeadlineKind;
  readonly subjectId: string;
  readonly commandId: string;
  readonly outcome: ReactionOutcome['outcome'];
  readonly code: string | null;
  readonly reason: string;
}

const TICK_LOCK = lockKeyOf('scheduler_tick');

/**
 * Fires due deadlines. A tick runs in one transaction holding an advisory lock, so across replicas
 * one tick at a time fires anything (the others skip), and it fires each deadline under an id
 * derived from it: were a tick to repeat one (a crash before its commit), the command executor
 * answers the retry without recording twice. The deciders check the date again with their own
 * clock, so a scheduler whose clock runs early is refused, not obeyed.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly clock: () => Date;
  private readonly logger: ProjectorLogger;
  private migrated = false;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.logger = options.logger ?? silentLogger;
  }

  async tick(now: Date = this.clock()): Promise<Fired[]> {
    if (!this.migrated) {
      // Its runner may not have run yet on this database.
      await migrateProjections(this.options.pool, [schedulerProjection]);
      this.migrated = true;
    }
    const client = await this.options.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const { rows: locked } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_xact_lock($1::bigint) AS locked',
        [TICK_LOCK],
      );
      if (!locked[0]!.locked) {
        await client.query('ROLLBACK');
        return [];
      }
      const { rows } = await client.query<{
        kind: DeadlineKind;
        subject_id: string;
        ends: string;
        cause_event_id: string;
        correlation_id: string;
      }>(
        `SELECT kind, subject_id, ends, cause_event_id, correlation_id FROM scheduled_deadlines
         WHERE armed AND outcome IS NULL AND due_at <= $1 ORDER BY due_at, kind, subject_id LIMIT $2`,
        [now, this.options.batchSize ?? 200],
      );
      const fired: Fired[] = [];
      for (const row of rows) {
        const commandId = deadlineCommandId(row);
        const reason = reasonOf(row);
        const result = await this.options.dispatch(commandOf(row), {
          commandId,
          causationId: row.cause_event_id,
          correlationId: row.correlation_id,
          traceparent: undefined,
          reason,
        });
        if (result.outcome === 'refused') {
          this.logger.warn(
            `${SCHEDULER}: ${row.kind} of ${row.subject_id} was refused (${result.code}: ${result.detail})`,
          );
        }
        fired.push({
          kind: row.kind,
          subjectId: row.subject_id,
          commandId,
          outcome: result.outcome,
          code: result.outcome === 'done' ? null : result.code,
          reason,
        });
      }
      // One write, last: a transaction that has written holds back the event store's read horizon
      // until it commits, and the commands above append while this one is open.
      await client.query(
        `UPDATE scheduled_deadlines d SET command_id = f.command_id, outcome = f.outcome, code = f.code, fired_at = $1
         FROM jsonb_to_recordset($2::jsonb) AS f(kind text, subject_id text, command_id text, outcome text, code text)
         WHERE d.kind = f.kind AND d.subject_id = f.subject_id`,
        [
          now,
          JSON.stringify(
            fired.map((f) => ({
              kind: f.kind,
              subject_id: f.subjectId,
              command_id: f.commandId,
              outcome: f.outcome,
              code: f.code,
            })),
          ),
        ],
      );
      await client.query('COMMIT');
      return fired;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Ticks every intervalMs until stop(); a failed tick is logged and the next one retries. */
  start(): void {
    if (this.timer !== undefined) return;
    const interval = this.options.intervalMs ?? 30_000;
    const loop = (): void => {
      this.running = this.tick()
        .catch((error: Error) => this.logger.error(`${SCHEDULER}: tick failed (${error.message})`, error.stack))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(loop, interval);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
