import { randomUUID } from 'node:crypto';
import type { Role } from '#domain';
import { developmentSecret, loadConfig } from '#runtime';
import { mintToken } from '../apps/api/src/http/tokens';

/*
 * The whole story against a running service, one HTTP call per step, so a newcomer sees the product
 * work: npm start (in one terminal), then npm run demo. DEMO_URL points elsewhere; the tokens are
 * signed with the secret the service uses (JWT_SECRET, or the embedded one under DATA_DIR).
 */

const baseUrl = (process.env.DEMO_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

interface Step {
  readonly as: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly expect: number;
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const main = async (): Promise<void> => {
  const config = loadConfig();
  const secret = config.jwtSecret ?? (await developmentSecret(config.dataDir));
  const people: Record<string, Role[]> = {
    ada: ['platform_admin'],
    sam: ['sales'],
    cora: ['compliance'],
    dana: ['deal_approver'],
    adserver: ['service'],
    fiona: ['finance_auditor'],
  };
  const tokens = Object.fromEntries(
    await Promise.all(
      Object.entries(people).map(async ([userId, roles]) => [
        userId,
        await mintToken({
          secret,
          issuer: config.jwtIssuer,
          audience: config.jwtAudience,
          userId,
          roles,
          expiresIn: '10m',
        }),
      ]),
    ),
  ) as Record<string, string>;

  const run = async (title: string, step: Step): Promise<{ status: number; body: unknown; headers: Headers }> => {
    const response = await fetch(`${baseUrl}${step.path}`, {
      method: step.method,
      headers: {
        authorization: `Bearer ${tokens[step.as]}`,
        ...(step.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...step.headers,
      },
      body: step.body === undefined ? undefined : JSON.stringify(step.body),
    });
    const text = await response.text();
    const ok = response.status === step.expect;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${response.status} ${step.method.padEnd(6)} ${step.path}  (${step.as}) ${title}`,
    );
    if (!ok) {
      console.log(`     expected ${step.expect}: ${text.slice(0, 500)}`);
      process.exitCode = 1;
      throw new Error(`step failed: ${title}`);
    }
    const isJson = /^application\/(problem\+)?json/.test(response.headers.get('content-type') ?? '');
    return { status: response.status, body: isJson && text ? JSON.parse(text) : text, headers: response.headers };
  };

  const suffix = randomUUID().slice(0, 8);
  const advertiserId = randomUUID();
  const contractId = randomUUID();
  const campaignId = randomUUID();
  const taobao = `taobao_${suffix}`;
  const jd = `jd_${suffix}`;
  const beauty = `beauty_${suffix}`;

  console.log(`KA contracting demo against ${baseUrl}\n`);
  await run('register the Taobao-like platform', {
    as: 'ada',
    method: 'PUT',
    path: `/v1/platforms/${taobao}`,
    body: { displayName: 'Taobao', allowedDomains: ['taobao.com', 'tmall.com'] },
    expect: 201,
  });
  await run('register the JD-like platform', {
    as: 'ada',
    method: 'PUT',
    path: `/v1/platforms/${jd}`,
    body: { displayName: 'JD', allowedDomains: ['jd.com'] },
    expect: 201,
  });
  await run('make beauty link-eligible', {
    as: 'ada',
    method: 'PUT',
    path: `/v1/link-eligible-categories/${beauty}`,
    body: { regulated: false },
    expect: 201,
  });
  await run('register a KA advertiser', {
    as: 'sam',
    method: 'POST',
    path: '/v1/advertisers',
    body: { advertiserId, legalName: 'Glow Cosmetics Co., Ltd.', registrationNumber: 'REG-001', kaTier: 'key' },
    expect: 201,
  });
  await run('compliance verifies the advertiser', {
    as: 'cora',
    method: 'POST',
    path: `/v1/advertisers/${advertiserId}/verification`,
    body: { decision: 'verified' },
    expect: 200,
  });
  await run('sales requests approval of beauty', {
    as: 'sam',
    method: 'POST',
    path: `/v1/advertisers/${advertiserId}/category-approvals`,
    body: { category: beauty, licenceRef: 'LIC-2027-001', validUntil: day(700) },
    expect: 201,
  });
  await run('compliance approves beauty', {
    as: 'cora',
    method: 'POST',
    path: `/v1/advertisers/${advertiserId}/category-approvals/${beauty}/approval`,
    expect: 200,
  });
  await run('sales drafts the contract', {
    as: 'sam',
    method: 'POST',
    path: '/v1/contracts',
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
    expect: 201,
  });
  await run('sales submits it', {
    as: 'sam',
    method: 'POST',
    path: `/v1/contracts/${contractId}/submission`,
    expect: 200,
  });
  await run('another user (a deal approver) approves it', {
    as: 'dana',
    method: 'POST',
    path: `/v1/contracts/${contractId}/approval`,
    expect: 200,
  });
  await run('sales records the signature', {
    as: 'sam',
    method: 'POST',
    path: `/v1/contracts/${contractId}/signature`,
    expect: 200,
  });
  const enabled = await run('compliance enables Taobao links for beauty', {
    as: 'cora',
    method: 'POST',
    path: `/v1/contracts/${contractId}/external-links`,
    body: { platform: taobao, categories: [beauty] },
    expect: 200,
  });
  await run('sales creates a campaign with a Taobao link', {
    as: 'sam',
    method: 'POST',
    path: '/v1/campaigns',
    body: {
      campaignId,
      contractId,
      advertiserId,
      category: beauty,
      budgetMinor: '5000000',
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      linkTarget: { platform: taobao, url: 'https://shop.taobao.com/item?id=42' },
      adLabel: 'Ad',
    },
    expect: 201,
  });
  await run('sales submits the campaign', {
    as: 'sam',
    method: 'POST',
    path: `/v1/campaigns/${campaignId}/submission`,
    expect: 200,
  });
  await run('compliance approves the campaign', {
    as: 'cora',
    method: 'POST',
    path: `/v1/campaigns/${campaignId}/approval`,
    expect: 200,
  });
  await run('sales launches it', {
    as: 'sam',
    method: 'POST',
    path: `/v1/campaigns/${campaignId}/launch`,
    expect: 200,
  });
  const spend = {
    batchId: `batch-${suffix}`,
    amountMinor: '125000',
    periodStart: new Date(Date.now() - 3_600_000).toISOString(),
    periodEnd: new Date().toISOString(),
  };
  await run('ad serving reports spend', {
    as: 'adserver',
    method: 'POST',
    path: `/v1/campaigns/${campaignId}/spend`,
    body: spend,
    expect: 200,
  });
  await run('ad serving retries the same batch (recorded once)', {
    as: 'adserver',
    method: 'POST',
    path: `/v1/campaigns/${campaignId}/spend`,
    body: spend,
    expect: 200,
  });
  const position = enabled.headers.get('x-event-position') ?? '0';
  const check = await run('link rendering asks: may this ad link to Taobao?', {
    as: 'adserver',
    method: 'GET',
    path: `/v1/link-permissions/check?advertiserId=${advertiserId}&platform=${taobao}&category=${beauty}&url=${encodeURIComponent('https://shop.taobao.com/item?id=42')}`,
    headers: { 'x-min-position': position },
    expect: 200,
  });
  console.log(`     -> ${JSON.stringify(check.body)}`);
  const exported = await run('finance exports the advertiser history', {
    as: 'fiona',
    method: 'GET',
    path: `/v1/audit/export?format=ndjson&advertiserId=${advertiserId}`,
    expect: 200,
  });
  console.log(`     -> ${String(exported.body).trim().split('\n').length} events exported`);
  console.log('\nThe whole story worked.');
};

main().catch((error: unknown) => {
  if (!process.exitCode) console.error(error);
  process.exitCode = 1;
});
