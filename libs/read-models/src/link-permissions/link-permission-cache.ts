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
        table: 'link_permissions',
        changes: { table: 'link_permission_changes', key: ['advertiser_id', 'platform', 'category'] },
        prunedThroughSql: 'SELECT pruned_through FROM link_permission_feed_horizon',
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
