import { randomBytes, randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import type { Role } from '#domain';
import { loadConfig } from '#runtime';
import { mintToken } from '../apps/api/src/http/tokens';
import { startTestApp, type TestApp } from './support/app';
import { serverUrl } from './support/postgres';

/**
 * Every kind of bad request gets a 4xx problem+json with a stable `code`, and records nothing:
 * neither in the stream it addressed nor anywhere else in the log.
 */
describe('bad input over HTTP', () => {
  const secret = randomBytes(32).toString('hex');
  const bodyLimitBytes = 4096;
  const { jwtIssuer, jwtAudience } = loadConfig({ DATABASE_URL: serverUrl(), JWT_SECRET: secret });
  const token = async (userId: string, roles: Role[], options: { expiresIn?: string; secret?: string } = {}) =>
    `Bearer ${await mintToken({ secret: options.secret ?? secret, issuer: jwtIssuer, audience: jwtAudience, userId, roles, ...(options.expiresIn ? { expiresIn: options.expiresIn } : {}) })}`;

  let t: TestApp;
  let sales: string;
  let compliance: string;
  let approver: string;
  let expired: string;
  let wronglySigned: string;

  const advertiserId = randomUUID();
  /** A draft the path-addressed cases aim at, so "nothing appended" is checked on a stream that exists. */
  const existingId = randomUUID();
  const year = new Date().getUTCFullYear();
  const draft = (contractId: string, overrides: Record<string, unknown> = {}) => ({
    contractId,
    advertiserId,
    currency: 'CNY',
    totalValueMinor: '5000000',
    startsOn: `${year}-01-01`,
    endsOn: `${year}-12-31`,
    categories: ['beauty'],
    platforms: ['taobao'],
    ...overrides,
  });

  beforeAll(async () => {
    // The app shares our secret so that this spec can also mint expired tokens with it.
    t = await startTestApp({ JWT_SECRET: secret, BODY_LIMIT_BYTES: String(bodyLimitBytes) });
    [sales, compliance, approver, expired, wronglySigned] = await Promise.all([
      token('sam', ['sales']),
      token('cora', ['compliance']),
      token('dana', ['deal_approver']),
      token('sam', ['sales'], { expiresIn: '-1m' }),
      token('sam', ['sales'], { secret: randomBytes(32).toString('hex') }),
    ]);
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .send({ advertiserId, legalName: 'Glow Cosmetics', registrationNumber: 'REG-9', kaTier: 'key' })
      .expect(201);
    await t.http.post('/v1/contracts').set('authorization', sales).send(draft(existingId)).expect(201);
  });
  afterAll(() => t?.close());

  interface Case {
    readonly status: number;
    readonly code: string;
    readonly detail?: RegExp;
    /** Sends the request about a contract: a fresh id nobody has used, or the existing draft. */
    readonly send: (contractId: string) => Test;
    readonly about?: 'fresh' | 'existing';
  }

  const draftWith = (overrides: Record<string, unknown>) => (contractId: string) =>
    t.http.post('/v1/contracts').set('authorization', sales).send(draft(contractId, overrides));

  const cases: Record<string, Case> = {
    'a malformed JSON body': {
      status: 400,
      code: 'MALFORMED_BODY',
      detail: /not valid JSON/,
      send: (id) =>
        t.http
          .post('/v1/contracts')
          .set('authorization', sales)
          .set('content-type', 'application/json')
          .send(`{"contractId": "${id}", "advertiserId": `),
    },
    'an unknown field': { status: 400, code: 'VALIDATION_FAILED', send: draftWith({ discountPercent: 10 }) },
    'an unknown field inside an amendment (the currency is not amendable)': {
      status: 400,
      code: 'VALIDATION_FAILED',
      about: 'existing',
      send: (id) =>
        t.http
          .post(`/v1/contracts/${id}/amendments`)
          .set('authorization', sales)
          .send({ changes: { currency: 'USD' } }),
    },
    'an advertiser field in a draft revision (the advertiser never changes)': {
      status: 400,
      code: 'VALIDATION_FAILED',
      about: 'existing',
      send: (id) =>
        t.http.patch(`/v1/contracts/${id}`).set('authorization', sales).send({ advertiserId: randomUUID() }),
    },
    'a bad UUID in the path': {
      status: 400,
      code: 'INVALID_ID',
      send: () => t.http.post('/v1/contracts/contract-1/submission').set('authorization', sales),
    },
    'an uppercase UUID in the path (one id, one stream)': {
      status: 400,
      code: 'INVALID_ID',
      about: 'existing',
      send: (id) => t.http.post(`/v1/contracts/${id.toUpperCase()}/submission`).set('authorization', sales),
    },
    'a bad UUID in the body': {
      status: 400,
      code: 'VALIDATION_FAILED',
      send: (id) =>
        t.http
          .post('/v1/contracts')
          .set('authorization', sales)
          .send(draft(id, { advertiserId: 'acme' })),
    },
    'an uppercase advertiser UUID in the body': {
      status: 400,
      code: 'VALIDATION_FAILED',
      send: draftWith({ advertiserId: advertiserId.toUpperCase() }),
    },
    'negative money': { status: 400, code: 'VALIDATION_FAILED', send: draftWith({ totalValueMinor: '-5000000' }) },
    'fractional money': { status: 400, code: 'VALIDATION_FAILED', send: draftWith({ totalValueMinor: '5000000.50' }) },
    'money as a JSON number': { status: 400, code: 'VALIDATION_FAILED', send: draftWith({ totalValueMinor: 5000000 }) },
    'money in exponent form': { status: 400, code: 'VALIDATION_FAILED', send: draftWith({ totalValueMinor: '5e6' }) },
    'negative money in a draft revision': {
      status: 400,
      code: 'VALIDATION_FAILED',
      about: 'existing',
      send: (id) => t.http.patch(`/v1/contracts/${id}`).set('authorization', sales).send({ totalValueMinor: '-1' }),
    },
    'a date that does not exist': {
      status: 400,
      code: 'VALIDATION_FAILED',
      send: draftWith({ endsOn: `${year + 1}-02-30` }),
    },
    'a start after the end (a business rule)': {
      status: 409,
      code: 'END_NOT_AFTER_START',
      send: draftWith({ startsOn: `${year}-06-01`, endsOn: `${year}-01-01` }),
    },
    'a term over 36 months (a business rule)': {
      status: 409,
      code: 'TERM_TOO_LONG',
      send: draftWith({ startsOn: `${year}-01-01`, endsOn: `${year + 3}-01-02` }),
    },
    'a bad amendment version in the path': {
      status: 400,
      code: 'INVALID_VERSION',
      about: 'existing',
      send: (id) => t.http.post(`/v1/contracts/${id}/amendments/0/approval`).set('authorization', approver),
    },
    'a missing token': {
      status: 401,
      code: 'UNAUTHENTICATED',
      send: (id) => t.http.post('/v1/contracts').send(draft(id)),
    },
    'an expired token': {
      status: 401,
      code: 'UNAUTHENTICATED',
      send: (id) => t.http.post('/v1/contracts').set('authorization', expired).send(draft(id)),
    },
    'a token signed with another key': {
      status: 401,
      code: 'UNAUTHENTICATED',
      send: (id) => t.http.post('/v1/contracts').set('authorization', wronglySigned).send(draft(id)),
    },
    'the wrong role': {
      status: 403,
      code: 'ROLE_REQUIRED',
      send: (id) => t.http.post('/v1/contracts').set('authorization', compliance).send(draft(id)),
    },
    'the wrong role on an existing contract': {
      status: 403,
      code: 'ROLE_REQUIRED',
      about: 'existing',
      send: (id) => t.http.post(`/v1/contracts/${id}/submission`).set('authorization', approver),
    },
    'a body over the limit': {
      status: 413,
      code: 'BODY_TOO_LARGE',
      send: draftWith({ note: 'x'.repeat(bodyLimitBytes) }),
    },
  };

  it.each(Object.entries(cases))('refuses %s', async (_, { status, code, detail, send, about }) => {
    const contractId = about === 'existing' ? existingId : randomUUID();
    const [headBefore, streamBefore] = await Promise.all([
      t.eventStore.headPosition(),
      t.stream(`contract-${contractId}`),
    ]);
    const response = await send(contractId);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status, code, ...(detail ? { detail: expect.stringMatching(detail) } : {}) });
    expect(await t.stream(`contract-${contractId}`)).toEqual(streamBefore);
    expect(await t.eventStore.headPosition()).toBe(headBefore);
    if (about !== 'existing') expect(streamBefore).toEqual([]);
  });

  it.each([
    ['a category that is not a slug', { category: 'Beauty & Co', licenceRef: 'L-1', validUntil: `${year + 1}-12-31` }],
    ['a valid-until that is not YYYY-MM-DD', { category: 'beauty', licenceRef: 'L-1', validUntil: '31/12/2030' }],
    ['a missing licence', { category: 'beauty', validUntil: `${year + 1}-12-31` }],
  ])('refuses a category request with %s', async (_, body) => {
    const stream = `categoryApproval-${advertiserId}_beauty`;
    const headBefore = await t.eventStore.headPosition();
    const response = await t.http
      .post(`/v1/advertisers/${advertiserId}/category-approvals`)
      .set('authorization', sales)
      .send(body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await t.stream(stream)).toEqual([]);
    expect(await t.eventStore.headPosition()).toBe(headBefore);
  });
});
