import type { Pool } from 'pg';
import type { Migration, Position } from '#event-store';
import type { DenyReason } from './permissions';

/*
 * The change feed of link permissions, for downstream caches. The projection writes a change row
 * for every permission row it upserts or deletes, in the transaction that moves its checkpoint, at
 * the log position of the event behind the change. One runner writes at a time and its batches
 * commit in log order, each above the last checkpoint, so a reader that pages by position sees
 * every committed change exactly once and in order, whatever commits meanwhile: a batch is visible
 * to it whole or not at all, and the next batch only adds higher positions. Positions are the
 * global log's, so a rebuild (which writes the same table from scratch) keeps them meaningful:
 * it may merge a row's several changes within one rebuild batch into the last.
 */
export const LINK_PERMISSION_CHANGES_MIGRATION: Migration = {
  version: 2,
  name: 'link permission change feed',
  sql: `
    CREATE TABLE link_permission_changes (
      position numeric(40,0) NOT NULL,
      ordinal integer NOT NULL,
      advertiser_id text NOT NULL,
      contract_id text NOT NULL,
      platform text NOT NULL,
      category text NOT NULL,
      removed boolean NOT NULL,
      permission jsonb,
      PRIMARY KEY (position, ordinal)
    );
  `,
};

/*
 * The feed keeps changes for a retention period: each row records when it was written, and a pruner
 * deletes the old ones and raises the horizon below which the feed no longer answers. The horizon is
 * not a projection table: a rebuild swaps the changes table (written afresh from the whole log) but
 * leaves the horizon, so a reader is never served a position the feed once gave up.
 */
export const LINK_PERMISSION_FEED_RETENTION_MIGRATION: Migration = {
  version: 3,
  name: 'link permission change feed retention',
  sql: `
    ALTER TABLE link_permission_changes ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
    CREATE INDEX ON link_permission_changes (recorded_at);
    CREATE TABLE link_permission_feed_horizon (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      pruned_through numeric(40,0) NOT NULL
    );
    INSERT INTO link_permission_feed_horizon (pruned_through) VALUES (0);
  `,
};

export const LINK_PERMISSION_CHANGES_TABLE = { name: 'link_permission_changes', key: ['position', 'ordinal'] } as const;

/** A reader asked for changes after a position below the feed's horizon: they were pruned. */
export class FeedPositionExpired extends Error {
  constructor(
    readonly after: Position,
    readonly prunedThrough: Position,
  ) {
    super(`changes up to position ${prunedThrough.toString()} were pruned; ${after.toString()} is before that`);
    this.name = 'FeedPositionExpired';
  }
}

/**
 * Deletes the changes written longer than `retentionSeconds` ago (and any a rebuild wrote again below
 * the horizon) and raises the horizon to the last position deleted. Concurrent pruners and the live
 * runner do not disturb each other: only positions at or below a written-long-ago one go.
 */
export const pruneLinkPermissionChanges = async (
  pool: Pool,
  retentionSeconds: number,
): Promise<{ readonly deleted: number; readonly prunedThrough: Position }> => {
  const { rows } = await pool.query<{ deleted: number; pruned_through: string }>(
    `WITH horizon AS (
       SELECT greatest(h.pruned_through, coalesce((
         SELECT max(position) FROM link_permission_changes WHERE recorded_at < now() - make_interval(secs => $1)
       ), 0)) AS through
       FROM link_permission_feed_horizon h
     ), gone AS (
       DELETE FROM link_permission_changes c USING horizon WHERE c.position <= horizon.through RETURNING 1
     ), moved AS (
       UPDATE link_permission_feed_horizon h SET pruned_through = horizon.through FROM horizon
       WHERE horizon.through > h.pruned_through RETURNING h.pruned_through
     )
     SELECT (SELECT count(*) FROM gone)::integer AS deleted, (SELECT through::text FROM horizon) AS pruned_through`,
    [retentionSeconds],
  );
  return { deleted: rows[0]!.deleted, prunedThrough: BigInt(rows[0]!.pruned_through) };
};

export interface PermissionKey {
  readonly advertiser_id: string;
  readonly contract_id: string;
  readonly platform: string;
  readonly category: string;
}

/**
 * Change rows for one batch: removals first (an amendment that drops a key and adds another at one
 * position reads as "gone, then new"), then upserts, each group in key order, numbered per position.
 */
export const changeRowsOf = (
  upserted: readonly (PermissionKey & { source_position: string } & Record<string, unknown>)[],
  removed: readonly (PermissionKey & { position: string })[],
): Record<string, unknown>[] => {
  const keyOf = (row: PermissionKey) => `${row.advertiser_id}|${row.platform}|${row.category}|${row.contract_id}`;
  const entries = [
    ...removed.map((row) => ({ position: row.position, removed: true, key: row, permission: null })),
    ...upserted.map((row) => {
      const { source_position, ...permission } = row;
      return { position: source_position, removed: false, key: row as PermissionKey, permission };
    }),
  ].sort((a, b) => {
    const byPosition = BigInt(a.position) - BigInt(b.position);
    if (byPosition !== 0n) return byPosition < 0n ? -1 : 1;
    if (a.removed !== b.removed) return a.removed ? -1 : 1;
    return keyOf(a.key) < keyOf(b.key) ? -1 : keyOf(a.key) > keyOf(b.key) ? 1 : 0;
  });
  const ordinals = new Map<string, number>();
  return entries.map((entry) => {
    const ordinal = ordinals.get(entry.position) ?? 0;
    ordinals.set(entry.position, ordinal + 1);
    return {
      position: entry.position,
      ordinal,
      advertiser_id: entry.key.advertiser_id,
      contract_id: entry.key.contract_id,
      platform: entry.key.platform,
      category: entry.key.category,
      removed: entry.removed,
      permission: entry.permission,
    };
  });
};

/** A permission as the feed carries it: as projected, without today's calendar check. */
export interface FeedPermission {
  readonly allowed: boolean;
  readonly reasons: readonly DenyReason[];
  readonly allowedDomains: readonly string[];
  readonly validFrom: string;
  readonly validUntil: string;
  readonly contractEndsOn: string;
  readonly categoryValidUntil: string | null;
  readonly adLabelRequired: boolean;
  readonly regulated: boolean;
  readonly licenceRef: string | null;
}

export interface PermissionChange {
  readonly position: string;
  readonly advertiserId: string;
  readonly contractId: string;
  readonly platform: string;
  readonly category: string;
  /** The row is gone (an amendment or revision dropped its platform or category); `permission` is null. */
  readonly removed: boolean;
  readonly permission: FeedPermission | null;
}

export interface PermissionChangePage {
  readonly changes: PermissionChange[];
  /** Pass as `after` next time: every change up to it has been delivered. */
  readonly next: string;
  /** Whether more changes are already waiting after `next`. */
  readonly more: boolean;
}

interface ChangeRecord {
  position: string;
  advertiser_id: string;
  contract_id: string;
  platform: string;
  category: string;
  removed: boolean;
  permission: Record<string, unknown> | null;
}

const feedPermissionOf = (row: Record<string, unknown>): FeedPermission => ({
  allowed: row.allowed as boolean,
  reasons: row.reasons as DenyReason[],
  allowedDomains: row.allowed_domains as string[],
  validFrom: row.valid_from as string,
  validUntil: row.valid_until as string,
  contractEndsOn: row.contract_ends_on as string,
  categoryValidUntil: (row.category_valid_until as string | null) ?? null,
  adLabelRequired: row.ad_label_required as boolean,
  regulated: row.regulated as boolean,
  licenceRef: (row.licence_ref as string | null) ?? null,
});

/*
 * One statement, so the checkpoint and the rows come from one snapshot: when the page holds every
 * change after `after`, everything up to the checkpoint has been seen and the reader may resume
 * from there. A page never ends inside a position, so `next` never splits one. Named: ad serving
 * polls this, and a named statement is planned once per connection.
 */
const FEED_SQL = `
  WITH page AS (
    SELECT position FROM link_permission_changes WHERE position > $1::numeric ORDER BY position, ordinal LIMIT $2
  ), bound AS (SELECT max(position) AS upto, count(*) AS n FROM page)
  SELECT coalesce((SELECT position::text FROM projection_checkpoints WHERE name = 'link_permissions'), '0') AS checkpoint,
    (SELECT pruned_through::text FROM link_permission_feed_horizon) AS pruned_through,
    (SELECT n FROM bound)::integer AS n,
    coalesce((SELECT jsonb_agg(jsonb_build_object('position', c.position::text, 'advertiser_id', c.advertiser_id,
        'contract_id', c.contract_id, 'platform', c.platform, 'category', c.category, 'removed', c.removed,
        'permission', c.permission) ORDER BY c.position, c.ordinal)
      FROM link_permission_changes c
      WHERE c.position > $1::numeric AND c.position <= (SELECT upto FROM bound)), '[]'::jsonb) AS rows`;

/**
 * Changes after `after` in position order, at least `limit` rows unless fewer wait (whole positions
 * only). FeedPositionExpired when `after` is below the feed's horizon.
 */
export const readPermissionChanges = async (
  pool: Pool,
  after: Position,
  limit: number,
): Promise<PermissionChangePage> => {
  const { rows } = await pool.query<{ checkpoint: string; pruned_through: string; n: number; rows: ChangeRecord[] }>({
    name: 'link_permission_changes_page',
    text: FEED_SQL,
    values: [after.toString(), limit],
  });
  const { checkpoint, pruned_through: prunedThrough, n, rows: records } = rows[0]!;
  if (after < BigInt(prunedThrough)) throw new FeedPositionExpired(after, BigInt(prunedThrough));
  const changes = records.map((record) => ({
    position: record.position,
    advertiserId: record.advertiser_id,
    contractId: record.contract_id,
    platform: record.platform,
    category: record.category,
    removed: record.removed,
    permission: record.permission === null ? null : feedPermissionOf(record.permission),
  }));
  const more = n >= limit;
  const last = changes[changes.length - 1]?.position;
  const through = BigInt(checkpoint) > after ? BigInt(checkpoint) : after;
  return { changes, next: more && last !== undefined ? last : through.toString(), more };
};

/**
 * Tables whose rows depend on how the log was cut into batches (a rebuild merges a row's changes
 * within one page; the live runner records each), so they cannot equal a clean rebuild row for row;
 * comparisons skip them.
 */
export const BATCH_GRAINED_TABLES: ReadonlySet<string> = new Set([LINK_PERMISSION_CHANGES_TABLE.name]);
