import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { startTestApp, type TestApp } from './support/app';
import { storedEvents } from './support/stored-events';

/**
 * Property: whatever arrives at a write route, the answer is never a 5xx, an error is problem+json,
 * and a refused request appends nothing to the log. Routes and body shapes come from the OpenAPI
 * document, so a new write route is fuzzed without touching this file. Bodies start from the
 * documented shape (so many requests get deep into the deciders) and are then broken field by
 * field; some are broken as bytes (encoding, nesting, media type).
 *
 * A fixed seed keeps `npm test` repeatable; FUZZ_RUNS and FUZZ_SEED widen it (`npm run fuzz`).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
// A few hundred milliseconds per request on a loaded machine, at worst.
jest.setTimeout(Math.max(120_000, RUNS * 300));

interface Schema {
  readonly $ref?: string;
  readonly allOf?: readonly Schema[];
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly example?: unknown;
  readonly items?: Schema;
  readonly properties?: Record<string, Schema>;
  readonly required?: readonly string[];
}

interface Operation {
  readonly method: 'post' | 'put' | 'patch' | 'delete';
  readonly path: string;
  readonly body: Schema | undefined;
}

interface FuzzRequest {
  readonly operation: Operation;
  readonly params: Record<string, string>;
  readonly body: { readonly kind: 'none' } | { readonly kind: 'json'; readonly value: unknown } | RawBody;
  readonly subject: string | undefined;
  readonly roles: readonly string[];
  readonly ifMatch: string | undefined;
  readonly idempotencyKey: string | undefined;
}

interface RawBody {
  readonly kind: 'raw';
  readonly bytes: Buffer;
  readonly contentType: string;
}

const ROLES = ['sales', 'deal_approver', 'compliance', 'platform_admin', 'finance_auditor', 'service'];
const ISSUER = 'ka-contracting';
const AUDIENCE = 'ka-contracting-api';

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'x\ud800y',
  '\udfff',
  '\u202egnp.exe',
  'sa\u200bm',
  '\u001b[2J',
  '\r\n',
  'x'.repeat(5_000),
  '💥',
  '__proto__',
  'constructor',
  "'; DROP TABLE events; --",
  '../../etc/passwd',
  '%00',
  '9'.repeat(40),
  '-1',
  '1e309',
  '2027-02-30',
  '2027-01-01T00:00:00+08:00',
  'javascript:alert(1)',
  'https://evil.example/taobao.com',
];

const nested = (depth: number): unknown => (depth === 0 ? 'deep' : [nested(depth - 1)]);
const HOSTILE_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  true,
  false,
  [],
  {},
  [[[]]],
  nested(20),
  { a: { b: { c: {} } } },
];

/** Broken on the wire rather than in a field. */
const rawBodies = (valid: string): fc.Arbitrary<RawBody> =>
  fc.constantFrom<RawBody>(
    { kind: 'raw', bytes: Buffer.from(valid.slice(0, Math.max(1, valid.length - 3))), contentType: 'application/json' },
    { kind: 'raw', bytes: Buffer.from(`${'['.repeat(5_000)}${']'.repeat(5_000)}`), contentType: 'application/json' },
    {
      kind: 'raw',
      bytes: Buffer.from(`{"a":${'{"a":'.repeat(40)}1${'}'.repeat(41)}`),
      contentType: 'application/json',
    },
    { kind: 'raw', bytes: Buffer.from(`[${'0,'.repeat(20_000)}0]`), contentType: 'application/json' },
    {
      kind: 'raw',
      bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]),
      contentType: 'application/json',
    },
    { kind: 'raw', bytes: Buffer.from(valid, 'utf16le'), contentType: 'application/json; charset=utf-16' },
    { kind: 'raw', bytes: Buffer.from(valid), contentType: 'text/plain' },
    { kind: 'raw', bytes: Buffer.from(valid), contentType: 'application/x-www-form-urlencoded' },
    { kind: 'raw', bytes: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), contentType: 'application/json' },
    { kind: 'raw', bytes: Buffer.from('{"__proto__":{"polluted":true}}'), contentType: 'application/json' },
    { kind: 'raw', bytes: Buffer.from(''), contentType: 'application/json' },
    { kind: 'raw', bytes: Buffer.from('null'), contentType: 'application/json' },
    { kind: 'raw', bytes: Buffer.from('"a string"'), contentType: 'application/json' },
    { kind: 'raw', bytes: Buffer.from(valid), contentType: 'application/json; charset=latin1' },
  );

describe('fuzzing every write route', () => {
  const secret = randomBytes(32).toString('hex');
  let t: TestApp;
  let operations: Operation[];
  let components: Record<string, Schema>;
  const ids: Record<string, string[]> = {
    advertiserId: [],
    contractId: [],
    campaignId: [],
    platform: ['taobao', 'jd'],
    category: ['beauty', 'fashion'],
    version: ['1', '2'],
  };
  const tokens = new Map<string, string>();
  const token = async (subject: string, roles: readonly string[]) => {
    const key = `${subject}|${roles.join(',')}`;
    if (!tokens.has(key)) {
      tokens.set(
        key,
        await new SignJWT({ roles: [...roles] })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(subject)
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode(secret)),
      );
    }
    return tokens.get(key)!;
  };

  /** A small world (platform, verified advertiser, approved category, active contract, campaign) to aim at. */
  const buildWorld = async () => {
    const all = async (subject: string) => `Bearer ${await token(subject, ROLES)}`;
    const [sam, cora, dana, ada] = await Promise.all(['sam', 'cora', 'dana', 'ada'].map(all));
    const ok = async (request: PromiseLike<{ status: number; body: { id?: string } }>) => {
      const response = await request;
      expect(response).toMatchObject({ status: expect.any(Number) });
      if (response.status >= 300) throw new Error(`setting up the world: ${JSON.stringify(response.body)}`);
      return response.body.id!;
    };
    await ok(
      t.http
        .put('/v1/platforms/taobao')
        .set('authorization', ada!)
        .send({ displayName: 'Taobao', allowedDomains: ['taobao.com'] }),
    );
    await ok(t.http.put('/v1/link-eligible-categories/beauty').set('authorization', ada!).send({ regulated: false }));
    const advertiserId = await ok(
      t.http
        .post('/v1/advertisers')
        .set('authorization', sam!)
        .send({ legalName: 'Glow', registrationNumber: 'R-1', kaTier: 'key' }),
    );
    await ok(
      t.http
        .post(`/v1/advertisers/${advertiserId}/verification`)
        .set('authorization', cora!)
        .send({ decision: 'verified' }),
    );
    await ok(
      t.http
        .post(`/v1/advertisers/${advertiserId}/category-approvals`)
        .set('authorization', sam!)
        .send({ category: 'beauty', licenceRef: 'L-1', validUntil: '2028-12-31' }),
    );
    await ok(
      t.http.post(`/v1/advertisers/${advertiserId}/category-approvals/beauty/approval`).set('authorization', cora!),
    );
    const contractId = await ok(
      t.http
        .post('/v1/contracts')
        .set('authorization', sam!)
        .send({
          advertiserId,
          currency: 'CNY',
          totalValueMinor: '100000000',
          startsOn: '2027-01-01',
          endsOn: '2027-12-31',
          categories: ['beauty'],
          platforms: ['taobao'],
        }),
    );
    await ok(t.http.post(`/v1/contracts/${contractId}/submission`).set('authorization', sam!));
    await ok(t.http.post(`/v1/contracts/${contractId}/approval`).set('authorization', dana!));
    await ok(t.http.post(`/v1/contracts/${contractId}/signature`).set('authorization', sam!));
    await ok(
      t.http
        .post(`/v1/contracts/${contractId}/external-links`)
        .set('authorization', cora!)
        .send({ platform: 'taobao', categories: ['beauty'] }),
    );
    const campaignId = await ok(
      t.http
        .post('/v1/campaigns')
        .set('authorization', sam!)
        .send({
          contractId,
          advertiserId,
          category: 'beauty',
          budgetMinor: '300000',
          startsAt: '2027-01-01T00:00:00Z',
          endsAt: '2027-02-01T00:00:00Z',
          adLabel: 'Ad',
          linkTarget: { platform: 'taobao', url: 'https://item.taobao.com/item?id=1' },
        }),
    );
    ids.advertiserId!.push(advertiserId);
    ids.contractId!.push(contractId);
    ids.campaignId!.push(campaignId);
  };

  beforeAll(async () => {
    t = await startTestApp({ JWT_SECRET: secret, RATE_LIMIT_ENABLED: 'false' });
    const document = (await t.http.get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
      components: { schemas: Record<string, Schema> };
    };
    components = document.components.schemas;
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, operation]) => ({
          method: method as Operation['method'],
          path,
          body: operation.requestBody?.content?.['application/json']?.schema,
        })),
    );
    await buildWorld();
  });
  afterAll(() => t?.close());

  const resolve = (schema: Schema): Schema => {
    if (schema.$ref) return resolve(components[schema.$ref.split('/').pop()!]!);
    if (schema.allOf?.length === 1) return resolve(schema.allOf[0]!);
    return schema;
  };

  /** A plausible value for a schema: the documented example, a known id, or something of the type. */
  const plausible = (name: string, raw: Schema, depth = 0): fc.Arbitrary<unknown> => {
    const schema = resolve(raw);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    if (schema.type === 'object' || schema.properties) return objectOf(schema, depth + 1);
    if (schema.type === 'array') {
      const item = schema.items ? plausible(name, schema.items, depth + 1) : fc.string();
      return fc.oneof(
        { arbitrary: fc.constant(schema.example ?? []), weight: 3 },
        { arbitrary: fc.array(item, { maxLength: 4 }), weight: 1 },
      );
    }
    if (schema.type === 'boolean') return fc.boolean();
    if (schema.type === 'integer' || schema.type === 'number') {
      return fc.oneof(
        { arbitrary: fc.constant(schema.example ?? 1), weight: 4 },
        { arbitrary: fc.integer({ min: -10, max: 20_000 }), weight: 1 },
      );
    }
    const known =
      ids[name] ?? (schema.format === 'uuid' ? [...ids.advertiserId!, ...ids.contractId!, ...ids.campaignId!] : []);
    return fc.oneof(
      { arbitrary: known.length ? fc.constantFrom(...known) : fc.uuid(), weight: schema.format === 'uuid' ? 4 : 0 },
      { arbitrary: fc.constant(schema.example ?? 'text'), weight: schema.example === undefined ? 0 : 16 },
      { arbitrary: fc.uuid(), weight: 1 },
      { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
    );
  };

  const hostile = fc.oneof(
    { arbitrary: fc.constantFrom<unknown>(...HOSTILE_STRINGS), weight: 3 },
    { arbitrary: fc.constantFrom(...HOSTILE_VALUES), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 2 },
  );

  /** Every required field plausible, each optional one there or not. */
  const objectOf = (schema: Schema, depth: number): fc.Arbitrary<unknown> => {
    if (depth > 4) return fc.constant({});
    const required = new Set(schema.required ?? []);
    const entries = Object.entries(schema.properties ?? {}).map(([name, property]) => {
      const value = plausible(name, property, depth).map((plain) => ({ plain }));
      return (required.has(name) ? value : fc.option(value, { nil: undefined })).map((field) => [name, field] as const);
    });
    return fc.tuple(...entries).map((fields) => {
      const object: Record<string, unknown> = {};
      for (const [name, field] of fields) if (field) object[name] = field.plain;
      return object;
    });
  };

  /**
   * Half the bodies go as generated; the others get one field replaced by something hostile, one
   * left out, or one added (a nested object is broken inside as often as replaced).
   */
  const broken = (value: unknown): fc.Arbitrary<unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fc.constant(value);
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    const replace = (key: string) =>
      (typeof object[key] === 'object' && object[key] !== null && !Array.isArray(object[key])
        ? fc.oneof(hostile, broken(object[key]))
        : hostile
      ).map((replacement) => ({ ...object, [key]: replacement }));
    const extra = fc
      .tuple(fc.constantFrom('note', '__proto__', 'constructor', 'advertiserId', 'status'), hostile)
      .map(([key, extraValue]) => {
        const copy = { ...object };
        Object.defineProperty(copy, key, { value: extraValue, enumerable: true, writable: true, configurable: true });
        return copy;
      });
    return fc.oneof(
      { arbitrary: fc.constant(object), weight: 5 },
      { arbitrary: keys.length ? fc.constantFrom(...keys).chain(replace) : extra, weight: 3 },
      {
        arbitrary: keys.length
          ? fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key)))
          : extra,
        weight: 1,
      },
      { arbitrary: extra, weight: 1 },
    );
  };

  const paramsOf = (path: string): fc.Arbitrary<Record<string, string>> => {
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    return fc
      .tuple(
        ...names.map((name) =>
          fc.oneof(
            { arbitrary: ids[name]?.length ? fc.constantFrom(...ids[name]) : fc.uuid(), weight: 8 },
            { arbitrary: fc.uuid(), weight: 1 },
            { arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map((value) => value.slice(0, 300)), weight: 1 },
          ),
        ),
      )
      .map((values) => Object.fromEntries(names.map((name, i) => [name, values[i]!])));
  };

  /** Present in about one request in eight. */
  const rarely = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
    fc.oneof({ arbitrary: fc.constant(undefined), weight: 7 }, { arbitrary, weight: 1 });

  const requests = (): fc.Arbitrary<FuzzRequest> =>
    fc.constantFrom(...operations).chain((operation) =>
      fc.record({
        operation: fc.constant(operation),
        params: paramsOf(operation.path),
        body: operation.body
          ? objectOf(resolve(operation.body), 0)
              .chain(broken)
              .chain((value) =>
                fc.oneof(
                  { arbitrary: fc.constant({ kind: 'json' as const, value }), weight: 9 },
                  { arbitrary: rawBodies(JSON.stringify(value)), weight: 1 },
                ),
              )
          : fc.oneof(
              { arbitrary: fc.constant({ kind: 'none' as const }), weight: 8 },
              { arbitrary: hostile.map((value) => ({ kind: 'json' as const, value: { value } })), weight: 1 },
              { arbitrary: rawBodies('{}'), weight: 1 },
            ),
        subject: fc.oneof(
          { arbitrary: fc.constantFrom('sam', 'cora', 'dana', 'ada', 'Sam', 'ｃｏｒａ'), weight: 12 },
          { arbitrary: fc.constant(undefined), weight: 1 },
        ),
        roles: fc.oneof(
          { arbitrary: fc.constant(ROLES), weight: 6 },
          { arbitrary: fc.subarray(ROLES, { maxLength: 2 }), weight: 1 },
        ),
        ifMatch: rarely(fc.constantFrom('W/"0"', 'W/"1"', 'W/"4"', '"2"', 'W/"99999999999999999999"', 'nonsense')),
        idempotencyKey: rarely(fc.constantFrom('fuzz-1', 'fuzz-2', 'fuzz-3', 'with space', 'clé')),
      }),
    );

  /** encodeURIComponent throws on a lone surrogate; its UTF-8 bytes (U+FFFD) go out instead. */
  const pathSegment = (value: string): string => {
    try {
      return encodeURIComponent(value);
    } catch {
      return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
    }
  };

  const send = async (request: FuzzRequest) => {
    const path = request.operation.path.replace(/\{(\w+)\}/g, (_, name: string) =>
      // A raw '%' now and then, to reach URL decoding.
      request.params[name] === '%00' ? '%' : pathSegment(request.params[name]!),
    );
    let call = t.http[request.operation.method](path);
    if (request.subject !== undefined)
      call = call.set('authorization', `Bearer ${await token(request.subject, request.roles)}`);
    if (request.ifMatch) call = call.set('if-match', request.ifMatch);
    if (request.idempotencyKey) call = call.set('idempotency-key', request.idempotencyKey);
    if (request.body.kind === 'json') return call.send(request.body.value as object);
    if (request.body.kind === 'raw') {
      return call
        .set('content-type', request.body.contentType)
        .serialize((raw: unknown) => raw as string)
        .send(request.body.bytes as unknown as string);
    }
    return call;
  };

  it(`answers ${RUNS} generated requests without a 5xx, and refused ones append nothing (seed ${SEED})`, async () => {
    const samples = fc.sample(requests(), { seed: SEED, numRuns: RUNS });
    const byStatus = new Map<number, number>();
    const violations: string[] = [];
    for (const request of samples) {
      const before = await storedEvents(t.pool);
      const response = await send(request);
      byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
      const label = `${request.operation.method.toUpperCase()} ${request.operation.path} -> ${response.status}`;
      if (response.status >= 500) violations.push(`${label}: ${JSON.stringify(response.body)}`);
      if (response.status >= 400) {
        if (!/^application\/problem\+json/.test(response.headers['content-type'] ?? '')) {
          violations.push(`${label}: content-type ${response.headers['content-type']}`);
        }
        const after = await storedEvents(t.pool);
        if (after !== before) violations.push(`${label}: ${after - before} events appended`);
      }
    }
    const counts = [...byStatus].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`);
    const accepted = [...byStatus].filter(([status]) => status < 300).reduce((sum, [, count]) => sum + count, 0);
    console.log(
      `fuzz (seed ${SEED}): ${RUNS} requests over ${operations.length} write routes, ${accepted} accepted; by status ${counts.join(', ')}; ${violations.length} violations`,
    );
    expect(violations).toEqual([]);
    // The generator must reach the deciders, not only the validation pipe.
    expect(accepted).toBeGreaterThan(RUNS / 50);
  });
});
