import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Response } from 'supertest';
import { startTestApp, type TestApp } from './support/app';
import { storedEvents } from './support/stored-events';

// Setting up an app (a fresh database) takes seconds on a loaded machine.
jest.setTimeout(60_000);

/**
 * Input built to break the server rather than to be refused by a rule: each family once answered
 * 500 or was accepted. Each must now get a 4xx problem+json and record nothing.
 */
describe('hostile input over HTTP', () => {
  let t: TestApp;
  let sales: string;
  let compliance: string;
  let admin: string;
  const advertiserId = randomUUID();

  beforeAll(async () => {
    // A short request deadline, so a stalled upload is cut within the test's time; a signing key,
    // so that audit checkpoints answer rather than say they are not configured.
    const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    t = await startTestApp({ REQUEST_TIMEOUT_MS: '1000', AUDIT_SIGNING_KEY: signingKey });
    [sales, compliance, admin] = await Promise.all([
      t.as('sam', 'sales'),
      t.as('cora', 'compliance'),
      t.as('ada', 'platform_admin'),
    ]);
    await t.http
      .post('/v1/advertisers')
      .set('authorization', sales)
      .send({ advertiserId, legalName: 'Glow Cosmetics', registrationNumber: 'REG-9', kaTier: 'key' })
      .expect(201);
  });
  afterAll(() => t?.close());

  const expectProblem = (response: Response, status: number, code?: string) => {
    expect({ status: response.status, body: response.body as unknown }).toMatchObject({
      status,
      body: { status, ...(code ? { code } : {}) },
    });
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  };

  /** Sends, then checks the answer and that the global log did not move. */
  const refused = async (send: () => Promise<Response>, status: number, code?: string): Promise<Response> => {
    const before = await storedEvents(t.pool);
    const response = await send();
    expectProblem(response, status, code);
    expect(await storedEvents(t.pool)).toBe(before);
    return response;
  };

  /** Buffers go out byte for byte (superagent would serialise one as JSON). */
  const postJson = (path: string, body: string | Buffer, contentType = 'application/json') =>
    t.http
      .post(path)
      .set('authorization', sales)
      .set('content-type', contentType)
      .serialize((raw: unknown) => raw as string)
      .send(body as string);

  const advertiser = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({ legalName: 'Acme', registrationNumber: 'R-1', kaTier: 'key', ...overrides });

  describe('JSON structure, checked while parsing', () => {
    it('counts arrays and objects as values, so many shallow-enough nests are refused', () =>
      refused(
        () => postJson('/v1/advertisers', `[${`${'['.repeat(31)}${']'.repeat(31)},`.repeat(100)}0]`),
        400,
        'MALFORMED_BODY',
      ));

    it('refuses 4,000 levels of nesting (24 KB) with 400, not a stack overflow', () =>
      refused(
        () => postJson('/v1/contracts', `{"categories":${'['.repeat(4000)}${']'.repeat(4000)}}`),
        400,
        'MALFORMED_BODY',
      ));

    it('refuses 33 levels and names the limit', async () => {
      const response = await refused(
        () => postJson('/v1/advertisers', `{"legalName":${'['.repeat(33)}${']'.repeat(33)}}`),
        400,
        'MALFORMED_BODY',
      );
      expect(response.body.detail).toMatch(/deeper than 32/);
    });

    it('does not count brackets inside strings', () =>
      refused(
        () => postJson('/v1/advertisers', advertiser({ legalName: '['.repeat(100), kaTier: 'nope' })),
        400,
        'VALIDATION_FAILED',
      ));

    it('refuses more than 2,000 values', async () => {
      const response = await refused(
        () =>
          t.http
            .put('/v1/platforms/taobao')
            .set('authorization', admin)
            .set('content-type', 'application/json')
            .send(`{"displayName":"T","allowedDomains":[${'"a.com",'.repeat(20_000)}"a.com"]}`),
        400,
        'MALFORMED_BODY',
      );
      expect(response.body.detail).toMatch(/more than 2000 values/);
    });
  });

  describe('text fields', () => {
    it.each([
      ['NUL', 'Acme\u0000 Ltd'],
      ['a lone high surrogate', 'Acme \ud800 Ltd'],
      ['a lone low surrogate', 'Acme \udc00'],
      ['an escape character', 'Acme\u001b[2J'],
      ['a line feed in a name', 'Acme\nLtd'],
      ['a C1 control', 'Acme\u0085'],
    ])('refuses %s in a legal name with 400 naming the field', async (_, legalName) => {
      const response = await refused(
        () => postJson('/v1/advertisers', advertiser({ legalName })),
        400,
        'VALIDATION_FAILED',
      );
      expect(response.body.errors).toEqual([
        { field: 'legalName', messages: [expect.stringMatching(/control characters/)] },
      ]);
    });

    it('refuses NUL in a reason with 400 naming it', async () => {
      const response = await refused(
        () =>
          t.http
            .post(`/v1/advertisers/${advertiserId}/suspension`)
            .set('authorization', compliance)
            .send({ reason: 'fraud\u0000' }),
        400,
        'VALIDATION_FAILED',
      );
      expect(response.body.errors[0].field).toBe('reason');
    });

    it('refuses a lone surrogate in an allowed domain, item by item', async () => {
      const response = await refused(
        () =>
          t.http
            .put('/v1/platforms/taobao')
            .set('authorization', admin)
            .send({ displayName: 'Taobao', allowedDomains: ['taobao.com', 'tmall\ud800.com'] }),
        400,
        'VALIDATION_FAILED',
      );
      expect(response.body.errors[0].field).toBe('allowedDomains');
    });

    it('accepts line feeds and tabs in a reason (prose), and stores them', async () => {
      const response = await t.http
        .post(`/v1/advertisers/${advertiserId}/suspension`)
        .set('authorization', compliance)
        .send({ reason: 'fraud:\n\t- invoices forged' });
      expect(response.status).toBe(200);
      const [, suspended] = await t.stream(`advertiser-${advertiserId}`);
      expect(suspended?.data).toMatchObject({ reason: 'fraud:\n\t- invoices forged' });
    });
  });

  describe('query parameters', () => {
    it.each([
      ['/v1/advertisers?q=', 'q'],
      ['/v1/advertisers?salesOwnerId=', 'salesOwnerId'],
      ['/v1/contracts?salesOwnerId=', 'salesOwnerId'],
    ])('refuses NUL in %s with 400 naming it, before any query', async (path, field) => {
      const response = await t.http.get(`${path}a%00b`).set('authorization', sales);
      expectProblem(response, 400, 'VALIDATION_FAILED');
      expect(response.body.errors[0].field).toBe(field);
    });

    it('refuses a position beyond any store’s with 400, and reads from one no event has', async () => {
      const auditor = await t.as('fay', 'finance_auditor');
      const beyond = (1n << 128n).toString();
      const tooFar = await t.http.get(`/v1/audit/events?fromPosition=${beyond}`).set('authorization', auditor);
      expectProblem(tooFar, 400, 'VALIDATION_FAILED');
      // Below 2^128 but past the sequence numbers PostgreSQL stores: no event is there.
      const empty = await t.http
        .get('/v1/audit/events?fromPosition=99999999999999999999999999999999')
        .set('authorization', auditor)
        .expect(200);
      expect(empty.body).toMatchObject({ events: [], hasMore: false });
    });

    it('never answers 5xx on any documented GET route, whatever a query parameter holds', async () => {
      const document = (await t.http.get('/docs/openapi.json').expect(200)).body as {
        paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
      };
      const everyone = await t.as(
        'root',
        'sales',
        'deal_approver',
        'compliance',
        'platform_admin',
        'finance_auditor',
        'service',
      );
      const hostile = [
        '%00',
        'a%00b',
        '%ED%A0%80',
        '%C0%80',
        '-1',
        '1e309',
        '99999999999999999999999999999999',
        '9'.repeat(60),
        'x'.repeat(3_000),
        '%27%3B--',
        // Cursors are base64url of JSON arrays: forged ones of every length, with values no key has.
        ...[1, 3, 4].flatMap((length) =>
          ['\u0000', 'not-a-date', '2026-02-30 00:00:00+00', '9'.repeat(40), '\ud800'].map((value) =>
            Buffer.from(JSON.stringify(Array(length).fill(value))).toString('base64url'),
          ),
        ),
      ];
      const failures: string[] = [];
      for (const [template, operations] of Object.entries(document.paths)) {
        const path = template.replace(/\{[^}]+\}/g, advertiserId);
        for (const { name } of (operations.get?.parameters ?? []).filter((parameter) => parameter.in === 'query')) {
          for (const value of hostile) {
            for (const query of [`${name}=${value}`, `${name}=${value}&${name}=${value}`]) {
              const response = await t.http.get(`${path}?${query}`).set('authorization', everyone).timeout(10_000);
              if (response.status >= 500) failures.push(`${response.status} GET ${path}?${query.slice(0, 80)}`);
            }
          }
        }
      }
      expect(failures).toEqual([]);
    });
  });

  describe('null where a field is optional', () => {
    it.each([
      [
        'linkTarget on a campaign',
        '/v1/campaigns',
        () => ({
          contractId: randomUUID(),
          advertiserId,
          category: 'beauty',
          budgetMinor: '1000',
          startsAt: '2027-01-01T00:00:00Z',
          endsAt: '2027-02-01T00:00:00Z',
          adLabel: 'Ad',
          linkTarget: null,
        }),
      ],
      [
        'campaignId on a campaign',
        '/v1/campaigns',
        () => ({
          campaignId: null,
          contractId: randomUUID(),
          advertiserId,
          category: 'beauty',
          budgetMinor: '1000',
          startsAt: '2027-01-01T00:00:00Z',
          endsAt: '2027-02-01T00:00:00Z',
          adLabel: 'Ad',
        }),
      ],
      [
        'salesOwnerId on an advertiser',
        '/v1/advertisers',
        () => JSON.parse(advertiser({ salesOwnerId: null })) as object,
      ],
    ])('refuses null for %s with 400 naming it', async (name, path, body) => {
      const response = await refused(() => postJson(path, JSON.stringify(body())), 400, 'VALIDATION_FAILED');
      expect(response.body.errors[0]).toMatchObject({ field: name.split(' ')[0] });
    });

    it('refuses null in a contract revision', async () => {
      await refused(
        () => t.http.patch(`/v1/contracts/${randomUUID()}`).set('authorization', sales).send({ currency: null }),
        400,
        'VALIDATION_FAILED',
      );
    });
  });

  describe('media types and encodings', () => {
    it('refuses text/plain with 415', () =>
      refused(() => postJson('/v1/advertisers', advertiser(), 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'));

    it('refuses a form with 415', () =>
      refused(
        () => postJson('/v1/advertisers', 'legalName=Acme', 'application/x-www-form-urlencoded'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ));

    it('refuses JSON labelled charset=utf-16 with 415', () =>
      refused(
        () => postJson('/v1/advertisers', Buffer.from(advertiser(), 'utf16le'), 'application/json; charset=utf-16'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ));

    it('accepts JSON labelled charset=UTF-8', async () => {
      const response = await postJson('/v1/advertisers', advertiser(), 'application/json; charset=UTF-8');
      expect(response.status).toBe(201);
    });

    it('refuses a body that starts with a UTF-8 byte-order mark with 400', () =>
      refused(
        () => postJson('/v1/advertisers', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(advertiser())])),
        400,
        'MALFORMED_BODY',
      ));

    it('refuses bytes that are not UTF-8 with 400', () =>
      refused(
        () =>
          postJson(
            '/v1/advertisers',
            Buffer.concat([Buffer.from('{"legalName":"Ac'), Buffer.from([0xff, 0xc0]), Buffer.from('me"}')]),
          ),
        400,
        'MALFORMED_BODY',
      ));

    it('refuses prototype poisoning with 400', () =>
      refused(() => postJson('/v1/advertisers', '{"__proto__":{"isAdmin":true}}'), 400));
  });

  describe('errors Fastify and Node answer themselves', () => {
    it('answers an unknown route with 404 problem+json', async () => {
      expectProblem(await t.http.get('/v1/nothing-here').set('authorization', sales), 404);
      expectProblem(await t.http.post('/nope').send({}), 404);
    });

    it('answers a body over the limit with 413 problem+json', () =>
      refused(
        () => postJson('/v1/advertisers', advertiser({ legalName: 'x'.repeat(1_100_000) })),
        413,
        'BODY_TOO_LARGE',
      ));

    it('answers a path segment over the length limit with 414 problem+json', () =>
      refused(
        () => t.http.post(`/v1/contracts/${'a'.repeat(300)}/submission`).set('authorization', sales),
        414,
        'URI_TOO_LONG',
      ));

    it('answers a URL that does not decode with 400 problem+json', () =>
      refused(() => t.http.post('/v1/contracts/%/submission').set('authorization', sales), 400, 'BAD_URL'));

    it('answers headers over the size limit with 431 problem+json', async () => {
      const url = new URL('/v1/advertisers', t.baseUrl);
      const answer = await new Promise<{ status: number; contentType: string; body: string }>((resolve, reject) => {
        const request = httpRequest(
          url,
          { method: 'GET', headers: { 'x-padding': 'x'.repeat(20_000) } },
          (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (body += chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '', body }),
            );
          },
        );
        request.on('error', reject);
        request.end();
      });
      expect(answer.status).toBe(431);
      expect(answer.contentType).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
    });

    it('answers a body that stops arriving with 408 problem+json and closes the connection', async () => {
      const { hostname, port } = new URL(t.baseUrl);
      const started = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(
            `POST /v1/advertisers HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: ${sales}\r\n` +
              'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"legalName":',
          );
        });
        let received = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (received += chunk));
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
        socket.setTimeout(15_000, () => socket.destroy(new Error('the server kept the stalled request open')));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('application/problem+json');
      expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
      // REQUEST_TIMEOUT_MS plus Node's checking interval (1 s), with room for a loaded machine.
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
});
