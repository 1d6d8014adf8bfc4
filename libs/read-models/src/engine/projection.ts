import type { ClientBase } from 'pg';
import type { Migration, RecordedEvent } from '#event-store';
import type { EventInterest } from './domain-events';
import type { RowWrite } from './rows';

/**
 * A read model (or a reactor's own state) fed from the global log. The runner calls `apply` inside
 * the transaction that also moves the projection's checkpoint, so rows and checkpoint commit or
 * vanish together and no event is applied twice or skipped.
 */
export interface Projection {
  /** Checkpoint name, advisory-lock key and NOTIFY payload prefix: lowercase letters and '_'. */
  readonly name: string;
  /**
   * Bumped when `apply` changes what it writes for the same events; a runner that finds a
   * checkpoint of another version rebuilds the tables aside and swaps them in before resuming.
   */
  readonly version: number;
  /** Its own component in schema_migrations; the migrations create every table in `tables`. */
  readonly component: string;
  readonly migrations: readonly Migration[];
  /**
   * Each domain event type it handles or ignores: a type the domain adds fails to compile until
   * every projection has said which (read-models.spec checks the routers agree).
   */
  readonly events: EventInterest;
  /** Every table the projection writes, each with the columns that order it for a checksum. */
  readonly tables: readonly ProjectionTable[];
  /**
   * True when the applier also writes through the client (statements whose effect the batch's
   * later steps read back): the runner then opens a transaction for the batch. Otherwise the
   * applier only reads, and what it returns is committed with the checkpoint in one statement.
   */
  readonly writesThroughClient?: boolean;
  /**
   * A fresh applier for one run of consecutive batches. It may keep what it read and wrote between
   * batches (only the lock holder or a rebuild writes these tables), so the runner replaces it
   * after any batch that did not commit.
   */
  applier(options?: ApplierOptions): BatchApplier;
}

export interface ApplierOptions {
  /**
   * For a rebuild, which applies whole pages of the log: an applier that would otherwise cut a
   * batch (see AppliedPrefix) applies all of it.
   */
  readonly rebuild?: boolean;
}

/**
 * The rows for the first `through` events of a batch (at least one). An applier answers this
 * instead of plain rows when applying more of the batch together would fold two changes of one row
 * into one (a change feed keeps one entry per change); the caller commits these with the
 * checkpoint at the last of them and applies the rest as another batch.
 */
export interface AppliedPrefix {
  readonly writes: readonly RowWrite[];
  readonly through: number;
}

/**
 * Applies consecutive events in log order: reads through `client` what it needs and returns the
 * rows to write, which the caller commits atomically with the checkpoint. Unqualified table names
 * only: a rebuild points the search_path at shadow tables and runs the same code.
 */
export type BatchApplier = (
  client: ClientBase,
  events: readonly RecordedEvent[],
) => Promise<readonly RowWrite[] | AppliedPrefix>;

/** What an applier's answer covers of a batch of `count` events. */
export const appliedPrefix = (answer: readonly RowWrite[] | AppliedPrefix, count: number): AppliedPrefix => {
  if (!('through' in answer)) return { writes: answer, through: count };
  if (!Number.isInteger(answer.through) || answer.through < 1 || answer.through > count) {
    throw new Error(`an applier answered rows for ${answer.through} of a batch of ${count} events`);
  }
  return answer;
};

export interface ProjectionTable {
  readonly name: string;
  readonly key: readonly string[];
}

/** What the engine reports; the Nest Logger fits it. */
export interface ProjectorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
}

export const silentLogger: ProjectorLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };
