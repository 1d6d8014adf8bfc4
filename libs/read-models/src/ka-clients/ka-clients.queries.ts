import type { Pool } from 'pg';
import type { KaTier } from '#domain';
import type { KaClient } from './ka-client';
import { KA_CLIENTS, kaClientRowOf, type KaClientRecord } from './ka-clients.projection';

export interface KaClientFilters {
  readonly kaTier?: KaTier;
  readonly salesOwnerId?: string;
  readonly verified?: boolean;
  readonly suspended?: boolean;
}

/** A read with the projection's checkpoint from the same snapshot: what the rows are current up to. */
export interface AtPosition<T> {
  readonly position: string;
  readonly value: T;
}

export interface Page<T> {
  readonly items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

// jsonb would turn numeric(40,0) into a double and lose digits: positions travel as text. The
// contracts, rows of their own, come back as one object keyed by contract id.
const KA_CLIENT_JSON = `to_jsonb(k) - 'position' || jsonb_build_object('position', k.position::text,
  'contracts', coalesce((SELECT jsonb_object_agg(c.contract_id, c.contract) FROM ka_client_contracts c
    WHERE c.advertiser_id = k.advertiser_id), '{}'::jsonb))`;

type KaClientJson = KaClientRecord & { contracts: KaClient['contracts'] };

const kaClientOf = (record: KaClientJson): KaClient => ({ ...kaClientRowOf(record), contracts: record.contracts });
const CHECKPOINT = `coalesce((SELECT position::text FROM projection_checkpoints WHERE name = '${KA_CLIENTS}'), '0')`;

export const findKaClient = async (pool: Pool, advertiserId: string): Promise<AtPosition<KaClient | undefined>> => {
  const { rows } = await pool.query<{ position: string; row: KaClientJson | null }>(
    `SELECT ${CHECKPOINT} AS position,
       (SELECT ${KA_CLIENT_JSON} FROM ka_clients k WHERE k.advertiser_id = $1) AS row`,
    [advertiserId],
  );
  const { position, row } = rows[0]!;
  return { position, value: row === null ? undefined : kaClientOf(row) };
};

/** Clients in advertiser-id order, `limit` at a time after `cursor` (the last id of the previous page). */
export const listKaClients = async (
  pool: Pool,
  filters: KaClientFilters,
  cursor: string | undefined,
  limit: number,
): Promise<AtPosition<Page<KaClient>>> => {
  const { rows } = await pool.query<{ position: string; rows: KaClientJson[] }>(
    `SELECT ${CHECKPOINT} AS position,
       coalesce((SELECT jsonb_agg(${KA_CLIENT_JSON} ORDER BY k.advertiser_id) FROM (
         SELECT * FROM ka_clients
         WHERE ($1::text IS NULL OR ka_tier = $1)
           AND ($2::text IS NULL OR sales_owner_id = $2)
           AND ($3::boolean IS NULL OR (verification = 'Verified') = $3)
           AND ($4::boolean IS NULL OR suspended = $4)
           AND ($5::text IS NULL OR advertiser_id > $5)
         ORDER BY advertiser_id LIMIT $6
       ) k), '[]'::jsonb) AS rows`,
    [
      filters.kaTier ?? null,
      filters.salesOwnerId ?? null,
      filters.verified ?? null,
      filters.suspended ?? null,
      cursor ?? null,
      limit + 1,
    ],
  );
  const { position, rows: records } = rows[0]!;
  const items = records.slice(0, limit).map(kaClientOf);
  return {
    position,
    value: { items, nextCursor: records.length > limit ? items[items.length - 1]!.advertiserId : null },
  };
};
