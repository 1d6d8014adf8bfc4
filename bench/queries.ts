/**
 * The downstream hot path over real HTTP, on the API in embedded mode (projector included, as
 * `npm start` runs it): autocannon against GET /v1/link-permissions/check and GET
 * /v1/serving/campaigns/{id}, each beside GET /health/live of the same process in the same run
 * (health is measured before and after, to show drift on a shared machine). Then the command-to-feed
 * lag: compliance toggles external links (enable, disable) on many contracts at LAG_RATE commands/s,
 * open loop, while one client follows GET /v1/link-permissions/changes as Server-Sent Events; lag
 * is from sending the command until its position arrives on the stream.
 *
 *   npm run bench:queries   (BENCH_SECONDS 10, BENCH_CONNECTIONS 16, LAG_RATE 500, LAG_SECONDS 20)
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Role } from '#domain';
import { removeDataDir } from '#runtime';
import { mintToken } from '../apps/api/src/http/tokens';
import { freePort } from '../test/support/postgres';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const LAG_RATE = Number(process.env.LAG_RATE ?? 500);
const LAG_SECONDS = Number(process.env.LAG_SECONDS ?? 20);
// Each contract has at most one toggle in flight (a second would only conflict on the stream).
const LAG_CONTRACTS = 100;
const ROUND_SECONDS = 2;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const main = async (): Promise<void> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-queries-'));
  await chmod(dataDir, 0o755);
  const secret = randomBytes(32).toString('hex');
  const [port, pgPort] = [await freePort(), await freePort()];
  const api = spawn(
    process.execPath,
    [
      ...(process.env.API_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      join(__dirname, '..', 'apps', 'api', 'src', 'main.js'),
    ],
    {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: String(port),
        EMBEDDED_PG_PORT: String(pgPort),
        JWT_SECRET: secret,
        LOG_LEVEL: 'warn',
        RUN_PROJECTOR: 'true',
        // One service token drives thousands of requests a second: the per-subject limit would be measured.
        RATE_LIMIT_ENABLED: 'false',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    let output = '';
    api.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    while (!output.includes('KA contracting API')) {
      if (api.exitCode !== null) throw new Error(`the API did not start:\n${output}`);
      await sleep(100);
    }
    const token = async (userId: string, ...roles: Role[]) =>
      `Bearer ${await mintToken({ secret, issuer: 'ka-contracting', audience: 'ka-contracting-api', userId, roles })}`;
    const [admin, sales, compliance, approver, service] = await Promise.all([
      token('ada', 'platform_admin'),
      token('sam', 'sales'),
      token('cora', 'compliance'),
      token('dana', 'deal_approver'),
      token('ad-serving', 'service'),
    ]);
    let position = '0';
    const call = async (method: string, path: string, auth: string, body?: unknown): Promise<Response> => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      position = response.headers.get('x-event-position') ?? position;
      return response;
    };

    const year = new Date().getUTCFullYear();
    const advertiserId = randomUUID();
    await call('PUT', '/v1/platforms/taobao', admin, { displayName: 'Taobao', allowedDomains: ['taobao.com'] });
    await call('PUT', '/v1/link-eligible-categories/beauty', admin, { regulated: false });
    await call('POST', '/v1/advertisers', sales, {
      advertiserId,
      legalName: 'Bench Cosmetics',
      registrationNumber: 'B-1',
      kaTier: 'key',
    });
    await call('POST', `/v1/advertisers/${advertiserId}/verification`, compliance, { decision: 'verified' });
    await call('POST', `/v1/advertisers/${advertiserId}/category-approvals`, sales, {
      category: 'beauty',
      licenceRef: 'L-1',
      validUntil: `${year + 2}-12-31`,
    });
    await call('POST', `/v1/advertisers/${advertiserId}/category-approvals/beauty/approval`, compliance);
    const activeContract = async (): Promise<string> => {
      const contractId = randomUUID();
      await call('POST', '/v1/contracts', sales, {
        contractId,
        advertiserId,
        currency: 'CNY',
        totalValueMinor: '100000000',
        startsOn: `${year}-01-01`,
        endsOn: `${year + 1}-12-31`,
        categories: ['beauty'],
        platforms: ['taobao'],
      });
      await call('POST', `/v1/contracts/${contractId}/submission`, sales);
      await call('POST', `/v1/contracts/${contractId}/approval`, approver);
      await call('POST', `/v1/contracts/${contractId}/signature`, sales);
      return contractId;
    };
    const contractId = await activeContract();
    await call('POST', `/v1/contracts/${contractId}/external-links`, compliance, {
      platform: 'taobao',
      categories: ['beauty'],
    });
    const campaignId = randomUUID();
    await call('POST', '/v1/campaigns', sales, {
      campaignId,
      contractId,
      advertiserId,
      category: 'beauty',
      budgetMinor: '500000',
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: `${year + 1}-06-30T00:00:00.000Z`,
      linkTarget: { platform: 'taobao', url: 'https://item.taobao.com/item.htm?id=7' },
      adLabel: '广告',
    });
    await call('POST', `/v1/campaigns/${campaignId}/submission`, sales);
    await call('POST', `/v1/campaigns/${campaignId}/approval`, compliance);
    await call('POST', `/v1/campaigns/${campaignId}/launch`, sales);
    // The read models have everything before the hot path is measured, and the answers are the real ones.
    const serving = await fetch(`${base}/v1/serving/campaigns/${campaignId}`, {
      headers: { authorization: service, 'x-min-position': position },
    }).then((response) => response.json() as Promise<{ serve: boolean }>);
    const check = await fetch(
      `${base}/v1/link-permissions/check?advertiserId=${advertiserId}&platform=taobao&category=beauty&url=${encodeURIComponent('https://item.taobao.com/item.htm?id=7')}`,
      { headers: { authorization: service, 'x-min-position': position } },
    ).then((response) => response.json() as Promise<{ allowed: boolean }>);
    if (!serving.serve || !check.allowed) throw new Error('the seeded campaign should serve and link');

    const routes: [string, string, Record<string, string>][] = [
      ['GET /health/live', '/health/live', {}],
      [
        'GET /v1/link-permissions/check',
        `/v1/link-permissions/check?advertiserId=${advertiserId}&platform=taobao&category=beauty&url=${encodeURIComponent('https://item.taobao.com/item.htm?id=7')}`,
        { authorization: service },
      ],
      ['GET /v1/serving/campaigns/{id}', `/v1/serving/campaigns/${campaignId}`, { authorization: service }],
    ];
    await autocannon({ url: `${base}${routes[1]![1]}`, connections: CONNECTIONS, duration: 2, headers: routes[1]![2] });
    // Short slices, the routes taking turns: on a shared machine the load moves within seconds, and
    // turns spread that drift over every route instead of charging it to whichever ran then.
    const rounds = Math.max(1, Math.round(SECONDS / ROUND_SECONDS));
    const totals = routes.map(() => ({ requests: 0, seconds: 0, p50: [] as number[], p99: [] as number[], bad: 0 }));
    for (let round = 0; round < rounds; round++) {
      for (const [index, [, path, headers]] of routes.entries()) {
        const result = await autocannon({
          url: `${base}${path}`,
          connections: CONNECTIONS,
          duration: ROUND_SECONDS,
          headers,
        });
        const total = totals[index]!;
        total.requests += result.requests.total;
        total.seconds += result.duration;
        total.p50.push(result.latency.p50);
        total.p99.push(result.latency.p99);
        total.bad += result.non2xx + result.errors + result.timeouts;
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const results = routes.map(([name], index) => {
      const total = totals[index]!;
      return {
        name,
        rps: total.requests / total.seconds,
        p50: median(total.p50),
        p99: median(total.p99),
        worstP99: Math.max(...total.p99),
        bad: total.bad,
      };
    });
    const health = results[0]!.rps;

    // Command-to-feed lag.
    const contracts: string[] = [];
    for (let i = 0; i < LAG_CONTRACTS; i++) contracts.push(await activeContract());
    const feedAbort = new AbortController();
    /**
     * Answered toggles per contract, not yet seen on the feed. A toggle is on the feed once a change
     * of its contract arrives at its position or a later one; the live runner gives each its own
     * entry, so a toggle only ever seen through a later one ("folded") is a fault to report.
     */
    const pending = new Map<string, { position: bigint; sent: number; answered: number }[]>();
    /** The highest position the feed has carried per contract, for toggles answered after it arrived. */
    const carried = new Map<string, { position: bigint; at: number }>();
    const afterAnswer: number[] = [];
    const lags: number[] = [];
    let folded = 0;
    // The first 2 s warm up (connections, plans, caches) and are not measured.
    const measureFrom = performance.now() + 2_000;
    const arrive = (contractId: string, position: bigint, at: number) => {
      const toggles = pending.get(contractId) ?? [];
      const still = toggles.filter((toggle) => toggle.position > position);
      for (const toggle of toggles) {
        if (toggle.position > position) continue;
        if (toggle.position < position) folded++;
        if (toggle.sent >= measureFrom) {
          lags.push(at - toggle.sent);
          afterAnswer.push(Math.max(0, at - toggle.answered));
        }
      }
      pending.set(contractId, still);
    };
    const feed = await fetch(`${base}/v1/link-permissions/changes?after=${position}`, {
      headers: { authorization: service, accept: 'text/event-stream' },
      signal: feedAbort.signal,
    });
    const following = (async () => {
      const reader = feed.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        const now = performance.now();
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.startsWith('id: ')) continue;
          const { position: at, changes } = JSON.parse(block.slice(block.indexOf('data: ') + 6)) as {
            position: string;
            changes: { contractId: string }[];
          };
          for (const contractId of new Set(changes.map((change) => change.contractId))) {
            const seen = carried.get(contractId);
            if (seen === undefined || seen.position < BigInt(at))
              carried.set(contractId, { position: BigInt(at), at: now });
            arrive(contractId, BigInt(at), now);
          }
        }
      }
    })();
    const enabled = new Map(contracts.map((id) => [id, false]));
    const busy = new Set<string>();
    let skipped = 0;
    let failed = 0;
    let issued = 0;
    // node:http with kept-alive sockets: fetch costs this process about a millisecond of CPU per
    // request, which on a small machine is taken from the API and the database being measured.
    const agent = new Agent({ keepAlive: true, maxSockets: LAG_CONTRACTS });
    const send = (method: string, path: string, body: unknown) =>
      new Promise<{ status: number; position: string | undefined }>((resolve, reject) => {
        const payload = JSON.stringify(body);
        const request = httpRequest(
          `${base}${path}`,
          {
            method,
            agent,
            headers: {
              authorization: compliance,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
            },
          },
          (response) => {
            response.resume();
            response.on('end', () => {
              const at = response.headers['x-event-position'];
              resolve({ status: response.statusCode ?? 0, position: typeof at === 'string' ? at : undefined });
            });
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(payload);
      });
    const toggle = async (id: string): Promise<void> => {
      busy.add(id);
      const start = performance.now();
      try {
        const on = !enabled.get(id);
        const { status, position: at } = on
          ? await send('POST', `/v1/contracts/${id}/external-links`, { platform: 'taobao', categories: ['beauty'] })
          : await send('DELETE', `/v1/contracts/${id}/external-links/taobao`, { reason: 'bench toggle' });
        if (status !== 200 || at === undefined) {
          failed++;
          return;
        }
        enabled.set(id, on);
        const toggle = { position: BigInt(at), sent: start, answered: performance.now() };
        pending.set(id, [...(pending.get(id) ?? []), toggle]);
        // Its change may have arrived before its answer.
        const seen = carried.get(id);
        if (seen !== undefined && seen.position >= toggle.position) arrive(id, seen.position, seen.at);
      } catch {
        failed++;
      } finally {
        busy.delete(id);
      }
    };
    const until = measureFrom + LAG_SECONDS * 1000;
    const generatorCpu = process.cpuUsage();
    const inFlight: Promise<void>[] = [];
    let next = 0;
    const started = performance.now();
    for (let n = 0; ; n++) {
      const due = started + (n * 1000) / LAG_RATE;
      if (due >= until) break;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const id = contracts[next++ % contracts.length]!;
      if (busy.has(id)) {
        skipped++;
        continue;
      }
      if (due >= measureFrom) issued++;
      inFlight.push(toggle(id));
    }
    await Promise.all(inFlight);
    const generator = process.cpuUsage(generatorCpu);
    agent.destroy();
    await sleep(1_000);
    feedAbort.abort();
    await following;
    const sorted = [...lags].sort((a, b) => a - b);
    const sortedAfter = [...afterAnswer].sort((a, b) => a - b);

    const ratio = (rps: number) => (rps / health).toFixed(2);
    console.log(
      `\nQuery benchmark: ${SECONDS} s per route in ${ROUND_SECONDS} s turns, ${CONNECTIONS} connections, node ${process.version}`,
    );
    console.log(
      `load average at the end: ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}\n`,
    );
    console.log(
      '| route | req/s | × /health/live | p50 ms (median turn) | p99 ms (median turn) | p99 ms (worst turn) | errors/non-2xx |',
    );
    console.log('|---|--:|--:|--:|--:|--:|--:|');
    for (const r of results) {
      console.log(
        `| ${r.name} | ${Math.round(r.rps).toLocaleString('en')} | ${ratio(r.rps)} | ${r.p50} | ${r.p99} | ${r.worstP99} | ${r.bad} |`,
      );
    }
    console.log(
      `\nCommand-to-feed lag (SSE), ${LAG_RATE} commands/s open loop for ${LAG_SECONDS} s over ${LAG_CONTRACTS} contracts:`,
    );
    console.log(
      `issued ${issued.toLocaleString('en')} (achieved ${(issued / LAG_SECONDS).toFixed(0)}/s), skipped while busy ${skipped}, failed ${failed}, measured ${sorted.length}, ` +
        `never on the feed ${[...pending.values()].flat().length}, folded into a later change of their contract ${folded}; ` +
        `this load generator and feed follower used ${((generator.user + generator.system) / 1000 / Math.max(1, issued)).toFixed(2)} ms CPU per command`,
    );
    console.log(
      `lag ms, command sent -> on the feed: p50 ${percentile(sorted, 50).toFixed(1)}, p90 ${percentile(sorted, 90).toFixed(1)}, p99 ${percentile(sorted, 99).toFixed(1)}, max ${(sorted.at(-1) ?? NaN).toFixed(1)}`,
    );
    console.log(
      `lag ms, command answered -> on the feed: p50 ${percentile(sortedAfter, 50).toFixed(1)}, p90 ${percentile(sortedAfter, 90).toFixed(1)}, p99 ${percentile(sortedAfter, 99).toFixed(1)}`,
    );
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    await removeDataDir(dataDir);
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
