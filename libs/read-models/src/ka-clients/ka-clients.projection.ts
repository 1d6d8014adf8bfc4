import type { ClientBase, QueryResultRow } from 'pg';
import type { CampaignStatus, DomainEventType, KaTier } from '#domain';
import type { Migration } from '#event-store';
import { projected, type ProjectedEvent } from '../engine/domain-events';
import { LruCache, WorkingSet } from '../engine/cache';
import type { BatchApplier, Projection } from '../engine/projection';
import type { RowWrite } from '../engine/rows';
import {
  KA_CLIENTS_EVENTS,
  applyKaClient,
  campaignIdOf,
  contractIdOf,
  routeOf,
  routeCreatedBy,
  type KaClient,
  type KaClientCampaign,
  type KaClientContract,
  type KaClientRoute,
  type KaClientRow,
  type Verification,
} from './ka-client';

export const KA_CLIENTS = 'ka_clients';

/*
 * Ids are text, not uuid: the projection must never stall on an id some writer spelled differently.
 * ka_client_routes maps the contracts and campaigns a later event names only by their own id to
 * the client whose row they live in.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ka_clients and routes',
    sql: `
      CREATE TABLE ka_clients (
        advertiser_id text PRIMARY KEY,
        legal_name text NOT NULL,
        registration_number text NOT NULL,
        ka_tier text NOT NULL,
        sales_owner_id text NOT NULL,
        verification text NOT NULL,
        verification_rejected_reason text,
        suspended boolean NOT NULL,
        suspension_reason text,
        categories jsonb NOT NULL,
        contracts jsonb NOT NULL,
        campaigns jsonb NOT NULL,
        campaign_counts jsonb NOT NULL,
        registered_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        position numeric(40,0) NOT NULL
      );
      CREATE INDEX ON ka_clients (ka_tier, advertiser_id);
      CREATE INDEX ON ka_clients (sales_owner_id, advertiser_id);
      CREATE TABLE ka_client_routes (
        kind text NOT NULL,
        id text NOT NULL,
        advertiser_id text NOT NULL,
        PRIMARY KEY (kind, id)
      );
    `,
  },
  {
    version: 2,
    name: 'ka_client_campaigns apart from the client row',
    // The version bump rebuilds the rows, so nothing is copied out of the dropped column.
    sql: `
      ALTER TABLE ka_clients DROP COLUMN campaigns;
      CREATE TABLE ka_client_campaigns (
        campaign_id text PRIMARY KEY,
        advertiser_id text NOT NULL,
        contract_id text NOT NULL,
        category text NOT NULL,
        status text NOT NULL,
        position numeric(40,0) NOT NULL
      );
      CREATE INDEX ON ka_client_campaigns (advertiser_id, campaign_id);
    `,
  },
  {
    version: 3,
    name: 'ka_client_contracts apart from the client row',
    // The version bump rebuilds the rows, so nothing is copied out of the dropped column.
    sql: `
      ALTER TABLE ka_clients DROP COLUMN contracts;
      CREATE TABLE ka_client_contracts (
        contract_id text PRIMARY KEY,
        advertiser_id text NOT NULL,
        contract jsonb NOT NULL,
        position numeric(40,0) NOT NULL
      );
      CREATE INDEX ON ka_client_contracts (advertiser_id, contract_id);
    `,
  },
];

export interface KaClientRecord {
  advertiser_id: string;
  legal_name: string;
  registration_number: string;
  ka_tier: KaTier;
  sales_owner_id: string;
  verification: Verification;
  verification_rejected_reason: string | null;
  suspended: boolean;
  suspension_reason: string | null;
  categories: KaClient['categories'];
  campaign_counts: KaClient['campaignCounts'];
  registered_at: Date | string;
  updated_at: Date | string;
  position: string;
}

const isoOf = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

export const kaClientRowOf = (record: KaClientRecord): KaClientRow => ({
  advertiserId: record.advertiser_id,
  legalName: record.legal_name,
  registrationNumber: record.registration_number,
  kaTier: record.ka_tier,
  salesOwnerId: record.sales_owner_id,
  verification: record.verification,
  verificationRejectedReason: record.verification_rejected_reason,
  suspended: record.suspended,
  suspensionReason: record.suspension_reason,
  categories: record.categories,
  campaignCounts: record.campaign_counts,
  registeredAt: isoOf(record.registered_at),
  updatedAt: isoOf(record.updated_at),
  position: String(record.position),
});

const recordOf = (row: KaClientRow): KaClientRecord => ({
  advertiser_id: row.advertiserId,
  legal_name: row.legalName,
  registration_number: row.registrationNumber,
  ka_tier: row.kaTier,
  sales_owner_id: row.salesOwnerId,
  verification: row.verification,
  verification_rejected_reason: row.verificationRejectedReason,
  suspended: row.suspended,
  suspension_reason: row.suspensionReason,
  categories: row.categories,
  campaign_counts: row.campaignCounts,
  registered_at: row.registeredAt,
  updated_at: row.updatedAt,
  position: row.position,
});

interface KaClientCampaignRecord {
  campaign_id: string;
  advertiser_id: string;
  contract_id: string;
  category: string;
  status: CampaignStatus;
  position: string;
}

const campaignOf = (record: KaClientCampaignRecord): KaClientCampaign => ({
  campaignId: record.campaign_id,
  advertiserId: record.advertiser_id,
  contractId: record.contract_id,
  category: record.category,
  status: record.status,
  position: String(record.position),
});

const campaignRecordOf = (campaign: KaClientCampaign): KaClientCampaignRecord => ({
  campaign_id: campaign.campaignId,
  advertiser_id: campaign.advertiserId,
  contract_id: campaign.contractId,
  category: campaign.category,
  status: campaign.status,
  position: campaign.position,
});

interface KaClientContractRecord {
  contract_id: string;
  advertiser_id: string;
  contract: KaClientContract;
  position: string;
}

const routeKey = (route: KaClientRoute): string => `${route.by}:${route.id}`;

// Enough for every client active at once and their contracts and campaigns; older ones are re-read.
const ROW_CACHE = 10_000;
const ROUTE_CACHE = 200_000;
const CAMPAIGN_CACHE = 200_000;
const CONTRACT_CACHE = 100_000;

/**
 * Load, fold, save per batch: the routes, rows, campaigns and contracts the batch touches come from
 * the cache or from one query each, the pure fold runs in memory, and what changed is written with
 * the runner's multi-row upserts.
 */
const kaClientsApplier = (): BatchApplier => {
  const rowCache = new LruCache<KaClientRow | null>(ROW_CACHE);
  const routeCache = new LruCache<string | null>(ROUTE_CACHE);
  const campaignCache = new LruCache<KaClientCampaign | null>(CAMPAIGN_CACHE);
  const contractCache = new LruCache<KaClientContract | null>(CONTRACT_CACHE);

  return async (client, recorded) => {
    const events = recorded.map(projected);
    const rows = new WorkingSet(rowCache);
    const routes = new WorkingSet(routeCache);
    const campaigns = new WorkingSet(campaignCache);
    const contracts = new WorkingSet(contractCache);
    const newRoutes: { kind: string; id: string; advertiser_id: string }[] = [];
    for (const event of events) {
      const route = routeCreatedBy(event);
      if (route === undefined || routes.get(routeKey(route)) !== undefined) continue;
      routes.set(routeKey(route), route.advertiserId);
      newRoutes.push({ kind: route.by, id: route.id, advertiser_id: route.advertiserId });
    }
    const indirect = new Map<string, KaClientRoute>();
    for (const event of events) {
      const route = routeOf(event);
      if (route !== undefined && route.by !== 'advertiser') indirect.set(routeKey(route), route);
    }
    const unknownRoutes = routes.unknown(indirect.keys()).map((key) => indirect.get(key)!);
    if (unknownRoutes.length > 0) {
      const { rows: found } = await client.query<{ kind: string; id: string; advertiser_id: string }>(
        `SELECT r.kind, r.id, r.advertiser_id FROM ka_client_routes r
         JOIN unnest($1::text[], $2::text[]) AS wanted(kind, id) ON r.kind = wanted.kind AND r.id = wanted.id`,
        [unknownRoutes.map((route) => route.by), unknownRoutes.map((route) => route.id)],
      );
      for (const route of unknownRoutes) routes.set(routeKey(route), undefined);
      for (const row of found) routes.set(`${row.kind}:${row.id}`, row.advertiser_id);
    }

    const advertiserOf = (event: ProjectedEvent): string | undefined => {
      const route = routeOf(event);
      if (route === undefined) return undefined;
      return route.by === 'advertiser' ? route.id : routes.get(routeKey(route));
    };
    const owners = events.map(advertiserOf);
    await readNamed(client, rows, events, owners, 'AdvertiserRegistered', {
      sql: 'SELECT * FROM ka_clients WHERE advertiser_id = ANY($1::text[])',
      entry: (record: KaClientRecord) => [record.advertiser_id, kaClientRowOf(record)],
    });
    const campaignIds = events.map(campaignIdOf);
    await readNamed(client, campaigns, events, campaignIds, 'CampaignCreated', {
      sql: 'SELECT * FROM ka_client_campaigns WHERE campaign_id = ANY($1::text[])',
      entry: (record: KaClientCampaignRecord) => [record.campaign_id, campaignOf(record)],
    });

    // Likewise the contracts: a spend report names its campaign's, known once the campaigns are.
    const createdWithContract = new Map(
      events.flatMap((event) =>
        event.type === 'CampaignCreated' ? [[event.data.campaignId, event.data.contractId] as const] : [],
      ),
    );
    const contractIds = events.map((event, index) => {
      const campaignId = campaignIds[index];
      const campaign = campaignId === undefined ? undefined : campaigns.get(campaignId);
      return (
        contractIdOf(event, campaign) ??
        (event.type === 'CampaignSpendReported' && campaignId !== undefined
          ? createdWithContract.get(campaignId)
          : undefined)
      );
    });
    await readNamed(client, contracts, events, contractIds, 'ContractDrafted', {
      sql: 'SELECT contract_id, contract FROM ka_client_contracts WHERE contract_id = ANY($1::text[])',
      entry: (record: KaClientContractRecord) => [record.contract_id, record.contract],
    });

    const dirty = new Map<string, KaClientRow>();
    const dirtyCampaigns = new Map<string, KaClientCampaign>();
    const dirtyContracts = new Map<string, KaClientContractRecord>();
    for (const [index, event] of events.entries()) {
      const id = owners[index];
      if (id === undefined) continue;
      const before = rows.get(id);
      const campaignId = campaignIds[index];
      const campaignBefore = campaignId === undefined ? undefined : campaigns.get(campaignId);
      const contractId = contractIds[index];
      const contractBefore = contractId === undefined ? undefined : contracts.get(contractId);
      const { row: after, campaign, contract } = applyKaClient(before, event, campaignBefore, contractBefore);
      if (after !== undefined && after !== before) {
        rows.set(id, after);
        dirty.set(id, after);
      }
      if (campaign !== undefined && campaign !== campaignBefore) {
        campaigns.set(campaign.campaignId, campaign);
        dirtyCampaigns.set(campaign.campaignId, campaign);
      }
      if (contract !== undefined && contract !== contractBefore) {
        contracts.set(contract.contractId, contract);
        dirtyContracts.set(contract.contractId, {
          contract_id: contract.contractId,
          advertiser_id: id,
          contract,
          position: event.position,
        });
      }
    }
    rows.keep();
    routes.keep();
    campaigns.keep();
    contracts.keep();
    return [
      { table: 'ka_client_routes', key: ['kind', 'id'], rows: newRoutes },
      {
        table: 'ka_clients',
        key: ['advertiser_id'],
        rows: [...dirty.values()].map((row) => recordOf(row) as unknown as Record<string, unknown>),
      },
      {
        table: 'ka_client_campaigns',
        key: ['campaign_id'],
        rows: [...dirtyCampaigns.values()].map(
          (campaign) => campaignRecordOf(campaign) as unknown as Record<string, unknown>,
        ),
      },
      {
        table: 'ka_client_contracts',
        key: ['contract_id'],
        rows: [...dirtyContracts.values()] as unknown as Record<string, unknown>[],
      },
    ] satisfies RowWrite[];
  };
};

/**
 * Reads into `known` what the batch names (`ids`, one per event, as its owner, campaign or
 * contract) and neither the batch nor the cache knows, except what an event here creates first
 * (`creating`: it needs no read); absent ones are remembered as such.
 */
const readNamed = async <R extends QueryResultRow, V>(
  client: ClientBase,
  known: WorkingSet<V>,
  events: readonly ProjectedEvent[],
  ids: readonly (string | undefined)[],
  creating: DomainEventType,
  read: { readonly sql: string; readonly entry: (record: R) => [id: string, value: V] },
): Promise<void> => {
  const createdHere = new Set<string>();
  const named = new Set<string>();
  ids.forEach((id, index) => {
    if (id === undefined || named.has(id)) return;
    named.add(id);
    if (events[index]!.type === creating) createdHere.add(id);
  });
  const unknown = known.unknown([...named].filter((id) => !createdHere.has(id)));
  if (unknown.length === 0) return;
  const { rows } = await client.query<R>(read.sql, [unknown]);
  for (const id of unknown) known.set(id, undefined);
  for (const record of rows) known.set(...read.entry(record));
};

export const kaClientsProjection: Projection = {
  name: KA_CLIENTS,
  // 2: contracts show billable and overdelivered spend apart. 3: campaigns in a table of their own.
  // 4: contracts in a table of their own.
  version: 4,
  component: 'read-model:ka_clients',
  migrations: MIGRATIONS,
  events: KA_CLIENTS_EVENTS,
  tables: [
    { name: 'ka_clients', key: ['advertiser_id'] },
    { name: 'ka_client_routes', key: ['kind', 'id'] },
    { name: 'ka_client_campaigns', key: ['campaign_id'] },
    { name: 'ka_client_contracts', key: ['contract_id'] },
  ],
  applier: kaClientsApplier,
};
