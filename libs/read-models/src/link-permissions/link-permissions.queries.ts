import type { Pool } from 'pg';
import type { AtPosition, Page } from '../ka-clients/ka-clients.queries';
import { LINK_PERMISSIONS } from './link-permissions.projection';
import { DENY_REASONS, rememberedLinkTarget, verdictOn, type DenyReason, type LinkPermission } from './permissions';

export interface LinkPermissionFilters {
  readonly advertiserId?: string;
  readonly contractId?: string;
  readonly platform?: string;
  readonly category?: string;
  /** As of `today`: the dates count, not only the projected inputs. */
  readonly allowed?: boolean;
}

export interface PermissionRecord {
  advertiser_id: string;
  contract_id: string;
  platform: string;
  category: string;
  allowed: boolean;
  reasons: DenyReason[];
  allowed_domains: string[];
  valid_from: string;
  valid_until: string;
  contract_ends_on: string;
  category_valid_until: string | null;
  ad_label_required: true;
  regulated: boolean;
  licence_ref: string | null;
  source_position: string;
}

/** A permission as answered on `today`: `allowed` and `reasons` include the calendar checks. */
const viewOf = (record: PermissionRecord, today: string): LinkPermission => {
  const projected = {
    reasons: record.reasons,
    validFrom: record.valid_from,
    contractEndsOn: record.contract_ends_on,
    categoryValidUntil: record.category_valid_until,
  };
  const verdict = verdictOn(projected, today);
  return {
    advertiserId: record.advertiser_id,
    contractId: record.contract_id,
    platform: record.platform,
    category: record.category,
    allowed: verdict.allowed,
    reasons: verdict.reasons,
    allowedDomains: record.allowed_domains,
    validFrom: record.valid_from,
    validUntil: record.valid_until,
    contractEndsOn: record.contract_ends_on,
    categoryValidUntil: record.category_valid_until,
    adLabelRequired: record.ad_label_required,
    regulated: record.regulated,
    licenceRef: record.licence_ref,
    sourcePosition: record.source_position,
  };
};

const PERMISSION_JSON = `to_jsonb(p) - 'source_position' || jsonb_build_object('source_position', p.source_position::text)`;
const CHECKPOINT = `coalesce((SELECT position::text FROM projection_checkpoints WHERE name = '${LINK_PERMISSIONS}'), '0')`;
// The projected verdict and the calendar, as one SQL predicate: the same rule verdictOn applies.
const ALLOWED_ON = (today: string) =>
  `(p.allowed AND p.valid_from <= ${today} AND p.contract_ends_on >= ${today}
    AND (p.category_valid_until IS NULL OR p.category_valid_until >= ${today}))`;

export interface PermissionCursor {
  readonly advertiserId: string;
  readonly platform: string;
  readonly category: string;
  readonly contractId: string;
}

export const encodePermissionCursor = (cursor: PermissionCursor): string =>
  Buffer.from(JSON.stringify([cursor.advertiserId, cursor.platform, cursor.category, cursor.contractId])).toString(
    'base64url',
  );

/** Undefined for anything this API did not hand out. */
export const decodePermissionCursor = (text: string): PermissionCursor | undefined => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 4 || !parsed.every((part) => typeof part === 'string')) {
      return undefined;
    }
    // Key columns as text: a control character (NUL above all) or a lone surrogate is no key's.
    if (parsed.some((part: string) => /[\p{Cc}\p{Cs}]/u.test(part))) return undefined;
    const [advertiserId, platform, category, contractId] = parsed as string[];
    return { advertiserId: advertiserId!, platform: platform!, category: category!, contractId: contractId! };
  } catch {
    return undefined;
  }
};

/** Permissions in key order, `limit` at a time after `cursor`. */
export const listLinkPermissions = async (
  pool: Pool,
  filters: LinkPermissionFilters,
  today: string,
  cursor: PermissionCursor | undefined,
  limit: number,
): Promise<AtPosition<Page<LinkPermission>>> => {
  const { rows } = await pool.query<{ position: string; rows: PermissionRecord[] }>(
    `SELECT ${CHECKPOINT} AS position,
       coalesce((SELECT jsonb_agg(${PERMISSION_JSON} ORDER BY p.advertiser_id, p.platform, p.category, p.contract_id)
       FROM (
         SELECT * FROM link_permissions p
         WHERE ($1::text IS NULL OR p.advertiser_id = $1)
           AND ($2::text IS NULL OR p.contract_id = $2)
           AND ($3::text IS NULL OR p.platform = $3)
           AND ($4::text IS NULL OR p.category = $4)
           AND ($5::boolean IS NULL OR ${ALLOWED_ON('$6::date')} = $5)
           AND ($7::text IS NULL OR (p.advertiser_id, p.platform, p.category, p.contract_id) > ($7, $8, $9, $10))
         ORDER BY p.advertiser_id, p.platform, p.category, p.contract_id LIMIT $11
       ) p), '[]'::jsonb) AS rows`,
    [
      filters.advertiserId ?? null,
      filters.contractId ?? null,
      filters.platform ?? null,
      filters.category ?? null,
      filters.allowed ?? null,
      today,
      cursor?.advertiserId ?? null,
      cursor?.platform ?? null,
      cursor?.category ?? null,
      cursor?.contractId ?? null,
      limit + 1,
    ],
  );
  const { position, rows: records } = rows[0]!;
  const items = records.slice(0, limit).map((record) => viewOf(record, today));
  const last = items[items.length - 1];
  return {
    position,
    value: { items, nextCursor: records.length > limit && last ? encodePermissionCursor(last) : null },
  };
};

/** Reasons only the check gives: no contract covers the pair, or the URL's host is not allowed. */
export type CheckReason = DenyReason | 'NO_CONTRACT' | 'URL_NOT_ALLOWED';

export interface LinkCheck {
  readonly allowed: boolean;
  /** Empty when allowed; otherwise every reason any covering contract gives, plus the URL's. */
  readonly reasons: readonly CheckReason[];
  /** Why the URL was refused, in words. */
  readonly urlProblem: string | null;
  /** The contract that allows the link (the one valid longest when several do). */
  readonly contractId: string | null;
  readonly validUntil: string | null;
  readonly adLabelRequired: boolean;
  readonly regulated: boolean;
  readonly licenceRef: string | null;
  /** Each covering contract's own answer. */
  readonly contracts: readonly { contractId: string; allowed: boolean; reasons: readonly DenyReason[] }[];
}

/*
 * The check is on ad serving's hot path: a named statement (planned once per connection) over the
 * primary key, plain columns instead of JSON, dates as text (pg would make local-midnight Dates),
 * and the checkpoint from the same snapshot. It always returns a row: nulls when nothing covers it.
 */
const CHECK_SQL = `
  SELECT cp.checkpoint, p.advertiser_id, p.contract_id, p.platform, p.category, p.allowed, p.reasons,
    p.allowed_domains, p.valid_from::text AS valid_from, p.valid_until::text AS valid_until,
    p.contract_ends_on::text AS contract_ends_on, p.category_valid_until::text AS category_valid_until,
    p.ad_label_required, p.regulated, p.licence_ref, p.source_position::text AS source_position
  FROM (SELECT ${CHECKPOINT} AS checkpoint) cp
  LEFT JOIN link_permissions p ON p.advertiser_id = $1 AND p.platform = $2 AND p.category = $3
  ORDER BY p.contract_id`;

export interface LinkCheckKey {
  readonly advertiserId: string;
  readonly platform: string;
  readonly category: string;
}

export interface LinkCheckQuestion extends LinkCheckKey {
  readonly url: string;
}

/** The permission rows covering one key, and the checkpoint they are current at (one snapshot). */
export interface CoveringPermissions {
  readonly position: string;
  readonly records: readonly PermissionRecord[];
}

export const coveringPermissions = async (pool: Pool, key: LinkCheckKey): Promise<CoveringPermissions> => {
  const { rows } = await pool.query<PermissionRecord & { checkpoint: string }>({
    name: 'link_permission_check',
    text: CHECK_SQL,
    values: [key.advertiserId, key.platform, key.category],
  });
  const position = rows[0]!.checkpoint;
  const records = rows[0]!.contract_id === null ? [] : rows.map(({ checkpoint: _, ...record }) => record);
  return { position, records };
};

/**
 * May `advertiserId` link to `url` on `platform` for `category` today? Allowed when one of the
 * advertiser's contracts allows that platform and category today and the URL is one the platform's
 * allowed domains accept (linkTargetAllowed, the same rule campaign decisions use).
 */
export const checkLinkPermission = async (
  pool: Pool,
  question: LinkCheckQuestion,
  today: string,
): Promise<AtPosition<LinkCheck>> => answerLinkCheck(await coveringPermissions(pool, question), question, today);

export const answerLinkCheck = (
  { position, records }: CoveringPermissions,
  question: LinkCheckQuestion,
  today: string,
): AtPosition<LinkCheck> => {
  const views = records.map((record) => viewOf(record, today));
  const contracts = views.map(({ contractId, allowed, reasons }) => ({ contractId, allowed, reasons }));
  if (views.length === 0) {
    return {
      position,
      value: {
        allowed: false,
        reasons: ['NO_CONTRACT'],
        urlProblem: null,
        contractId: null,
        validUntil: null,
        adLabelRequired: true,
        regulated: false,
        licenceRef: null,
        contracts,
      },
    };
  }
  // Every row of one platform carries the same domains: the platform's.
  const url = rememberedLinkTarget(question.url, views[0]!.allowedDomains);
  const allowing = views
    .filter((view) => view.allowed)
    .sort((a, b) => (a.validUntil < b.validUntil ? 1 : a.validUntil > b.validUntil ? -1 : 0))[0];
  const allowed = allowing !== undefined && url.allowed;
  const reasons: CheckReason[] = allowed
    ? []
    : [
        ...(allowing === undefined ? [...new Set(views.flatMap((view) => view.reasons))] : []),
        ...(url.allowed ? [] : ['URL_NOT_ALLOWED' as const]),
      ];
  const chosen = allowing ?? views[0]!;
  return {
    position,
    value: {
      allowed,
      reasons: orderedCheckReasons(reasons),
      urlProblem: url.allowed ? null : (url.reason ?? null),
      contractId: allowed ? chosen.contractId : null,
      validUntil: allowed ? chosen.validUntil : null,
      adLabelRequired: true,
      regulated: chosen.regulated,
      licenceRef: chosen.licenceRef,
      contracts,
    },
  };
};

const CHECK_ORDER: readonly CheckReason[] = ['NO_CONTRACT', ...DENY_REASONS, 'URL_NOT_ALLOWED'];

const orderedCheckReasons = (reasons: readonly CheckReason[]): CheckReason[] =>
  CHECK_ORDER.filter((reason) => reasons.includes(reason));
