import type { Pool } from 'pg';
import type { Position } from '#event-store';
import { LruCache } from './cache';
import type { CheckpointWatcher } from './checkpoint-watcher';

/** How a read model tells which of its keys changed, and how one key's value loads. */
export interface FollowedReadModel<V> {
  /** The projection whose checkpoint the values are current at. */
  readonly projection: string;
  /** The table the values are read from: a rebuild swaps in another one (another OID). */
  readonly table: string;
  /**
   * Where changes are listed: a table with a `position` column (indexed) and the columns that make
   * up a key; each row at a position after what the cache applied drops that key.
   */
  readonly changes: { readonly table: string; readonly key: readonly string[] };
  /** For changes that are pruned: a scalar query of the position up to which they are gone. */
  readonly prunedThroughSql?: string;
  /** The value of one key and the checkpoint it is current at, from one snapshot. */
  readonly load: (pool: Pool, key: readonly string[]) => Promise<{ readonly position: string; readonly value: V }>;
}

/** Keys are arrays of parts (an advertiser, a platform, ...): JSON keeps any two apart. */
const keyOf = (parts: readonly string[]) => JSON.stringify(parts);

interface Known {
  /** Changes up to here have been applied to the entries (dropped their keys). */
  readonly through: Position;
  /** `through` as answers carry it. */
  readonly throughText: string;
  /** The projection's version then: another version (a rebuild) may have rewritten any row. */
  readonly version: number;
  /** The values' table then: a rebuild swaps in another table, whose rows may differ without a change. */
  readonly relation: string | null;
  /** The checkpoint listener's connection the refresh began in, and how many announcements it had heard then. */
  readonly epoch: number;
  readonly announcements: number;
}

export interface FollowingCacheOptions {
  /** Keys kept; the least recently asked go first. */
  readonly capacity?: number;
  /** Beyond this many changed keys since the last refresh, everything is dropped instead of key by key. */
  readonly maxChangesPerRefresh?: number;
}

/** A loaded value, the position it was current at, and that position as a number to compare. */
interface Entry<V> {
  readonly position: string;
  readonly value: V;
  readonly at: Position;
}

/**
 * Values of a read model kept in memory and as fresh as a query: before it answers from memory, the
 * cache has applied every change of the read model up to the last checkpoint the projector announced
 * (and at least up to the caller's `min`, an X-Min-Position), dropping the keys that changed. A value
 * is kept only if no refresh ran while it loaded, so an entry is never older than the changes say. A
 * new projection version, a swapped-in table (a rebuild), changes pruned before they were applied or
 * too many changes at once drop everything. While the announcement listener is down announcements
 * may be missed: the cache is then bypassed and every read loads. Answers carry the position they
 * are current at, as a query's would.
 */
export class FollowingCache<V> {
  private readonly entries: LruCache<Entry<V>>;
  private readonly maxChanges: number;
  /**
   * One statement, so all comes from one snapshot: the checkpoint, version and table of the
   * projection and the keys changed after $2 up to the checkpoint (at most $3), or one row with a
   * null key when none changed; no row when the projection has no checkpoint yet.
   */
  private readonly changedKeysSql: string;
  private known: Known | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly watcher: CheckpointWatcher,
    private readonly model: FollowedReadModel<V>,
    options: FollowingCacheOptions = {},
  ) {
    this.entries = new LruCache(options.capacity ?? 100_000);
    this.maxChanges = options.maxChangesPerRefresh ?? 10_000;
    const { table, changes, prunedThroughSql } = model;
    this.changedKeysSql = `
      SELECT cp.position::text AS checkpoint, cp.version, to_regclass('${table}')::oid::text AS relation,
        ${prunedThroughSql === undefined ? 'false' : `$2::numeric < (${prunedThroughSql})`} AS expired, c.key
      FROM projection_checkpoints cp
      LEFT JOIN LATERAL (
        SELECT ARRAY[${changes.key.join(', ')}] AS key FROM ${changes.table}
        WHERE position > $2::numeric AND position <= cp.position LIMIT $3
      ) c ON TRUE
      WHERE cp.name = $1`;
  }

  async get(parts: readonly string[], min?: Position): Promise<{ readonly position: string; readonly value: V }> {
    const known = await this.current(min);
    if (known === undefined) return this.model.load(this.pool, parts);
    const key = keyOf(parts);
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      // Unchanged since it loaded, so it is current up to what the entries have applied.
      return cached.at >= known.through ? cached : { position: known.throughText, value: cached.value };
    }
    const loaded = await this.model.load(this.pool, parts);
    const at = BigInt(loaded.position);
    // A refresh meanwhile may have applied a change after `loaded.position` (it found no entry to
    // drop) or seen the table swapped: keep only a value loaded within one refresh's knowledge.
    if (this.known === known && at >= known.through) this.entries.set(key, { ...loaded, at });
    return loaded;
  }

  /**
   * What the entries are current at, once nothing was announced since the last refresh began (a
   * batch, a rebuild's swap) and they reach `min`; undefined: load instead.
   */
  private async current(min: Position | undefined): Promise<Known | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const announced = this.watcher.announced(this.model.projection);
      if (announced === undefined) return undefined;
      const known = this.known;
      if (
        known !== undefined &&
        known.epoch === announced.epoch &&
        known.announcements === announced.count &&
        known.through >= (min ?? 0n)
      ) {
        return known;
      }
      await this.refresh();
    }
    return undefined;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.applyChanges().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async applyChanges(): Promise<void> {
    const announced = this.watcher.announced(this.model.projection);
    if (announced === undefined) return;
    const { epoch, count: announcements } = announced;
    const after = this.known?.through ?? 0n;
    const { rows } = await this.pool.query<{
      checkpoint: string;
      version: number;
      relation: string | null;
      expired: boolean;
      key: string[] | null;
    }>(this.changedKeysSql, [this.model.projection, after.toString(), this.maxChanges + 1]);
    if (rows.length === 0) {
      // No projector has run yet: nothing to keep, and every key loads at checkpoint 0 anyway.
      this.entries.clear();
      this.known = { through: 0n, throughText: '0', version: 0, relation: null, epoch, announcements };
      return;
    }
    const checkpoint = BigInt(rows[0]!.checkpoint);
    const { version, relation } = rows[0]!;
    const previous = this.known;
    if (
      previous === undefined ||
      previous.version !== version ||
      previous.relation !== relation ||
      rows[0]!.expired ||
      checkpoint < after ||
      rows.length > this.maxChanges
    ) {
      this.entries.clear();
    } else {
      for (const row of rows) if (row.key !== null) this.entries.delete(keyOf(row.key));
    }
    this.known = { through: checkpoint, throughText: checkpoint.toString(), version, relation, epoch, announcements };
  }
}
