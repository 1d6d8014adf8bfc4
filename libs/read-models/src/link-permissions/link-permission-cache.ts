import type { Pool } from 'pg';
import type { Position } from '#event-store';
import type { CheckpointWatcher } from '../engine/checkpoint-watcher';
import { FollowingCache, type FollowingCacheOptions } from '../engine/following-cache';
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

const partsOf = ({ advertiserId, platform, category }: LinkCheckKey) => [advertiserId, platform, category];

/**
 * The permission rows covering each (advertiser, platform, category) ad serving asks about, in
 * memory, followed through the link-permission change feed (FollowingCache).
 */
export class LinkPermissionCache {
  private readonly cache: FollowingCache<CoveringPermissions['records']>;

  constructor(pool: Pool, watcher: CheckpointWatcher, options: FollowingCacheOptions = {}) {
    this.cache = new FollowingCache(
      pool,
      watcher,
      {
        projection: LINK_PERMISSIONS,
        changedKeysSql: `
          SELECT cp.position::text AS checkpoint, cp.version, to_regclass('link_permissions')::oid::text AS relation,
            $2::numeric < (SELECT pruned_through FROM link_permission_feed_horizon) AS expired, c.key
          FROM projection_checkpoints cp
          LEFT JOIN LATERAL (
            SELECT ARRAY[advertiser_id, platform, category] AS key FROM link_permission_changes
            WHERE position > $2::numeric AND position <= cp.position LIMIT $3
          ) c ON TRUE
          WHERE cp.name = $1`,
        load: async (from, [advertiserId, platform, category]) => {
          const { position, records } = await coveringPermissions(from, {
            advertiserId: advertiserId!,
            platform: platform!,
            category: category!,
          });
          return { position, value: records };
        },
      },
      options,
    );
  }

  /** The rows covering `key` and the position they are current at. */
  async covering(key: LinkCheckKey, min?: Position): Promise<CoveringPermissions> {
    const { position, value } = await this.cache.get(partsOf(key), min);
    return { position, records: value };
  }

  async check(question: LinkCheckQuestion, today: string, min?: Position): Promise<AtPosition<LinkCheck>> {
    return answerLinkCheck(await this.covering(question, min), question, today);
  }
}
