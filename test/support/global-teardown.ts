import { Client } from 'pg';
import { TEST_RUN, type TestRun } from './global-setup';

/**
 * Stops the embedded PostgreSQL if global-setup.ts started one (its data goes with it); on a shared
 * server, drops whatever databases of this run a crashed or timed-out suite could not drop itself
 * (their names carry the run id), and says so, since that points at a teardown bug.
 */
export default async (): Promise<void> => {
  const run = (globalThis as Record<symbol, TestRun | undefined>)[TEST_RUN];
  if (run === undefined) return;
  if (run.embedded) {
    if (run.embedded.exitCode !== null || run.embedded.signalCode !== null) return;
    const exited = new Promise((resolve) => run.embedded!.once('exit', resolve));
    run.embedded.send('stop');
    await exited;
    return;
  }
  const client = new Client({ connectionString: run.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `test\\_${run.runId}\\_%`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    if (rows.length > 0) process.stderr.write(`\nDropped ${rows.length} test database(s) their suites left behind.\n`);
  } finally {
    await client.end();
  }
};
