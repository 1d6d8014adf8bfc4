import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';
import { startTestApp, type TestApp } from './support/app';
import { storedEvents } from './support/stored-events';

const ISSUER = 'ka-contracting';
const AUDIENCE = 'ka-contracting-api';
const now = () => Math.floor(Date.now() / 1000);

// Setting up an app (a fresh database) takes seconds on a loaded machine.
jest.setTimeout(60_000);

/** A token with exactly these claims (iss and aud aside), so each claim rule can be broken alone. */
const signed = (secret: string, claims: JWTPayload) =>
  new SignJWT({ iss: ISSUER, aud: AUDIENCE, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));

describe('identity: token subjects and lifetimes', () => {
  const secret = randomBytes(32).toString('hex');
  let t: TestApp;
  const bearer = async (claims: JWTPayload) => `Bearer ${await signed(secret, claims)}`;
  const as = (sub: unknown, ...roles: string[]) => bearer({ sub: sub as string, roles, iat: now(), exp: now() + 3600 });

  const advertiserId = randomUUID();
  const year = new Date().getUTCFullYear() + 1;
  const draft = (contractId: string) => ({
    contractId,
    advertiserId,
    currency: 'CNY',
    totalValueMinor: '5000000',
    startsOn: `${year}-01-01`,
    endsOn: `${year}-12-31`,
    categories: ['beauty'],
    platforms: ['taobao'],
  });

  beforeAll(async () => {
    t = await startTestApp({ JWT_SECRET: secret });
    await t.http
      .post('/v1/advertisers')
      .set('authorization', await as('sam', 'sales'))
      .send({ advertiserId, legalName: 'Glow Cosmetics', registrationNumber: 'REG-9', kaTier: 'key' })
      .expect(201);
    await t.http
      .post(`/v1/advertisers/${advertiserId}/verification`)
      .set('authorization', await as('cora', 'compliance'))
      .send({ decision: 'verified' })
      .expect(200);
  });
  afterAll(() => t?.close());

  /** A contract drafted and submitted by `author`, waiting for a deal approver. */
  const submittedBy = async (author: string): Promise<string> => {
    const contractId = randomUUID();
    const token = await as(author, 'sales', 'deal_approver');
    await t.http.post('/v1/contracts').set('authorization', token).send(draft(contractId)).expect(201);
    await t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', token).expect(200);
    return contractId;
  };

  describe('four eyes compares one spelling per person', () => {
    let contractId: string;
    beforeAll(async () => {
      contractId = await submittedBy('sam');
    });

    it.each([
      ['a trailing space', 'sam ', 401],
      ['upper case', 'Sam', 403],
      ['all capitals', 'SAM', 403],
      ['full-width letters', 'ｓａｍ', 403],
      ['a zero-width space', 'sa\u200bm', 401],
      ['a zero-width joiner', 'sam\u200d', 401],
      ['a soft hyphen', 'sa\u00adm', 401],
      ['a non-breaking space', 'sam\u00a0', 401],
    ])('refuses approval by sam written with %s', async (_, subject, status) => {
      const before = await t.stream(`contract-${contractId}`);
      const response = await t.http
        .post(`/v1/contracts/${contractId}/approval`)
        .set('authorization', await as(subject, 'deal_approver'));
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      if (status === 403) expect(response.body.code).toBe('FOUR_EYES');
      expect(await t.stream(`contract-${contractId}`)).toEqual(before);
    });

    it('refuses approval by the decomposed (NFD) spelling of a composed name', async () => {
      const byJose = await submittedBy('jos\u00e9');
      const response = await t.http
        .post(`/v1/contracts/${byJose}/approval`)
        .set('authorization', await as('jose\u0301', 'deal_approver'));
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FOUR_EYES');
    });

    it('lets another person approve (the contract was approvable all along)', async () => {
      await t.http
        .post(`/v1/contracts/${contractId}/approval`)
        .set('authorization', await as('dana', 'deal_approver'))
        .expect(200);
    });
  });

  it('stores the NFKC spelling of a subject on the events', async () => {
    const id = randomUUID();
    await t.http
      .post('/v1/advertisers')
      .set('authorization', await as('ｓａｍ２', 'sales'))
      .send({ advertiserId: id, legalName: 'Acme', registrationNumber: 'R-2', kaTier: 'key' })
      .expect(201);
    const [registered] = await t.stream(`advertiser-${id}`);
    expect(registered?.metadata).toMatchObject({ actor: { userId: 'sam2' } });
  });

  describe('claims', () => {
    const refused = async (authorization: string, detail: RegExp) => {
      const response = await t.http.get(`/v1/contracts/${randomUUID()}`).set('authorization', authorization);
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: expect.stringMatching(detail) });
    };
    const accepted = async (authorization: string) => {
      // 404: authenticated and allowed, and the contract does not exist.
      const response = await t.http.get(`/v1/contracts/${randomUUID()}`).set('authorization', authorization);
      expect(response.status).toBe(404);
    };
    const roles = ['sales'];

    it('refuses a numeric sub', async () =>
      refused(await bearer({ sub: 42 as never, roles, iat: now(), exp: now() + 60 }), /sub|JWT_CLAIM/));
    it('refuses an empty sub', async () =>
      refused(await bearer({ sub: '', roles, iat: now(), exp: now() + 60 }), /sub/));
    it('refuses a sub of 129 characters', async () =>
      refused(await bearer({ sub: 'a'.repeat(129), roles, iat: now(), exp: now() + 60 }), /longer than 128/));
    it('refuses a sub with a NUL', async () =>
      refused(await bearer({ sub: 'sam\u0000', roles, iat: now(), exp: now() + 60 }), /invisible/));
    it('refuses an iat a day in the future', async () =>
      refused(await bearer({ sub: 'sam', roles, iat: now() + 86_400, exp: now() + 90_000 }), /iat/));
    it('refuses an exp 100 years out', async () =>
      refused(await bearer({ sub: 'sam', roles, iat: now(), exp: now() + 100 * 365 * 86_400 }), /lives longer/));
    it('refuses a token without iat that stays valid for more than a day', async () =>
      refused(await bearer({ sub: 'sam', roles, exp: now() + 2 * 86_400 }), /lives longer/));
    it('accepts a token without iat that expires within a day', async () =>
      accepted(await bearer({ sub: 'sam', roles, exp: now() + 3600 })));
    it('accepts an iat a few seconds ahead (clock skew)', async () =>
      accepted(await bearer({ sub: 'sam', roles, iat: now() + 20, exp: now() + 3600 })));
    it('accepts a lifetime of exactly 24 hours', async () =>
      accepted(await bearer({ sub: 'sam', roles, iat: now(), exp: now() + 86_400 })));
  });
});

describe('rate limits', () => {
  const secret = randomBytes(32).toString('hex');
  let t: TestApp;
  const as = (sub: string, ...roles: string[]) =>
    signed(secret, { sub, roles, iat: now(), exp: now() + 3600 }).then((token) => `Bearer ${token}`);

  beforeAll(async () => {
    t = await startTestApp({
      JWT_SECRET: secret,
      RATE_LIMIT_WINDOW_SECONDS: '600',
      RATE_LIMIT_PER_USER: '5',
      RATE_LIMIT_PER_SERVICE: '12',
      RATE_LIMIT_PER_ADDRESS: '3',
    });
  });
  afterAll(() => t?.close());

  const burst = async (count: number, authorization?: string): Promise<number[]> => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const request = t.http.get(`/v1/contracts/${randomUUID()}`);
      statuses.push((await (authorization ? request.set('authorization', authorization) : request)).status);
    }
    return statuses;
  };

  it('answers a burst above a user budget with 429 problem+json and Retry-After; other users go on', async () => {
    const sam = await as('sam', 'sales');
    expect(await burst(5, sam)).toEqual([404, 404, 404, 404, 404]);
    const over = await t.http.get(`/v1/contracts/${randomUUID()}`).set('authorization', sam);
    expect(over.status).toBe(429);
    expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(over.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // The same person under another spelling shares the budget; someone else has their own.
    expect(
      (await t.http.get('/v1/contracts/' + randomUUID()).set('authorization', await as('SAM', 'sales'))).status,
    ).toBe(429);
    expect(await burst(1, await as('dana', 'sales'))).toEqual([404]);
  });

  it('refuses writes over the budget without recording them', async () => {
    const ada = await as('ada', 'sales');
    const statuses: number[] = [];
    const before = await storedEvents(t.pool, 'AdvertiserRegistered');
    for (let i = 0; i < 7; i++) {
      const response = await t.http
        .post('/v1/advertisers')
        .set('authorization', ada)
        .send({ legalName: `Acme ${i}`, registrationNumber: `R-${i}`, kaTier: 'key' });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    expect(await storedEvents(t.pool, 'AdvertiserRegistered')).toBe(before + 5);
  });

  it('gives service tokens their own, higher budget', async () => {
    const adServing = await as('ad-serving', 'service');
    const statuses = await burst(13, adServing);
    expect(statuses.slice(0, 12).every((status) => status !== 429)).toBe(true);
    expect(statuses[12]).toBe(429);
  });

  it('counts requests without a valid token per client address', async () => {
    const statuses = await burst(4);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const bad = await t.http.get(`/v1/contracts/${randomUUID()}`).set('authorization', 'Bearer not-a-token');
    expect(bad.status).toBe(429);
  });
});

describe('tokens from an identity provider (JWKS)', () => {
  let t: TestApp;
  let jwks: Server;
  let served: JWK[] = [];
  let fetches = 0;
  let jwksPort = 0;

  const keyPair = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
  };
  type Key = Awaited<ReturnType<typeof keyPair>>;
  const tokenFrom = async (key: Key, sub = 'ida') =>
    `Bearer ${await new SignJWT({ roles: ['sales'] })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setSubject(sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key.privateKey)}`;
  const status = async (authorization: string) =>
    (await t.http.get(`/v1/contracts/${randomUUID()}`).set('authorization', authorization)).status;

  let first: Key;
  let second: Key;

  beforeAll(async () => {
    [first, second] = await Promise.all([keyPair('key-2026-1'), keyPair('key-2026-2')]);
    served = [first.jwk];
    jwks = createServer((_request, response) => {
      fetches++;
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      response.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksPort = (jwks.address() as AddressInfo).port;
    t = await startTestApp({
      JWT_SECRET: '',
      JWT_JWKS_URL: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`,
      // Refetch at once for an unknown kid, so the rotation below needs no waiting.
      JWT_JWKS_COOLDOWN_SECONDS: '0',
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('verifies tokens against the served key and caches the key set', async () => {
    const token = await tokenFrom(first);
    expect([await status(token), await status(token), await status(token)]).toEqual([404, 404, 404]);
    expect(fetches).toBe(1);
  });

  it('refuses a token signed with a key the provider does not publish', async () => {
    const stranger = await keyPair('key-2026-1');
    expect(await status(await tokenFrom(stranger))).toBe(401);
  });

  it('picks up a rotated key by its kid, and drops the retired one', async () => {
    served = [second.jwk];
    const fetchesBefore = fetches;
    expect(await status(await tokenFrom(second))).toBe(404);
    expect(fetches).toBe(fetchesBefore + 1);
    expect(await status(await tokenFrom(first))).toBe(401);
  });

  it('answers 503 while the key set cannot be fetched, and recovers', async () => {
    const third = await keyPair('key-2026-3');
    const unreachable = served;
    jwks.closeAllConnections();
    await new Promise((resolve) => jwks.close(resolve));
    const response = await t.http.get(`/v1/contracts/${randomUUID()}`).set('authorization', await tokenFrom(third));
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body.code).toBe('KEYS_UNAVAILABLE');
    served = [...unreachable, third.jwk];
    await new Promise<void>((resolve) => jwks.listen(jwksPort, '127.0.0.1', resolve));
    expect(await status(await tokenFrom(third))).toBe(404);
  });

  it('refuses an HS256 token once keys come from the provider', async () => {
    const forged = await signed(randomBytes(32).toString('hex'), { sub: 'ida', roles: ['sales'], exp: now() + 60 });
    expect(await status(`Bearer ${forged}`)).toBe(401);
  });
});
