import type { Pool } from 'pg';
import { linkTargetAllowed, type CampaignStatus } from '#domain';
import type { AtPosition } from '../ka-clients/ka-clients.queries';
import { DENY_REASONS, todayUtc, verdictOn, type DenyReason } from '../link-permissions/permissions';

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

interface ServingRecord {
  position: string;
  status: CampaignStatus;
  budget_minor: string;
  spent_minor: string;
  starts_at: Date;
  ends_at: Date;
  platform: string | null;
  link_url: string | null;
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
 * One indexed row of each read model, by primary key, in one named statement (planned once per
 * connection): the campaign from work_lists, its link permission from link_permissions. The
 * position is the lower of the two checkpoints, so it never claims more than both have applied.
 * Dates travel as text: pg would turn a date into a local-midnight Date.
 */
const SERVING_SQL = `
  SELECT least(
      coalesce((SELECT position FROM projection_checkpoints WHERE name = 'work_lists'), 0),
      coalesce((SELECT position FROM projection_checkpoints WHERE name = 'link_permissions'), 0))::text AS position,
    c.status, c.budget_minor::text AS budget_minor, c.spent_minor::text AS spent_minor, c.starts_at, c.ends_at,
    c.platform, c.link_url, p.advertiser_id IS NOT NULL AS has_permission, p.reasons, p.allowed_domains,
    p.valid_from::text AS valid_from, p.contract_ends_on::text AS contract_ends_on,
    p.category_valid_until::text AS category_valid_until, p.regulated, p.licence_ref
  FROM work_campaigns c
  LEFT JOIN link_permissions p ON p.advertiser_id = c.advertiser_id AND p.platform = c.platform
    AND p.category = c.category AND p.contract_id = c.contract_id
  WHERE c.campaign_id = $1`;

const URL_VERDICTS = new Map<string, boolean>();
const URL_VERDICT_CACHE = 10_000;

/** linkTargetAllowed, remembered: a campaign's URL and its platform's domains change rarely, and it parses a URL. */
const urlAllowed = (url: string, domains: readonly string[]): boolean => {
  const key = `${url}\n${domains.join(' ')}`;
  let verdict = URL_VERDICTS.get(key);
  if (verdict === undefined) {
    verdict = linkTargetAllowed(url, domains).allowed;
    if (URL_VERDICTS.size >= URL_VERDICT_CACHE) URL_VERDICTS.clear();
    URL_VERDICTS.set(key, verdict);
  }
  return verdict;
};

/** The serving answer for one campaign at `now`; undefined when the read model has no such campaign. */
export const campaignServing = async (
  pool: Pool,
  campaignId: string,
  now: Date,
): Promise<AtPosition<CampaignServing | undefined>> => {
  const { rows } = await pool.query<ServingRecord>({
    name: 'campaign_serving',
    text: SERVING_SQL,
    values: [campaignId],
  });
  const row = rows[0];
  if (row === undefined) {
    const { rows: at } = await pool.query<{ position: string }>({
      name: 'campaign_serving_position',
      text: `SELECT coalesce((SELECT position::text FROM projection_checkpoints WHERE name = 'work_lists'), '0') AS position`,
    });
    return { position: at[0]!.position, value: undefined };
  }
  return { position: row.position, value: servingOf(campaignId, row, now) };
};

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
      const url = urlAllowed(row.link_url, row.allowed_domains!);
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
