import type { Pool } from 'pg';
import type { CampaignStatus, ContractStatus, KaTier, SalesChannel } from '#domain';
import type { AtPosition, Page } from '../ka-clients/ka-clients.queries';
import type { Verification } from '../ka-clients/ka-client';
import { containsPattern, searchText } from './search-text';
import { WORK_LISTS } from './work-lists.projection';

/*
 * Keyset pagination: each list has one total order ending in its key, and the cursor carries the
 * sort values of the last item handed out, so a page never repeats or skips a row that stays put,
 * whatever is inserted meanwhile. Cursors are opaque to clients (base64url of those values).
 */

export const encodeCursor = (values: readonly string[]): string =>
  Buffer.from(JSON.stringify(values)).toString('base64url');

/**
 * How a cursor spells each sort value: a key column as text, or an instant as whole microseconds
 * since the epoch (exact, and nothing a client sends can make PostgreSQL's cast fail).
 */
export type CursorPart = 'text' | 'micros';

const CURSOR_PARTS: Record<CursorPart, { readonly pattern: RegExp; readonly sql: (param: string) => string }> = {
  text: { pattern: /^[^\p{Cc}\p{Cs}]{0,1000}$/u, sql: (param) => `${param}::text` },
  micros: {
    pattern: /^(0|[1-9][0-9]{0,15})$/,
    sql: (param) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`,
  },
};

/** A list ordered by its key alone. */
export const KEY_CURSOR: readonly CursorPart[] = ['text'];
/** The inboxes: oldest first, then kind and subject. */
export const INBOX_CURSOR: readonly CursorPart[] = ['micros', 'text', 'text'];

/** The values of a cursor this API handed out with these parts; undefined for anything else. */
export const decodeCursor = (text: string, parts: readonly CursorPart[]): string[] | undefined => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      !Array.isArray(parsed) ||
      parsed.length !== parts.length ||
      !parsed.every((value, index) => typeof value === 'string' && CURSOR_PARTS[parts[index]!].pattern.test(value))
    ) {
      return undefined;
    }
    return parsed as string[];
  } catch {
    return undefined;
  }
};

const CHECKPOINT = `coalesce((SELECT position::text FROM projection_checkpoints WHERE name = '${WORK_LISTS}'), '0')`;

/** Builds a WHERE clause from the filters present, numbering parameters as it goes. */
class Where {
  readonly params: unknown[] = [];
  private readonly clauses: string[] = [];

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(clause: string | undefined): void {
    if (clause !== undefined) this.clauses.push(clause);
  }

  when<T>(value: T | undefined, clause: (param: string) => string): void {
    if (value !== undefined) this.clauses.push(clause(this.param(value)));
  }

  toString(): string {
    return this.clauses.length === 0 ? 'TRUE' : this.clauses.join(' AND ');
  }
}

/** The page and the checkpoint from one statement, so the position tells what the page is current up to. */
const pageOf = async <R extends Record<string, unknown>, T>(
  pool: Pool,
  from: string,
  where: Where,
  order: readonly string[],
  cursor: readonly string[] | undefined,
  cursorParts: readonly CursorPart[],
  limit: number,
  item: (row: R) => T,
  cursorOf: (row: R) => string[],
): Promise<AtPosition<Page<T>>> => {
  if (cursor !== undefined) {
    const values = cursor.map((value, index) => CURSOR_PARTS[cursorParts[index]!].sql(where.param(value)));
    where.add(`(${order.join(', ')}) > (${values.join(', ')})`);
  }
  const limitParam = where.param(limit + 1);
  const { rows } = await pool.query<{ position: string; rows: R[] }>(
    `SELECT ${CHECKPOINT} AS position,
       coalesce((SELECT jsonb_agg(to_jsonb(t) ORDER BY ${order.map((_, i) => `t.o${i}`).join(', ')}) FROM (
         SELECT ${order.map((column, i) => `${column} AS o${i}`).join(', ')}, ${from}
         WHERE ${where.toString()}
         ORDER BY ${order.join(', ')} LIMIT ${limitParam}
       ) t), '[]'::jsonb) AS rows`,
    where.params,
  );
  const { position, rows: records } = rows[0]!;
  const kept = records.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    position,
    value: {
      items: kept.map(item),
      nextCursor: records.length > limit && last ? encodeCursor(cursorOf(last)) : null,
    },
  };
};

/** What role scoping imposes: a salesperson without a wider role sees only their own clients' rows. */
export interface ListScope {
  readonly salesOwnerId?: string;
}

const scoped = (where: Where, alias: string, scope: ListScope): void =>
  where.when(scope.salesOwnerId, (p) => `${alias}.sales_owner_id = ${p}`);

// ---------------------------------------------------------------- contracts

export interface ContractFilters {
  readonly status?: Exclude<ContractStatus, 'None'>;
  readonly advertiserId?: string;
  readonly salesOwnerId?: string;
  readonly channel?: SalesChannel;
  readonly platform?: string;
  readonly category?: string;
  readonly currency?: string;
  /** Inclusive bounds on the total value, in minor units (decimal strings). */
  readonly minValueMinor?: string;
  readonly maxValueMinor?: string;
  /** End date from `today` through `today` + N days. */
  readonly endingWithinDays?: number;
}

export interface ContractListItem {
  readonly contractId: string;
  readonly advertiserId: string;
  readonly salesOwnerId: string;
  readonly channel: SalesChannel;
  readonly status: Exclude<ContractStatus, 'None'>;
  readonly currency: string;
  readonly totalValueMinor: string;
  readonly startsOn: string;
  readonly endsOn: string;
  readonly categories: string[];
  readonly platforms: string[];
  readonly pendingAmendmentVersion: number | null;
  readonly updatedAt: string;
  readonly position: string;
}

interface ContractRecord extends Record<string, unknown> {
  contract_id: string;
  advertiser_id: string;
  sales_owner_id: string;
  channel: SalesChannel;
  status: ContractListItem['status'];
  currency: string;
  total_value_minor: string;
  starts_on: string;
  ends_on: string;
  categories: string[];
  platforms: string[];
  amendment_version: number | null;
  updated_at: string;
  position: string;
}

const iso = (value: string): string => new Date(value).toISOString();

/** Contracts in id order. `today` is the caller's calendar date (UTC) for endingWithinDays. */
export const listContracts = (
  pool: Pool,
  filters: ContractFilters,
  scope: ListScope,
  today: string,
  cursor: readonly string[] | undefined,
  limit: number,
): Promise<AtPosition<Page<ContractListItem>>> => {
  const where = new Where();
  scoped(where, 'k', scope);
  where.when(filters.status, (p) => `k.status = ${p}`);
  where.when(filters.advertiserId, (p) => `k.advertiser_id = ${p}`);
  where.when(filters.salesOwnerId, (p) => `k.sales_owner_id = ${p}`);
  where.when(filters.channel, (p) => `k.channel = ${p}`);
  where.when(filters.platform, (p) => `${p} = ANY(k.platforms)`);
  where.when(filters.category, (p) => `${p} = ANY(k.categories)`);
  where.when(filters.currency, (p) => `k.currency = ${p}`);
  where.when(filters.minValueMinor, (p) => `k.total_value_minor >= ${p}::numeric`);
  where.when(filters.maxValueMinor, (p) => `k.total_value_minor <= ${p}::numeric`);
  if (filters.endingWithinDays !== undefined) {
    const from = where.param(today);
    where.add(`k.ends_on BETWEEN ${from}::date AND ${from}::date + ${where.param(filters.endingWithinDays)}::integer`);
  }
  return pageOf<ContractRecord, ContractListItem>(
    pool,
    `k.contract_id, k.advertiser_id, k.sales_owner_id, k.channel, k.status, k.currency, k.total_value_minor::text,
       k.starts_on, k.ends_on, k.categories, k.platforms, k.amendment_version, k.updated_at, k.position::text
     FROM work_contracts k`,
    where,
    ['k.contract_id'],
    cursor,
    KEY_CURSOR,
    limit,
    (row) => ({
      contractId: row.contract_id,
      advertiserId: row.advertiser_id,
      salesOwnerId: row.sales_owner_id,
      channel: row.channel,
      status: row.status,
      currency: row.currency,
      totalValueMinor: row.total_value_minor,
      startsOn: row.starts_on,
      endsOn: row.ends_on,
      categories: row.categories,
      platforms: row.platforms,
      pendingAmendmentVersion: row.amendment_version,
      updatedAt: iso(row.updated_at),
      position: row.position,
    }),
    (row) => [row.contract_id],
  );
};

// ---------------------------------------------------------------- campaigns

export interface CampaignFilters {
  readonly contractId?: string;
  readonly advertiserId?: string;
  readonly status?: CampaignStatus;
  readonly platform?: string;
}

export interface CampaignListItem {
  readonly campaignId: string;
  readonly contractId: string;
  readonly advertiserId: string;
  readonly salesOwnerId: string;
  readonly status: CampaignStatus;
  readonly category: string;
  readonly platform: string | null;
  readonly budgetMinor: string;
  readonly spentMinor: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly updatedAt: string;
  readonly position: string;
}

interface CampaignRecord extends Record<string, unknown> {
  campaign_id: string;
  contract_id: string;
  advertiser_id: string;
  sales_owner_id: string;
  status: CampaignStatus;
  category: string;
  platform: string | null;
  budget_minor: string;
  spent_minor: string;
  starts_at: string;
  ends_at: string;
  updated_at: string;
  position: string;
}

export const listCampaigns = (
  pool: Pool,
  filters: CampaignFilters,
  scope: ListScope,
  cursor: readonly string[] | undefined,
  limit: number,
): Promise<AtPosition<Page<CampaignListItem>>> => {
  const where = new Where();
  scoped(where, 'c', scope);
  where.when(filters.contractId, (p) => `c.contract_id = ${p}`);
  where.when(filters.advertiserId, (p) => `c.advertiser_id = ${p}`);
  where.when(filters.status, (p) => `c.status = ${p}`);
  where.when(filters.platform, (p) => `c.platform = ${p}`);
  return pageOf<CampaignRecord, CampaignListItem>(
    pool,
    `c.campaign_id, c.contract_id, c.advertiser_id, c.sales_owner_id, c.status, c.category, c.platform,
       c.budget_minor::text, c.spent_minor::text, c.starts_at, c.ends_at, c.updated_at, c.position::text
     FROM work_campaigns c`,
    where,
    ['c.campaign_id'],
    cursor,
    KEY_CURSOR,
    limit,
    (row) => ({
      campaignId: row.campaign_id,
      contractId: row.contract_id,
      advertiserId: row.advertiser_id,
      salesOwnerId: row.sales_owner_id,
      status: row.status,
      category: row.category,
      platform: row.platform,
      budgetMinor: row.budget_minor,
      spentMinor: row.spent_minor,
      startsAt: iso(row.starts_at),
      endsAt: iso(row.ends_at),
      updatedAt: iso(row.updated_at),
      position: row.position,
    }),
    (row) => [row.campaign_id],
  );
};

// ---------------------------------------------------------------- advertisers

export interface AdvertiserFilters {
  readonly kaTier?: KaTier;
  readonly verification?: Verification;
  readonly salesOwnerId?: string;
  /** Part of the legal name or the registration number, in any case or width. */
  readonly q?: string;
}

export interface AdvertiserListItem {
  readonly advertiserId: string;
  readonly legalName: string;
  readonly registrationNumber: string;
  readonly kaTier: KaTier;
  readonly salesOwnerId: string;
  readonly verification: Verification;
  readonly suspended: boolean;
  readonly registeredAt: string;
  readonly position: string;
}

interface AdvertiserRecord extends Record<string, unknown> {
  advertiser_id: string;
  legal_name: string;
  registration_number: string;
  ka_tier: KaTier;
  sales_owner_id: string;
  verification: Verification;
  suspended: boolean;
  registered_at: string;
  position: string;
}

export const listAdvertisers = (
  pool: Pool,
  filters: AdvertiserFilters,
  scope: ListScope,
  cursor: readonly string[] | undefined,
  limit: number,
): Promise<AtPosition<Page<AdvertiserListItem>>> => {
  const where = new Where();
  scoped(where, 'a', scope);
  where.when(filters.kaTier, (p) => `a.ka_tier = ${p}`);
  where.when(filters.verification, (p) => `a.verification = ${p}`);
  where.when(filters.salesOwnerId, (p) => `a.sales_owner_id = ${p}`);
  const term = filters.q === undefined ? '' : searchText(filters.q);
  if (term !== '') where.add(`a.search_text LIKE ${where.param(containsPattern(term))}`);
  return pageOf<AdvertiserRecord, AdvertiserListItem>(
    pool,
    `a.advertiser_id, a.legal_name, a.registration_number, a.ka_tier, a.sales_owner_id, a.verification,
       a.suspended, a.registered_at, a.position::text FROM work_advertisers a`,
    where,
    ['a.advertiser_id'],
    cursor,
    KEY_CURSOR,
    limit,
    (row) => ({
      advertiserId: row.advertiser_id,
      legalName: row.legal_name,
      registrationNumber: row.registration_number,
      kaTier: row.ka_tier,
      salesOwnerId: row.sales_owner_id,
      verification: row.verification,
      suspended: row.suspended,
      registeredAt: iso(row.registered_at),
      position: row.position,
    }),
    (row) => [row.advertiser_id],
  );
};

// ---------------------------------------------------------------- inboxes

export type InboxKind = 'contract' | 'amendment' | 'categoryApproval' | 'campaign';

export interface InboxItem {
  readonly kind: InboxKind;
  /** The contract, campaign, or `<advertiserId>_<category>` for a category approval. */
  readonly subjectId: string;
  readonly advertiserId: string;
  readonly contractId: string | null;
  readonly campaignId: string | null;
  readonly category: string | null;
  /** The amendment's version; null for other kinds. */
  readonly version: number | null;
  /** Who asked for the decision (the submitter or proposer). */
  readonly requestedBy: string;
  readonly waitingSince: string;
  /** Whole seconds from waitingSince to the time of the query. */
  readonly ageSeconds: number;
}

interface InboxRecord extends Record<string, unknown> {
  kind: InboxKind;
  subject_id: string;
  advertiser_id: string;
  contract_id: string | null;
  campaign_id: string | null;
  category: string | null;
  version: number | null;
  requested_by: string;
  since: string;
  since_micros: string;
}

const inbox = (
  pool: Pool,
  branches: (where: Where) => string,
  now: Date,
  cursor: readonly string[] | undefined,
  limit: number,
): Promise<AtPosition<Page<InboxItem>>> => {
  const where = new Where();
  const union = branches(where);
  return pageOf<InboxRecord, InboxItem>(
    pool,
    `i.*, (extract(epoch FROM i.since) * 1000000)::bigint::text AS since_micros FROM (${union}) i`,
    where,
    ['i.since', 'i.kind', 'i.subject_id'],
    cursor,
    INBOX_CURSOR,
    limit,
    (row) => ({
      kind: row.kind,
      subjectId: row.subject_id,
      advertiserId: row.advertiser_id,
      contractId: row.contract_id,
      campaignId: row.campaign_id,
      category: row.category,
      version: row.version,
      requestedBy: row.requested_by,
      waitingSince: iso(row.since),
      ageSeconds: Math.max(0, Math.floor((now.getTime() - new Date(row.since).getTime()) / 1000)),
    }),
    (row) => [row.since_micros, row.kind, row.subject_id],
  );
};

/**
 * Submitted contracts and proposed amendments, oldest first, without those `userId` may not decide
 * by four eyes: contracts they drafted, revised or submitted, amendments they proposed.
 */
export const dealApprovalInbox = (
  pool: Pool,
  userId: string,
  now: Date,
  cursor: readonly string[] | undefined,
  limit: number,
): Promise<AtPosition<Page<InboxItem>>> =>
  inbox(
    pool,
    (where) => {
      const me = where.param(userId);
      return `SELECT 'contract'::text AS kind, k.contract_id AS subject_id, k.advertiser_id, k.contract_id,
            NULL::text AS campaign_id, NULL::text AS category, NULL::integer AS version,
            k.submitted_by AS requested_by, k.submitted_at AS since
          FROM work_contracts k WHERE k.status = 'Submitted' AND NOT (${me} = ANY(k.authors))
        UNION ALL
        SELECT 'amendment', k.contract_id, k.advertiser_id, k.contract_id, NULL, NULL, k.amendment_version,
            k.amendment_proposed_by, k.amendment_proposed_at
          FROM work_contracts k WHERE k.amendment_version IS NOT NULL AND k.amendment_proposed_by <> ${me}`;
    },
    now,
    cursor,
    limit,
  );

/**
 * Requested category approvals and submitted campaigns, oldest first, without those `userId`
 * requested, created or submitted (four eyes).
 */
export const complianceInbox = (
  pool: Pool,
  userId: string,
  now: Date,
  cursor: readonly string[] | undefined,
  limit: number,
): Promise<AtPosition<Page<InboxItem>>> =>
  inbox(
    pool,
    (where) => {
      const me = where.param(userId);
      return `SELECT 'categoryApproval'::text AS kind, p.advertiser_id || '_' || p.category AS subject_id,
            p.advertiser_id, NULL::text AS contract_id, NULL::text AS campaign_id, p.category,
            NULL::integer AS version, p.requested_by, p.requested_at AS since
          FROM work_category_approvals p WHERE p.status = 'Requested' AND p.requested_by <> ${me}
        UNION ALL
        SELECT 'campaign', c.campaign_id, c.advertiser_id, c.contract_id, c.campaign_id, c.category, NULL,
            c.submitted_by, c.submitted_at
          FROM work_campaigns c
          WHERE c.status = 'Submitted' AND c.created_by <> ${me} AND c.submitted_by IS DISTINCT FROM ${me}`;
    },
    now,
    cursor,
    limit,
  );
