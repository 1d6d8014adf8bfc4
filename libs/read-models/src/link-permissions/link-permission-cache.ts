import type { Pool } from 'pg';
import type { Position } from '#event-store';
import { LruCache } from '../engine/cache';
import type { CheckpointWatcher } from '../engine/checkpoint-watcher';
import type { AtPosition } from '../ka-clients/ka-clients.queries';
import { LINK_PERMISSIONS } from './link-permissions.projection';
import {
  answerLinkCheck,
  coveringPermissions,
  type CoveringPermissions,
  type LinkCheck,
  type LinkCheckKey,
  type LinkCheckQuestion,
} from './link-permissions.queries';

export interface LinkPermissionCacheOptions {
  /** Keys (advertiser, platform, category) kept; the least recently asked go first. */
  readonly capacity?: number;
  /** Beyond this many changes since the last refresh, everything is dropped instead of key by key. */
  readonly maxChangesPerRefresh?: number;
}

interface Known {
  /** Changes up to here have been applied to the entries (dropped their keys). */
  readonly through: Position;
  /** The projection's version then: another version (a rebuild) may have rewritten any row. */
  readonly version: number;
  /** The checkpoint listener's connection the refresh began in. */
  readonly epoch: number;
}

const keyOf = ({ advertiserId, platform, category }: LinkCheckKey) =>
  `${advertiserId}\u0000${platform}\u0000${category}`;

const maxPosition = (a: Position, b: Position) => (a > b ? a : b);

/**
 * The link-permission rows ad serving asks about, kept in memory and as fresh as a query: before it
 * answers from memory, the cache has applied every change of the projection's change feed up to the
 * last checkpoint the projector announced (and at least up to the caller's X-Min-Position), dropping
 * the keys they touch. An entry loaded at checkpoint C is kept only if no change after C can have
 * been applied before it was stored, so it is never older than the feed says. While the announcement
 * listener is down, announcements may be missed: the cache is then bypassed and every check queries.
 * Answers carry the position they are current at, as a query's would.
 */
export class LinkPermissionCache {
  private readonly entries: LruCache<CoveringPermissions>;
  private readonly maxChanges: number;
  private known: Known | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly watcher: CheckpointWatcher,
    options: LinkPermissionCacheOptions = {},
  ) {
    this.entries = new LruCache(options.capacity ?? 100_000);
    this.maxChanges = options.maxChangesPerRefresh ?? 10_000;
  }

  async check(question: LinkCheckQuestion, today: string, min?: Position): Promise<AtPosition<LinkCheck>> {
    return answerLinkCheck(await this.covering(question, min), question, today);
  }

  private async covering(key: LinkCheckKey, min: Position | undefined): Promise<CoveringPermissions> {
    const known = await this.current(min);
    if (known === undefined) return coveringPermissions(this.pool, key);
    const cached = this.entries.get(keyOf(key));
    if (cached !== undefined) {
      return { ...cached, position: maxPosition(BigInt(cached.position), known.through).toString() };
    }
    const loaded = await coveringPermissions(this.pool, key);
    // A change after `loaded.position` applied meanwhile found no entry to drop: keep only what
    // is at least as new as everything applied.
    if (this.known !== undefined && BigInt(loaded.position) >= this.known.through) this.entries.set(keyOf(key), loaded);
    return loaded;
  }

  /** What the entries are current at, once caught up with what was announced; undefined: query instead. */
  private async current(min: Position | undefined): Promise<Known | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const announced = this.watcher.announced(LINK_PERMISSIONS);
      if (announced === undefined) return undefined;
      const wanted = maxPosition(announced.position, min ?? 0n);
      const known = this.known;
      if (known !== undefined && known.epoch === announced.epoch && known.through >= wanted) return known;
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

  /** One statement: the checkpoint and the changes up to it, from one snapshot. */
  private async applyChanges(): Promise<void> {
    const epoch = this.watcher.announced(LINK_PERMISSIONS)?.epoch;
    if (epoch === undefined) return;
    const after = this.known?.through ?? 0n;
    const { rows } = await this.pool.query<{
      checkpoint: string;
      version: number;
      advertiser_id: string | null;
      platform: string | null;
      category: string | null;
    }>(
      `SELECT cp.position::text AS checkpoint, cp.version, c.advertiser_id, c.platform, c.category
       FROM projection_checkpoints cp
       LEFT JOIN LATERAL (
         SELECT advertiser_id, platform, category FROM link_permission_changes
         WHERE position > $2::numeric AND position <= cp.position LIMIT $3
       ) c ON TRUE
       WHERE cp.name = $1`,
      [LINK_PERMISSIONS, after.toString(), this.maxChanges + 1],
    );
    if (rows.length === 0) {
      // No projector has run yet: nothing to keep, and every key loads at checkpoint 0 anyway.
      this.entries.clear();
      this.known = { through: 0n, version: 0, epoch };
      return;
    }
    const checkpoint = BigInt(rows[0]!.checkpoint);
    const version = rows[0]!.version;
    const previous = this.known;
    if (previous === undefined || previous.version !== version || checkpoint < after || rows.length > this.maxChanges) {
      this.entries.clear();
    } else {
      for (const row of rows) {
        if (row.advertiser_id === null) continue;
        this.entries.delete(
          keyOf({ advertiserId: row.advertiser_id, platform: row.platform!, category: row.category! }),
        );
      }
    }
    this.known = { through: checkpoint, version, epoch };
  }
}
