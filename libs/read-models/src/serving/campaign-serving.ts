import type { Pool } from 'pg';
import type { CampaignStatus } from '#domain';
import type { Position } from '#event-store';
import type { CheckpointWatcher } from '../engine/checkpoint-watcher';
import { FollowingCache, type FollowingCacheOptions } from '../engine/following-cache';
import type { AtPosition } from '../ka-clients/ka-clients.queries';
import type { LinkPermissionCache } from '../link-permissions/link-permission-cache';
import type { PermissionRecord } from '../link-permissions/link-permissions.queries';
import { WORK_LISTS } from '../work-lists/work-lists.projection';
import {
  DENY_REASONS,
  rememberedLinkTarget,
  todayUtc,
  verdictOn,
  type DenyReason,
} from '../link-permissions/permissions';

/** Why a campaign may not serve (or not link out) now, in the order they are reported. */
export const SERVING_REASONS = [
  'CAMPAIGN_NOT_LIVE',
  'CAMPAIGN_NOT_STARTED',
  'CAMPAIGN_ENDED',
  'BUDGET_EXHAUSTED',
  'NO_LINK_PERMISSION',
  ...DENY_REASONS,
  'URL_NOT_ALLOWED',
] as const;

export type ServingReason = (typeof SERVING_REASONS)[number];

export interface CampaignServing {
  readonly campaignId: string;
  readonly status: CampaignStatus;
  /** Live, and now within its flight (startsAt inclusive, endsAt exclusive). */
  readonly live: boolean;
  /** Reported spend is below the budget. */
  readonly withinBudget: boolean;
  /** Whether its link target may be shown now; null for a campaign without one. */
  readonly linkAllowed: boolean | null;
  /** live, within budget, and its link (if any) allowed: ad serving may deliver it as created. */
  readonly serve: boolean;
  /** Empty when `serve`; otherwise every reason, serving's first, then the link's. */
  readonly reasons: readonly ServingReason[];
  readonly budgetMinor: string;
  readonly spentMinor: string;
  readonly remainingMinor: string;
  readonly linkTarget: { readonly platform: string; readonly url: string } | null;
  /** Every paid note carries a visible ad label; regulated categories also show the licence. */
  readonly adLabelRequired: true;
  readonly licenceRef: string | null;
}

/** The work_lists row of a campaign, as the serving answer needs it. */
interface CampaignRow {
  status: CampaignStatus;
  advertiser_id: string;
  contract_id: string;
  category: string;
  budget_minor: string;
  spent_minor: string;
  starts_at: Date;
  ends_at: Date;
  platform: string | null;
  link_url: string | null;
}

interface ServingRecord extends CampaignRow {
  has_permission: boolean;
  reasons: DenyReason[] | null;
  allowed_domains: string[] | null;
  valid_from: string | null;
  contract_ends_on: string | null;
  category_valid_until: string | null;
  regulated: boolean | null;
  licence_ref: string | null;
}

/*
 * One indexed row by primary key, in a named statement (planned once per connection), with the
 * checkpoint from the same snapshot. Dates of the link permission travel as text elsewhere; here
 * the timestamps are instants, which pg hands over as Dates.
 */
const CAMPAIGN_SQL = `
  SELECT cp.checkpoint, c.status, c.advertiser_id, c.contract_id, c.category, c.budget_minor::text AS budget_minor,
    c.spent_minor::text AS spent_minor, c.starts_at, c.ends_at, c.platform, c.link_url
  FROM (SELECT coalesce((SELECT position::text FROM projection_checkpoints WHERE name = '${WORK_LISTS}'), '0') AS checkpoint) cp
  LEFT JOIN work_campaigns c ON c.campaign_id = $1`;

const earlier = (a: string, b: string) => (BigInt(a) < BigInt(b) ? a : b);

const DAY_MS = 86_400_000;

/**
 * An answer computed at `from` for one campaign row and link permission (the objects the caches
 * hold, so the same objects mean the same rows), and the instant it may first differ.
 */
interface RememberedAnswer {
  readonly permission: PermissionRecord | undefined;
  readonly from: number;
  readonly until: number;
  readonly answer: CampaignServing;
}

/**
 * Time enters the answer only through the flight (now against startsAt and endsAt) and the date
 * of today (the permission's dates): the answer stays the same until the next of these comes.
 */
const sameAnswerUntil = (row: CampaignRow, now: number): number => {
  let until = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  for (const boundary of [row.starts_at.getTime(), row.ends_at.getTime()]) {
    if (now < boundary && boundary < until) until = boundary;
  }
  return until;
};

/**
 * The serving answer, on ad serving's hot path: the campaign's work_lists row and its link
 * permission, each kept in memory as fresh as a query (FollowingCache, LinkPermissionCache). The
 * position is the lower of the two, so it never claims more than both read models have applied.
 * The answer itself is remembered beside the row it was computed from until a row or the time
 * changes it.
 */
export class CampaignServingAnswers {
  private readonly campaigns: FollowingCache<CampaignRow | undefined>;
  /** Keyed by the cached row: an entry goes when the cache drops the row. */
  private readonly answers = new WeakMap<CampaignRow, RememberedAnswer>();

  constructor(
    pool: Pool,
    watcher: CheckpointWatcher,
    private readonly links: LinkPermissionCache,
    options: FollowingCacheOptions = {},
  ) {
    this.campaigns = new FollowingCache(
      pool,
      watcher,
      {
        projection: WORK_LISTS,
        table: 'work_campaigns',
        changes: { table: 'work_campaigns', key: ['campaign_id'] },
        load: async (from, [campaignId]) => {
          const { rows } = await from.query<CampaignRow & { checkpoint: string }>({
            name: 'campaign_serving',
            text: CAMPAIGN_SQL,
            values: [campaignId],
          });
          const { checkpoint, ...row } = rows[0]!;
          return { position: checkpoint, value: row.status === null ? undefined : row };
        },
      },
      options,
    );
  }

  /**
   * The serving answer for one campaign at `now`; undefined when the read model has no such
   * campaign. `min`: both read models have applied at least this position.
   */
  async answer(campaignId: string, now: Date, min?: Position): Promise<AtPosition<CampaignServing | undefined>> {
    const campaign = await this.campaigns.get([campaignId], min);
    const row = campaign.value;
    if (row === undefined) return { position: campaign.position, value: undefined };
    if (row.platform === null) {
      return { position: campaign.position, value: this.remembered(campaignId, row, undefined, now) };
    }
    const covering = await this.links.covering(
      { advertiserId: row.advertiser_id, platform: row.platform, category: row.category },
      min,
    );
    const permission = covering.records.find((record) => record.contract_id === row.contract_id);
    return {
      position: earlier(campaign.position, covering.position),
      value: this.remembered(campaignId, row, permission, now),
    };
  }

  private remembered(
    campaignId: string,
    row: CampaignRow,
    permission: PermissionRecord | undefined,
    now: Date,
  ): CampaignServing {
    const at = now.getTime();
    const known = this.answers.get(row);
    if (known !== undefined && known.permission === permission && known.from <= at && at < known.until) {
      return known.answer;
    }
    const record: ServingRecord =
      permission === undefined
        ? withoutPermission(row)
        : {
            ...row,
            has_permission: true,
            reasons: permission.reasons,
            allowed_domains: permission.allowed_domains,
            valid_from: permission.valid_from,
            contract_ends_on: permission.contract_ends_on,
            category_valid_until: permission.category_valid_until,
            regulated: permission.regulated,
            licence_ref: permission.licence_ref,
          };
    const answer = servingOf(campaignId, record, now);
    this.answers.set(row, { permission, from: at, until: sameAnswerUntil(row, at), answer });
    return answer;
  }
}

const withoutPermission = (row: CampaignRow): ServingRecord => ({
  ...row,
  has_permission: false,
  reasons: null,
  allowed_domains: null,
  valid_from: null,
  contract_ends_on: null,
  category_valid_until: null,
  regulated: null,
  licence_ref: null,
});

const servingOf = (campaignId: string, row: ServingRecord, now: Date): CampaignServing => {
  const reasons: ServingReason[] = [];
  if (row.status !== 'Live') reasons.push('CAMPAIGN_NOT_LIVE');
  if (now < row.starts_at) reasons.push('CAMPAIGN_NOT_STARTED');
  if (now >= row.ends_at) reasons.push('CAMPAIGN_ENDED');
  const live = reasons.length === 0;
  const remaining = BigInt(row.budget_minor) - BigInt(row.spent_minor);
  const withinBudget = remaining > 0n;
  if (!withinBudget) reasons.push('BUDGET_EXHAUSTED');
  let linkAllowed: boolean | null = null;
  if (row.platform !== null && row.link_url !== null) {
    if (!row.has_permission) {
      reasons.push('NO_LINK_PERMISSION');
      linkAllowed = false;
    } else {
      const verdict = verdictOn(
        {
          reasons: row.reasons!,
          validFrom: row.valid_from!,
          contractEndsOn: row.contract_ends_on!,
          categoryValidUntil: row.category_valid_until,
        },
        todayUtc(now),
      );
      reasons.push(...verdict.reasons);
      const url = rememberedLinkTarget(row.link_url, row.allowed_domains!).allowed;
      if (!url) reasons.push('URL_NOT_ALLOWED');
      linkAllowed = verdict.allowed && url;
    }
  }
  return {
    campaignId,
    status: row.status,
    live,
    withinBudget,
    linkAllowed,
    serve: live && withinBudget && linkAllowed !== false,
    reasons,
    budgetMinor: row.budget_minor,
    spentMinor: row.spent_minor,
    remainingMinor: (remaining > 0n ? remaining : 0n).toString(),
    linkTarget: row.platform !== null && row.link_url !== null ? { platform: row.platform, url: row.link_url } : null,
    adLabelRequired: true,
    licenceRef: row.regulated ? row.licence_ref : null,
  };
};
