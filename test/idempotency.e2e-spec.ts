import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { RUNTIME } from '#application';
import { loadConfig, openRuntime, type Runtime } from '#runtime';
import { createApp } from '../apps/api/src/create-app';
import { startTestApp, type TestApp } from './support/app';

/** Every event of one category, straight from the store's table: what a request really recorded. */
const eventsOf = async (t: TestApp, category: string) =>
  (
    await t.pool.query<{ stream_id: string; type: string; data: Record<string, unknown> }>(
      'SELECT stream_id, type, data FROM es_events WHERE category = $1 ORDER BY seq',
      [category],
    )
  ).rows;

const answer = (response: request.Response) => ({
  status: response.status,
  body: response.body as unknown,
  etag: response.headers.etag,
  location: response.headers.location,
  position: response.headers['x-event-position'],
});

describe('Idempotency-Key: reserved before the command runs', () => {
  let t: TestApp;
  let sales: string;

  beforeAll(async () => {
    t = await startTestApp();
    sales = await t.as('sam', 'sales');
  });
  afterAll(() => t.close());

  const register = (key: string, legalName: string, authorization = sales) =>
    t.http
      .post('/v1/advertisers')
      .set('authorization', authorization)
      .set('idempotency-key', key)
      .send({ legalName, registrationNumber: 'REG-1', kaTier: 'key' });

  it('records concurrent duplicates (same key, same body) once and gives every one the same answer', async () => {
    const key = `same-${randomUUID()}`;
    const before = (await eventsOf(t, 'advertiser')).length;
    const responses = await Promise.all(Array.from({ length: 10 }, () => register(key, 'Glow Cosmetics')));
    const answers = responses.map(answer);
    expect(answers[0]!.status).toBe(201);
    for (const other of answers) expect(other).toEqual(answers[0]);
    expect((await eventsOf(t, 'advertiser')).length).toBe(before + 1);
  });

  it('refuses concurrent requests that reuse one key with other bodies (422), recording only the winner', async () => {
    const key = `different-${randomUUID()}`;
    const before = (await eventsOf(t, 'advertiser')).length;
    const names = Array.from({ length: 10 }, (_, index) => `Company ${index}`);
    const responses = await Promise.all(names.map((name) => register(key, name)));
    const winners = responses.filter((response) => response.status === 201);
    expect(winners).toHaveLength(1);
    for (const loser of responses.filter((response) => response.status !== 201)) {
      expect(loser.status).toBe(422);
      expect(loser.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    }
    const recorded = (await eventsOf(t, 'advertiser')).slice(before);
    expect(recorded).toHaveLength(1);
    const winnerName = names[responses.indexOf(winners[0]!)];
    expect(recorded[0]!.data.legalName).toBe(winnerName);
    expect(recorded[0]!.stream_id).toBe(`advertiser-${(winners[0]!.body as { id: string }).id}`);
  });

  it('refuses a later request that reuses a key with another body (422), recording nothing', async () => {
    const key = `sequential-${randomUUID()}`;
    const first = await register(key, 'Glow Cosmetics').expect(201);
    const before = (await eventsOf(t, 'advertiser')).length;
    const reused = await register(key, 'Another Company').expect(422);
    expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await eventsOf(t, 'advertiser')).length).toBe(before);
    const replay = await register(key, 'Glow Cosmetics').expect(201);
    expect(replay.body).toEqual(first.body);
  });

  it('keys belong to their user: the same key from another user is another command', async () => {
    const key = `per-user-${randomUUID()}`;
    const mine = await register(key, 'Glow Cosmetics').expect(201);
    const theirs = await register(key, 'Glow Cosmetics', await t.as('sara', 'sales')).expect(201);
    expect((theirs.body as { id: string }).id).not.toBe((mine.body as { id: string }).id);
  });

  it('tells a duplicate of a request still running to come back (409 IDEMPOTENCY_IN_PROGRESS, Retry-After)', async () => {
    const key = `running-${randomUUID()}`;
    const first = await register(key, 'Glow Cosmetics').expect(201);
    // The row as a request that is still running leaves it: reserved, unanswered, its lease current.
    await t.pool.query(
      `UPDATE idempotent_responses SET status = NULL, body = NULL, headers = NULL,
         leased_until = now() + interval '1 hour' WHERE body->>'id' = $1`,
      [(first.body as { id: string }).id],
    );
    const duplicate = await register(key, 'Glow Cosmetics').expect(409);
    expect(duplicate.body).toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS' });
    expect(duplicate.headers['retry-after']).toBe('1');
    // A different body is refused as such even while the first request runs.
    await register(key, 'Another Company').expect(422);
  });

  describe('a crash between the append and the response', () => {
    let replica: NestFastifyApplication;
    let replicaHttp: ReturnType<typeof request>;

    beforeAll(async () => {
      // Another API process on the same database, with nothing in its caches: where the retry lands.
      const first = t.app.get<Runtime>(RUNTIME);
      const config = loadConfig({
        DATABASE_URL: first.config.databaseUrl!,
        JWT_SECRET: first.config.jwtSecret!,
        PORT: '0',
        LOG_LEVEL: 'silent',
        RUN_PROJECTOR: 'false',
      });
      replica = await createApp(await openRuntime(config));
      await replica.listen({ host: '127.0.0.1', port: 0 });
      replicaHttp = request(await replica.getUrl());
    });
    afterAll(() => replica.close());

    it('answers the retry from the write the first run recorded, and records nothing more', async () => {
      const key = `crash-${randomUUID()}`;
      const first = await register(key, 'Glow Cosmetics').expect(201);
      const { id } = first.body as { id: string };
      // What a process that died after its append leaves: the reservation, no answer, its lease run out.
      await t.pool.query(
        `UPDATE idempotent_responses SET status = NULL, body = NULL, headers = NULL,
           leased_until = now() - interval '1 second' WHERE body->>'id' = $1`,
        [id],
      );
      const retry = await replicaHttp
        .post('/v1/advertisers')
        .set('authorization', sales)
        .set('idempotency-key', key)
        .send({ legalName: 'Glow Cosmetics', registrationNumber: 'REG-1', kaTier: 'key' })
        .expect(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.etag).toBe(first.headers.etag);
      expect(retry.headers['x-event-position']).toBe(first.headers['x-event-position']);
      expect(await t.stream(`advertiser-${id}`)).toHaveLength(1);
      // The answer is kept now: a further retry is a plain replay.
      const again = await register(key, 'Glow Cosmetics').expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
    });
  });
});
