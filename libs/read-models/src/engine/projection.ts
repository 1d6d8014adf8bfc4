import type { ClientBase } from 'pg';
import type { Migration, RecordedEvent } from '#event-store';
import type { EventInterest } from './domain-events';

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
   * A fresh applier for one run of consecutive batches. It may keep what it read and wrote between
   * batches (only the lock holder or a rebuild writes these tables), so the runner replaces it
   * after any batch that did not commit.
   */
  applier(): BatchApplier;
}

/**
 * Applies consecutive events in log order, inside the caller's transaction. Unqualified table
 * names only: a rebuild points the search_path at shadow tables and runs the same code.
 */
export type BatchApplier = (client: ClientBase, events: readonly RecordedEvent[]) => Promise<void>;

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
