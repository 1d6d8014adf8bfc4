/**
 * Cost of one campaign event to the ka_clients projection as a client's history grows (DESIGN §8:
 * it must not grow with it). For each size N (1,000 and 10,000 campaigns by default) one client
 * gets a contract and N campaigns, applied through the projection's own batch applier in batches of
 * 1,000; then SAMPLES campaign status events (submit, then approve) are applied one event per
 * transaction, as the live runner does when it keeps up, and the per-event p50/p99/mean and the
 * client row's size are reported.
 *
 * Env: DATABASE_URL (server; a fresh database is created and dropped), BENCH_SIZES (comma list,
 * default 1000,10000), SAMPLES (default 400).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { RecordedEvent } from '#event-store';
import { appliedPrefix, kaClientsProjection, migrateProjections, upsertAll, type BatchApplier } from '#read-models';
import { events, type PlannedEvent } from './support/domain-history';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const SAMPLES = Number(process.env.SAMPLES ?? 400);
const SETUP_BATCH = 1_000;

if (SIZES.some((size) => !Number.isInteger(size) || size < 1) || !Number.isInteger(SAMPLES) || SAMPLES < 2) {
  throw new Error('BENCH_SIZES must be positive integers and SAMPLES an integer >= 2');
}

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

const admin = async (sql: string): Promise<void> => {
  const client = new Client({ connectionString: SERVER });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};

let position = 0n;
/** The planned events as the store would hand them to the projection: consecutive positions. */
const recorded = (planned: readonly PlannedEvent[]): RecordedEvent[] =>
  planned.map((event) => {
    position += 1n;
    return {
      streamId: event.streamId,
      type: event.type,
      data: event.data,
      metadata: {},
      eventId: randomUUID(),
      revision: 0n,
      position,
      createdAt: new Date(),
    };
  });

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const summary = (millis: readonly number[]): string => {
  const sorted = [...millis].sort((a, b) => a - b);
  const mean = millis.reduce((sum, value) => sum + value, 0) / millis.length;
  return `p50 ${percentile(sorted, 50).toFixed(3)} ms, p99 ${percentile(sorted, 99).toFixed(3)} ms, mean ${mean.toFixed(3)} ms`;
};

const main = async (): Promise<void> => {
  const name = `bench_ka_clients_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const pool = new Pool({ connectionString: withDatabase(SERVER, name), max: 2 });
  try {
    await migrateProjections(pool, [kaClientsProjection]);
    const client = await pool.connect();
    /** Milliseconds the applier and its writes took, without BEGIN and COMMIT (whose fsync the machine's disk sets). */
    const inTransaction = async (apply: BatchApplier, batch: readonly RecordedEvent[]): Promise<number> => {
      await client.query('BEGIN');
      const started = process.hrtime.bigint();
      await upsertAll(client, appliedPrefix(await apply(client, batch), batch.length).writes);
      const millis = Number(process.hrtime.bigint() - started) / 1e6;
      await client.query('COMMIT');
      return millis;
    };
    try {
      for (const size of SIZES) {
        const apply = kaClientsProjection.applier();
        const advertiserId = randomUUID();
        const contractId = randomUUID();
        const campaignIds = Array.from({ length: size }, () => randomUUID());
        const setup: PlannedEvent[] = [
          events.advertiserRegistered(advertiserId),
          events.advertiserVerified(advertiserId),
          events.contractDrafted(contractId, advertiserId, { categories: ['beauty'], platforms: ['taobao'] }),
          ...campaignIds.map((id) => events.campaignCreated(id, contractId, advertiserId, 'beauty', '1000')),
        ];
        for (let start = 0; start < setup.length; start += SETUP_BATCH) {
          await inTransaction(apply, recorded(setup.slice(start, start + SETUP_BATCH)));
        }
        const samples = campaignIds
          .slice(0, Math.ceil(SAMPLES / 2))
          .flatMap((id) => [events.campaignSubmitted(id), events.campaignApproved(id)])
          .slice(0, SAMPLES);
        const millis: number[] = [];
        const totals: number[] = [];
        for (const event of recorded(samples)) {
          const started = process.hrtime.bigint();
          millis.push(await inTransaction(apply, [event]));
          totals.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        const { rows } = await client.query<{ bytes: number; counts: unknown }>(
          'SELECT pg_column_size(k.*) AS bytes, campaign_counts AS counts FROM ka_clients k WHERE advertiser_id = $1',
          [advertiserId],
        );
        console.log(
          `${size.toLocaleString('en-US')} campaigns, ${millis.length} campaign events one per transaction: ` +
            `apply ${summary(millis)}; with BEGIN/COMMIT ${summary(totals)}; ` +
            `client row ${rows[0]!.bytes.toLocaleString('en-US')} bytes, counts ${JSON.stringify(rows[0]!.counts)}`,
        );
      }
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
    await admin(`DROP DATABASE ${name}`);
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
