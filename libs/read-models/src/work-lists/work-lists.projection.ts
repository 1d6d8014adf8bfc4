import type { ClientBase } from 'pg';
import type { Migration, RecordedEvent } from '#event-store';
import { interestOf, projected, type DomainEvent } from '../engine/domain-events';
import { LruCache, WorkingSet } from '../engine/cache';
import type { BatchApplier, Projection } from '../engine/projection';
import {
  applyWorkEvent,
  handlesWorkEvent,
  workKeysOf,
  WORK_LISTS_HANDLED,
  WORK_LISTS_IGNORED,
  type AdvertiserListRow,
  type CampaignListRow,
  type CategoryApprovalListRow,
  type ContractListRow,
  type WorkEvent,
  type WorkRows,
} from './work-lists';

export const WORK_LISTS = 'work_lists';

/*
 * One projection for the lists, searches and inboxes: they share the advertiser's sales owner and
 * are small rows, so one runner keeps them consistent with each other at one checkpoint. Amounts
 * are numeric so value ranges compare as numbers. The trigram index makes substring search on
 * search_text indexable where pg_trgm can be installed; without it the same query scans.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'contract, campaign, advertiser and category-approval lists',
    sql: `
      CREATE TABLE work_advertisers (
        advertiser_id text PRIMARY KEY,
        legal_name text NOT NULL,
        registration_number text NOT NULL,
        search_text text NOT NULL,
        ka_tier text NOT NULL,
        sales_owner_id text NOT NULL,
        verification text NOT NULL,
        suspended boolean NOT NULL,
        registered_at timestamptz NOT NULL,
        position numeric(40,0) NOT NULL
      );
      CREATE INDEX ON work_advertisers (ka_tier, advertiser_id);
      CREATE INDEX ON work_advertisers (verification, advertiser_id);
      CREATE INDEX ON work_advertisers (sales_owner_id, advertiser_id);
      CREATE TABLE work_contracts (
        contract_id text PRIMARY KEY,
        advertiser_id text NOT NULL,
        sales_owner_id text NOT NULL,
        channel text NOT NULL,
        status text NOT NULL,
        currency text NOT NULL,
        total_value_minor numeric NOT NULL,
        starts_on date NOT NULL,
        ends_on date NOT NULL,
        categories text[] NOT NULL,
        platforms text[] NOT NULL,
        authors text[] NOT NULL,
        submitted_by text,
        submitted_at timestamptz,
        amendment_version integer,
        amendment_proposed_by text,
        amendment_proposed_at timestamptz,
        updated_at timestamptz NOT NULL,
        position numeric(40,0) NOT NULL
      );
      CREATE INDEX ON work_contracts (advertiser_id, contract_id);
      CREATE INDEX ON work_contracts (sales_owner_id, contract_id);
      CREATE INDEX ON work_contracts (status, ends_on);
      CREATE INDEX ON work_contracts USING gin (platforms);
      CREATE INDEX ON work_contracts USING gin (categories);
      CREATE INDEX ON work_contracts (submitted_at, contract_id) WHERE status = 'Submitted';
      CREATE INDEX ON work_contracts (amendment_proposed_at, contract_id) WHERE amendment_version IS NOT NULL;
      CREATE TABLE work_campaigns (
        campaign_id text PRIMARY KEY,
        contract_id text NOT NULL,
        advertiser_id text NOT NULL,
        sales_owner_id text NOT NULL,
        status text NOT NULL,
        category text NOT NULL,
        platform text,
        link_url text,
        budget_minor numeric NOT NULL,
        spent_minor numeric NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        created_by text NOT NULL,
        submitted_by text,
        submitted_at timestamptz,
        updated_at timestamptz NOT NULL,
        position numeric(40,0) NOT NULL
      );
      CREATE INDEX ON work_campaigns (contract_id, campaign_id);
      CREATE INDEX ON work_campaigns (advertiser_id, campaign_id);
      CREATE INDEX ON work_campaigns (status, campaign_id);
      CREATE INDEX ON work_campaigns (submitted_at, campaign_id) WHERE status = 'Submitted';
      CREATE TABLE work_category_approvals (
        advertiser_id text NOT NULL,
        category text NOT NULL,
        status text NOT NULL,
        licence_ref text NOT NULL,
        valid_until date NOT NULL,
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL,
        position numeric(40,0) NOT NULL,
        PRIMARY KEY (advertiser_id, category)
      );
      CREATE INDEX ON work_category_approvals (requested_at, advertiser_id, category) WHERE status = 'Requested';
      DO $$
      BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX work_advertisers_search_trgm ON work_advertisers USING gin (search_text gin_trgm_ops);
      EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm unavailable (%): advertiser search scans', SQLERRM;
      END $$;
    `,
  },
  {
    version: 2,
    name: 'campaigns by position, for the serving answers kept in memory',
    sql: `CREATE INDEX ON work_campaigns (position);`,
  },
];

const approvalKey = (advertiserId: string, category: string): string => `${advertiserId}|${category}`;

// The rows of the clients active at once; older ones are read again when an event names them.
const CACHE = 20_000;

const workEventOf = (event: RecordedEvent): WorkEvent => {
  const actor = event.metadata.actor as { userId?: unknown } | undefined;
  return { ...projected(event), actor: typeof actor?.userId === 'string' ? actor.userId : 'unknown' };
};

/** Load what the batch names (cache, then one query), fold in memory, return what changed. */
const workListsApplier = (): BatchApplier => {
  const caches = {
    advertisers: new LruCache<AdvertiserListRow | null>(CACHE),
    contracts: new LruCache<ContractListRow | null>(CACHE),
    campaigns: new LruCache<CampaignListRow | null>(CACHE),
    approvals: new LruCache<CategoryApprovalListRow | null>(CACHE),
  };
  return async (client, recorded) => {
    const events = recorded.filter(handlesWorkEvent).map(workEventOf);
    if (events.length === 0) return [];
    const sets = {
      advertisers: new WorkingSet(caches.advertisers),
      contracts: new WorkingSet(caches.contracts),
      campaigns: new WorkingSet(caches.campaigns),
      approvals: new WorkingSet(caches.approvals),
    };
    const keys = events.map((event) => workKeysOf(event as DomainEvent));
    await load(client, sets, {
      advertisers: keys.flatMap((key) => (key.advertiserId ? [key.advertiserId] : [])),
      contracts: keys.flatMap((key) => (key.contractId ? [key.contractId] : [])),
      campaigns: keys.flatMap((key) => (key.campaignId ? [key.campaignId] : [])),
      approvals: keys.flatMap((key) => (key.approval ? [key.approval] : [])),
    });
    const dirty = {
      advertisers: new Map<string, AdvertiserListRow>(),
      contracts: new Map<string, ContractListRow>(),
      campaigns: new Map<string, CampaignListRow>(),
      approvals: new Map<string, CategoryApprovalListRow>(),
    };
    const rows: WorkRows = {
      advertiser: (id) => sets.advertisers.get(id),
      contract: (id) => sets.contracts.get(id),
      campaign: (id) => sets.campaigns.get(id),
      approval: (advertiserId, category) => sets.approvals.get(approvalKey(advertiserId, category)),
      setAdvertiser: (row) => {
        sets.advertisers.set(row.advertiser_id, row);
        dirty.advertisers.set(row.advertiser_id, row);
      },
      setContract: (row) => {
        sets.contracts.set(row.contract_id, row);
        dirty.contracts.set(row.contract_id, row);
      },
      setCampaign: (row) => {
        sets.campaigns.set(row.campaign_id, row);
        dirty.campaigns.set(row.campaign_id, row);
      },
      setApproval: (row) => {
        const key = approvalKey(row.advertiser_id, row.category);
        sets.approvals.set(key, row);
        dirty.approvals.set(key, row);
      },
    };
    for (const event of events) applyWorkEvent(rows, event);
    const records = <T>(map: Map<string, T>) => [...map.values()] as unknown as Record<string, unknown>[];
    for (const set of Object.values(sets)) set.keep();
    return [
      { table: 'work_advertisers', key: ['advertiser_id'], rows: records(dirty.advertisers) },
      { table: 'work_contracts', key: ['contract_id'], rows: records(dirty.contracts) },
      { table: 'work_campaigns', key: ['campaign_id'], rows: records(dirty.campaigns) },
      { table: 'work_category_approvals', key: ['advertiser_id', 'category'], rows: records(dirty.approvals) },
    ];
  };
};

interface Sets {
  readonly advertisers: WorkingSet<AdvertiserListRow>;
  readonly contracts: WorkingSet<ContractListRow>;
  readonly campaigns: WorkingSet<CampaignListRow>;
  readonly approvals: WorkingSet<CategoryApprovalListRow>;
}

// jsonb would hand numeric columns to JSON.parse as doubles and lose digits: they travel as text.
const ROW = (alias: string, ...numeric: string[]) =>
  `to_jsonb(${alias}) || jsonb_build_object(${['position', ...numeric].map((c) => `'${c}', ${alias}.${c}::text`).join(', ')})`;

const load = async (
  client: ClientBase,
  sets: Sets,
  wanted: {
    advertisers: string[];
    contracts: string[];
    campaigns: string[];
    approvals: (readonly [string, string])[];
  },
): Promise<void> => {
  const advertisers = sets.advertisers.unknown(wanted.advertisers);
  const contracts = sets.contracts.unknown(wanted.contracts);
  const campaigns = sets.campaigns.unknown(wanted.campaigns);
  const subjects = new Map(wanted.approvals.map(([a, c]) => [approvalKey(a, c), [a, c] as const]));
  const approvals = sets.approvals.unknown(subjects.keys()).map((key) => subjects.get(key)!);
  if (advertisers.length + contracts.length + campaigns.length + approvals.length === 0) return;
  const { rows } = await client.query<{ kind: string; row: Record<string, unknown> }>(
    `SELECT 'advertiser' AS kind, ${ROW('a')} AS row FROM work_advertisers a WHERE a.advertiser_id = ANY($1::text[])
     UNION ALL SELECT 'contract', ${ROW('k', 'total_value_minor')} FROM work_contracts k WHERE k.contract_id = ANY($2::text[])
     UNION ALL SELECT 'campaign', ${ROW('c', 'budget_minor', 'spent_minor')} FROM work_campaigns c WHERE c.campaign_id = ANY($3::text[])
     UNION ALL SELECT 'approval', ${ROW('p')} FROM work_category_approvals p
       JOIN unnest($4::text[], $5::text[]) AS w(advertiser_id, category)
       ON p.advertiser_id = w.advertiser_id AND p.category = w.category`,
    [advertisers, contracts, campaigns, approvals.map(([a]) => a), approvals.map(([, c]) => c)],
  );
  for (const id of advertisers) sets.advertisers.set(id, undefined);
  for (const id of contracts) sets.contracts.set(id, undefined);
  for (const id of campaigns) sets.campaigns.set(id, undefined);
  for (const [a, c] of approvals) sets.approvals.set(approvalKey(a, c), undefined);
  for (const { kind, row } of rows) {
    if (kind === 'advertiser') {
      const advertiser = row as unknown as AdvertiserListRow;
      sets.advertisers.set(advertiser.advertiser_id, advertiser);
    } else if (kind === 'contract') {
      const contract = row as unknown as ContractListRow;
      sets.contracts.set(contract.contract_id, contract);
    } else if (kind === 'campaign') {
      const campaign = row as unknown as CampaignListRow;
      sets.campaigns.set(campaign.campaign_id, campaign);
    } else {
      const approval = row as unknown as CategoryApprovalListRow;
      sets.approvals.set(approvalKey(approval.advertiser_id, approval.category), approval);
    }
  }
};

export const workListsProjection: Projection = {
  name: WORK_LISTS,
  version: 1,
  component: 'read-model:work_lists',
  migrations: MIGRATIONS,
  events: interestOf(WORK_LISTS_HANDLED, WORK_LISTS_IGNORED),
  tables: [
    { name: 'work_advertisers', key: ['advertiser_id'] },
    { name: 'work_contracts', key: ['contract_id'] },
    { name: 'work_campaigns', key: ['campaign_id'] },
    { name: 'work_category_approvals', key: ['advertiser_id', 'category'] },
  ],
  applier: workListsApplier,
};
