import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { mintToken } from '../apps/api/src/http/tokens';
import { createTestDatabase, freePort, type TestDatabase } from './support/postgres';
import { runBuilt, waitForOutput } from './support/process';

describe('the API process', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(undefined, 2);
  });
  afterAll(() => database?.drop());

  it('loses no acknowledged write when SIGTERM arrives under load', async () => {
    const port = await freePort();
    const secret = randomBytes(32).toString('hex');
    const api = runBuilt('apps/api/src/main.js', {
      DATABASE_URL: database.url,
      JWT_SECRET: secret,
      PORT: String(port),
    });
    await waitForOutput(api, (output) => output.includes('KA contracting API'));
    const token = await mintToken({
      secret,
      issuer: 'ka-contracting',
      audience: 'ka-contracting-api',
      userId: 'sam',
      roles: ['sales'],
    });

    const acknowledged: string[] = [];
    let signalled = false;
    const writer = async (): Promise<void> => {
      // Each writer keeps writing until the server stops answering; SIGTERM lands in the middle.
      for (;;) {
        const advertiserId = randomUUID();
        try {
          const response = await fetch(`http://127.0.0.1:${port}/v1/advertisers`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ advertiserId, legalName: 'Load Co', registrationNumber: 'R-1', kaTier: 'growth' }),
          });
          await response.arrayBuffer();
          // A refusal during shutdown (503) is fine: the client retries; only acknowledged writes count.
          if (response.status === 201) acknowledged.push(advertiserId);
        } catch (error) {
          if (signalled) return;
          throw error;
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    while (acknowledged.length < 200) await new Promise((resolve) => setTimeout(resolve, 10));
    signalled = true;
    api.child.kill('SIGTERM');
    const code = await api.exited;
    await Promise.all(writers);

    // Nest re-raises the signal once shutdown has finished, so the process ends by SIGTERM, not a crash.
    expect(api.child.signalCode ?? code).toBe('SIGTERM');
    expect(api.output()).not.toMatch(/ERROR|Unhandled/i);
    const pool = new Pool({ connectionString: database.url, max: 1 });
    try {
      const { rows } = await pool.query<{ id: string }>(
        `SELECT substr(stream_id, length('advertiser-') + 1) AS id FROM es_events WHERE type = 'AdvertiserRegistered'`,
      );
      const stored = new Set(rows.map((row) => row.id));
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      expect(stored.size).toBeGreaterThanOrEqual(acknowledged.length);
    } finally {
      await pool.end();
    }
  }, 60_000);
});
