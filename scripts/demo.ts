import { randomUUID } from 'node:crypto';
import { createApiClient, type ApiClient } from '#api-client';
import type { Role } from '#domain';
import { developmentSecret, loadConfig } from '#runtime';
import { mintToken } from '../apps/api/src/http/tokens';

/*
 * The whole story against a running service, one HTTP call per step, so a newcomer sees the product
 * work: npm start (in one terminal), then npm run demo. DEMO_URL points elsewhere; the tokens are
 * signed with the secret the service uses (JWT_SECRET, or the embedded one under DATA_DIR).
 * Every call goes through the generated client (libs/api-client), so the demo also proves that a
 * downstream service can drive the API from the OpenAPI document alone.
 */

const baseUrl = (process.env.DEMO_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

/** What every openapi-fetch call resolves to; the step only needs the status and the parsed body. */
interface Answer<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const main = async (): Promise<void> => {
  const config = loadConfig();
  const secret = config.jwtSecret ?? (await developmentSecret(config.dataDir));
  const people = {
    ada: ['platform_admin'],
    sam: ['sales'],
    cora: ['compliance'],
    dana: ['deal_approver'],
    adserver: ['service'],
    fiona: ['finance_auditor'],
  } satisfies Record<string, Role[]>;
  type Person = keyof typeof people;
  const clients = Object.fromEntries(
    await Promise.all(
      Object.entries(people).map(async ([userId, roles]) => {
        const token = await mintToken({
          secret,
          issuer: config.jwtIssuer,
          audience: config.jwtAudience,
          userId,
          roles,
          expiresIn: '10m',
        });
        return [userId, createApiClient({ baseUrl, token })];
      }),
    ),
  ) as Record<Person, ApiClient>;

  const run = async <T>(
    title: string,
    as: Person,
    expect: number,
    call: (client: ApiClient) => Promise<Answer<T>>,
  ): Promise<Answer<T>> => {
    const answer = await call(clients[as]);
    const { status, url } = answer.response;
    const ok = status === expect;
    const request = `${new URL(url).pathname}`;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${status} ${request}  (${as}) ${title}`);
    if (!ok) {
      console.log(`     expected ${expect}: ${JSON.stringify(answer.error ?? answer.data).slice(0, 500)}`);
      process.exitCode = 1;
      throw new Error(`step failed: ${title}`);
    }
    return answer;
  };

  const suffix = randomUUID().slice(0, 8);
  const advertiserId = randomUUID();
  const contractId = randomUUID();
  const campaignId = randomUUID();
  const taobao = `taobao_${suffix}`;
  const jd = `jd_${suffix}`;
  const beauty = `beauty_${suffix}`;
  const url = 'https://shop.taobao.com/item?id=42';

  console.log(`KA contracting demo against ${baseUrl}\n`);
  await run('register the Taobao-like platform', 'ada', 201, (api) =>
    api.PUT('/v1/platforms/{platform}', {
      params: { path: { platform: taobao } },
      body: { displayName: 'Taobao', allowedDomains: ['taobao.com', 'tmall.com'] },
    }),
  );
  await run('register the JD-like platform', 'ada', 201, (api) =>
    api.PUT('/v1/platforms/{platform}', {
      params: { path: { platform: jd } },
      body: { displayName: 'JD', allowedDomains: ['jd.com'] },
    }),
  );
  await run('make beauty link-eligible', 'ada', 201, (api) =>
    api.PUT('/v1/link-eligible-categories/{category}', {
      params: { path: { category: beauty } },
      body: { regulated: false },
    }),
  );
  await run('register a KA advertiser', 'sam', 201, (api) =>
    api.POST('/v1/advertisers', {
      body: { advertiserId, legalName: 'Glow Cosmetics Co., Ltd.', registrationNumber: 'REG-001', kaTier: 'key' },
    }),
  );
  await run('compliance verifies the advertiser', 'cora', 200, (api) =>
    api.POST('/v1/advertisers/{advertiserId}/verification', {
      params: { path: { advertiserId } },
      body: { decision: 'verified' },
    }),
  );
  await run('sales requests approval of beauty', 'sam', 201, (api) =>
    api.POST('/v1/advertisers/{advertiserId}/category-approvals', {
      params: { path: { advertiserId } },
      body: { category: beauty, licenceRef: 'LIC-2027-001', validUntil: day(700) },
    }),
  );
  await run('compliance approves beauty', 'cora', 200, (api) =>
    api.POST('/v1/advertisers/{advertiserId}/category-approvals/{category}/approval', {
      params: { path: { advertiserId, category: beauty } },
    }),
  );
  await run('sales drafts the contract', 'sam', 201, (api) =>
    api.POST('/v1/contracts', {
      body: {
        contractId,
        advertiserId,
        currency: 'CNY',
        totalValueMinor: '100000000',
        startsOn: day(-1),
        endsOn: day(364),
        categories: [beauty],
        platforms: [taobao, jd],
      },
    }),
  );
  const contract = { params: { path: { contractId } } };
  await run('sales submits it', 'sam', 200, (api) => api.POST('/v1/contracts/{contractId}/submission', contract));
  await run('another user (a deal approver) approves it', 'dana', 200, (api) =>
    api.POST('/v1/contracts/{contractId}/approval', contract),
  );
  await run('sales records the signature', 'sam', 200, (api) =>
    api.POST('/v1/contracts/{contractId}/signature', contract),
  );
  const enabled = await run('compliance enables Taobao links for beauty', 'cora', 200, (api) =>
    api.POST('/v1/contracts/{contractId}/external-links', {
      ...contract,
      body: { platform: taobao, categories: [beauty] },
    }),
  );
  const active = await run('sales reads the contract back', 'sam', 200, (api) =>
    api.GET('/v1/contracts/{contractId}', contract),
  );
  console.log(`     -> ${active.data?.status}, links ${JSON.stringify(active.data?.enabledLinks)}`);
  await run('sales creates a campaign with a Taobao link', 'sam', 201, (api) =>
    api.POST('/v1/campaigns', {
      body: {
        campaignId,
        contractId,
        advertiserId,
        category: beauty,
        budgetMinor: '5000000',
        startsAt: new Date(Date.now() - 3_600_000).toISOString(),
        endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        linkTarget: { platform: taobao, url },
        adLabel: 'Ad',
      },
    }),
  );
  const campaign = { params: { path: { campaignId } } };
  await run('sales submits the campaign', 'sam', 200, (api) =>
    api.POST('/v1/campaigns/{campaignId}/submission', campaign),
  );
  await run('compliance approves the campaign', 'cora', 200, (api) =>
    api.POST('/v1/campaigns/{campaignId}/approval', campaign),
  );
  await run('sales launches it', 'sam', 200, (api) => api.POST('/v1/campaigns/{campaignId}/launch', campaign));
  const spend = {
    batchId: `batch-${suffix}`,
    amountMinor: '125000',
    periodStart: new Date(Date.now() - 3_600_000).toISOString(),
    periodEnd: new Date().toISOString(),
  };
  await run('ad serving reports spend', 'adserver', 200, (api) =>
    api.POST('/v1/campaigns/{campaignId}/spend', { ...campaign, body: spend }),
  );
  const retried = await run('ad serving retries the same batch (recorded once)', 'adserver', 200, (api) =>
    api.POST('/v1/campaigns/{campaignId}/spend', { ...campaign, body: spend }),
  );
  console.log(`     -> events recorded by the retry: ${JSON.stringify(retried.data?.events)}`);
  const position = enabled.response.headers.get('x-event-position') ?? '0';
  const check = await run('link rendering asks: may this ad link to Taobao?', 'adserver', 200, (api) =>
    api.GET('/v1/link-permissions/check', {
      params: {
        query: { advertiserId, platform: taobao, category: beauty, url },
        header: { 'X-Min-Position': position },
      },
    }),
  );
  console.log(`     -> ${JSON.stringify(check.data)}`);
  const exported = await run('finance exports the advertiser history', 'fiona', 200, (api) =>
    api.GET('/v1/audit/export', { params: { query: { format: 'ndjson', advertiserId } }, parseAs: 'text' }),
  );
  console.log(`     -> ${String(exported.data).trim().split('\n').length} events exported`);
  console.log('\nThe whole story worked.');
};

main().catch((error: unknown) => {
  if (!process.exitCode) console.error(error);
  process.exitCode = 1;
});
