import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { startEmbeddedPostgres, type RunningEmbeddedPostgres } from '#runtime';
import { freePort } from '../../../../test/support/postgres';
import { describeEventStoreConformance } from '../conformance/conformance';
import { PostgresEventStore } from './postgres-event-store';

let dataDir: string;
let server: RunningEmbeddedPostgres;
let pool: Pool;

describeEventStoreConformance('embedded PostgreSQL', {
  unavailable: undefined,
  eventIdsUniqueAcrossStreams: true,
  create: async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ka-embedded-'));
    server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    pool = new Pool({ connectionString: server.url, max: 30 });
    // pg's pool.end() resolves before its sockets finish closing; stopping the server then makes them
    // report 'administrator command' errors, which are expected here.
    pool.on('error', () => undefined);
    return PostgresEventStore.create(pool);
  },
  teardown: async () => {
    await pool.end();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    // As root the cluster lives outside the data directory, where the 'postgres' user can reach it.
    await rm(server.clusterDir, { recursive: true, force: true });
  },
});
