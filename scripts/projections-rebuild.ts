import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { READ_MODELS, rebuild } from '#read-models';
import { ConfigError, loadConfig, openRuntime, type Config, type Runtime } from '#runtime';

const usage = `usage: npm run projections:rebuild [-- --only <name,name>] [--batch-size <events>]
read models: ${READ_MODELS.map((projection) => projection.name).join(', ')}`;

/**
 * In embedded mode the API may be running on the data directory already; starting the embedded
 * server again would stop it (as a leftover). Connect to the running one when there is one.
 */
const runningEmbeddedUrl = async (config: Config): Promise<string | undefined> => {
  if (config.mode !== 'embedded') return undefined;
  let password: string;
  try {
    password = (await readFile(join(config.dataDir, 'postgres.password'), 'utf8')).trim();
  } catch {
    return undefined;
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${config.embeddedPostgresPort}/postgres`;
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await probe.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await probe.end().catch(() => undefined);
  }
};

const open = async (config: Config): Promise<Runtime> => {
  const running = await runningEmbeddedUrl(config);
  return openRuntime(running === undefined ? config : { ...config, mode: 'postgres', databaseUrl: running });
};

/**
 * Rebuilds read models from the whole log into shadow tables while readers keep using the live ones
 * (and a running projector keeps them current), then swaps them in in one transaction. The
 * projector resumes after the rebuilt position.
 */
const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, 'batch-size': { type: 'string', default: '20000' } },
  });
  const names = values.only?.split(',').filter(Boolean) ?? READ_MODELS.map((projection) => projection.name);
  const projections = READ_MODELS.filter((projection) => names.includes(projection.name));
  const batchSize = Number(values['batch-size']);
  if (projections.length !== names.length || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    console.error(usage);
    process.exit(2);
  }
  const runtime = await open(loadConfig());
  try {
    console.log(`rebuilding ${names.join(', ')} from the event log (readers keep the live tables meanwhile)`);
    const built = await rebuild({
      pool: runtime.pool,
      store: runtime.eventStore,
      projections,
      batchSize,
      onProgress: ({ events, eventsPerSecond, elapsedSeconds }) =>
        console.log(
          `  ${events.toLocaleString('en')} events in ${elapsedSeconds.toFixed(1)} s (${Math.round(eventsPerSecond).toLocaleString('en')} events/s)`,
        ),
    });
    const rate = built.seconds > 0 ? Math.round(built.events / built.seconds) : built.events;
    console.log(
      `rebuilt ${names.join(', ')}: ${built.events.toLocaleString('en')} events in ${built.seconds.toFixed(1)} s ` +
        `(${rate.toLocaleString('en')} events/s); swapped in at position ${built.position.toString()}`,
    );
  } finally {
    await runtime.close();
  }
};

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
