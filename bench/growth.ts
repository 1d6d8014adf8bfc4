/**
 * Does the cost of a command grow with the client's history? Creates campaigns and reports spend over
 * HTTP under one contract after 0, 1,000 and 10,000 campaigns (seeded straight through the event
 * store port, as the command path would have stored them), and changes the KA tier of an advertiser
 * whose stream holds 10 vs 10,000 events. Requests go one at a time, so latency is the cost of one
 * command, not queueing. Target: p50 at 10,000 <= 2 x p50 at 0.
 *
 *   npx nest build && node dist/bench/growth.js
 *   (DATABASE_URL: server with CREATE DATABASE, default postgres://postgres@127.0.0.1:5432/postgres;
 *    GROWTH_SAMPLES, default 60; GROWTH_SPEND_SAMPLES, default 20; GROWTH_LEVELS, default "0,1000,10000")
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { contractStreamId, type Role } from '#domain';
import { PostgresEventStore } from '#event-store';
import { mintToken } from '../apps/api/src/http/tokens';
import { HistoryWriter, events, type PlannedEvent } from './support/domain-history';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SAMPLES = Number(process.env.GROWTH_SAMPLES ?? 60);
// Spend reports are sampled less: each one is also a projector batch on the campaign and contract.
const SPEND_SAMPLES = Number(process.env.GROWTH_SPEND_SAMPLES ?? 20);
const LEVELS = (process.env.GROWTH_LEVELS ?? '0,1000,10000').split(',').map(Number);
const WARM_UP = 5;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const summary = (durations: readonly number[]) => {
  const sorted = [...durations].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

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

const main = async (): Promise<void> => {
  const name = `bench_growth_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = withDatabase(SERVER, name);
  const pool = new Pool({ connectionString: url, max: 4 });
  const store = await PostgresEventStore.create(pool);
  const writer = new HistoryWriter(store);
  const seed = { userId: 'seed', roles: ['sales'] };
  const reviewer = { userId: 'rita', roles: ['compliance', 'deal_approver', 'platform_admin'] };

  const advertiserId = randomUUID();
  const contractId = randomUUID();
  const category = 'skincare';
  await writer.append([events.platformRegistered('taobao', ['taobao.com'])], reviewer);
  await writer.append([events.categoryEligible(category)], reviewer);
  await writer.append([events.advertiserRegistered(advertiserId)], seed);
  await writer.append([events.advertiserVerified(advertiserId)], reviewer);
  await writer.append([events.categoryRequested(advertiserId, category)], seed);
  await writer.append([events.categoryApproved(advertiserId, category)], reviewer);
  const terms = {
    categories: [category],
    platforms: ['taobao'],
    totalValueMinor: '1000000000000',
    startsOn: '2026-01-01',
    endsOn: '2028-12-31',
  };
  await writer.append([events.contractDrafted(contractId, advertiserId, terms)], seed);
  await writer.append([events.contractSubmitted(contractId)], seed);
  await writer.append([events.contractApproved(contractId)], reviewer);
  await writer.append([events.contractSigned(contractId)], seed);

  const secret = randomBytes(32).toString('hex');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const api = spawn(
    process.execPath,
    [
      ...(process.env.API_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      join(__dirname, '..', 'apps', 'api', 'src', 'main.js'),
    ],
    {
      env: {
        ...process.env,
        DATABASE_URL: url,
        PORT: String(port),
        JWT_SECRET: secret,
        LOG_LEVEL: 'warn',
        RUN_PROJECTOR: 'false',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const loadBefore = load();
  const lines: string[] = [];
  try {
    let output = '';
    api.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    while (!output.includes('KA contracting API')) {
      if (api.exitCode !== null) throw new Error(`the API did not start:\n${output}`);
      await sleep(100);
    }
    const tokenFor = (userId: string, roles: Role[]) =>
      mintToken({ secret, issuer: 'ka-contracting', audience: 'ka-contracting-api', userId, roles });
    const sales = { authorization: `Bearer ${await tokenFor('sam', ['sales'])}`, 'content-type': 'application/json' };
    const service = {
      authorization: `Bearer ${await tokenFor('ad-serving', ['service'])}`,
      'content-type': 'application/json',
    };
    const base = `http://127.0.0.1:${port}`;
    const timed = async (method: string, path: string, headers: Record<string, string>, body: unknown) => {
      const started = performance.now();
      const response = await fetch(`${base}${path}`, { method, headers, body: JSON.stringify(body) });
      const text = await response.text();
      const elapsed = performance.now() - started;
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return { elapsed, etag: response.headers.get('etag') };
    };
    const measure = async (request: (index: number) => Promise<{ elapsed: number }>, samples = SAMPLES) => {
      const durations: number[] = [];
      for (let index = 0; index < WARM_UP + samples; index++) {
        const { elapsed } = await request(index);
        if (index >= WARM_UP) durations.push(elapsed);
      }
      return summary(durations);
    };

    lines.push('| campaigns under the contract | create-campaign p50 / p99 ms | spend-report p50 / p99 ms |');
    lines.push('|--:|--:|--:|');
    let seeded = 0;
    let spendDay = 0;
    for (const level of LEVELS) {
      // The API allocates on this contract too: continue from the stream's real head.
      await writer.follow(contractStreamId(contractId));
      const allocations: PlannedEvent[] = [];
      for (; seeded < level; seeded++) {
        const campaignId = randomUUID();
        await writer.append([events.campaignCreated(campaignId, contractId, advertiserId, category, '1000')], seed);
        allocations.push(events.budgetAllocated(contractId, campaignId, '1000'));
      }
      for (let start = 0; start < allocations.length; start += 500) {
        await writer.append(allocations.slice(start, start + 500), { userId: 'campaign-process', roles: ['service'] });
      }
      const live = randomUUID();
      await writer.append(
        [
          events.campaignCreated(live, contractId, advertiserId, category, '100000000'),
          events.campaignSubmitted(live),
          events.campaignApproved(live),
          events.campaignLaunched(live),
        ],
        seed,
      );
      await writer.follow(contractStreamId(contractId));
      await writer.append([events.budgetAllocated(contractId, live, '100000000')], {
        userId: 'campaign-process',
        roles: ['service'],
      });
      const create = await measure(() =>
        timed('POST', '/v1/campaigns', sales, {
          contractId,
          advertiserId,
          category,
          budgetMinor: '1000',
          startsAt: '2027-01-01T00:00:00.000Z',
          endsAt: '2027-06-01T00:00:00.000Z',
          adLabel: 'Ad',
        }),
      );
      const spend = await measure(() => {
        const day = spendDay++;
        // The last second: the campaign was launched before and is live, so the period is billable.
        const now = Date.now();
        return timed('POST', `/v1/campaigns/${live}/spend`, service, {
          batchId: `batch-${day}`,
          amountMinor: '10',
          periodStart: new Date(now - 1_000).toISOString(),
          periodEnd: new Date(now).toISOString(),
        });
      }, SPEND_SAMPLES);
      lines.push(
        `| ${level.toLocaleString('en')} | ${create.p50.toFixed(1)} / ${create.p99.toFixed(1)} | ${spend.p50.toFixed(1)} / ${spend.p99.toFixed(1)} |`,
      );
      console.error(`measured at ${level} campaigns: ${lines[lines.length - 1]}`);
    }

    lines.push('', '| events in the advertiser stream | first change (cold cache) ms | KA-tier change p50 / p99 ms |');
    lines.push('|--:|--:|--:|');
    for (const length of [10, 10_000]) {
      const id = randomUUID();
      await writer.append([events.advertiserRegistered(id, 'growth')], seed);
      const tiers = ['key', 'strategic'] as const;
      const history: PlannedEvent[] = Array.from({ length: length - 1 }, (_, index) =>
        events.kaTierChanged(id, tiers[index % 2]!),
      );
      for (let start = 0; start < history.length; start += 500) {
        await writer.append(history.slice(start, start + 500), seed);
      }
      let tier = history.length % 2 === 0 ? 0 : 1;
      let etag: string | null = `W/"${length - 1}"`;
      const change = async () => {
        const result = await timed(
          'PUT',
          `/v1/advertisers/${id}/ka-tier`,
          { ...sales, 'if-match': etag! },
          {
            kaTier: tiers[tier]!,
          },
        );
        tier = 1 - tier;
        etag = result.etag;
        return result;
      };
      const cold = await change();
      const warm = await measure(change);
      lines.push(
        `| ${length.toLocaleString('en')} | ${cold.elapsed.toFixed(1)} | ${warm.p50.toFixed(1)} / ${warm.p99.toFixed(1)} |`,
      );
    }
    console.log(
      `\nGrowth benchmark: ${SAMPLES} sequential requests per cell after ${WARM_UP} unmeasured, node ${process.version}`,
    );
    console.log(`load average before: ${loadBefore}, after: ${load()}\n`);
    console.log(lines.join('\n'));
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    await store.close();
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
