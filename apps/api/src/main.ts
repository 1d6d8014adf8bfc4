import 'reflect-metadata';
import { ConfigError, loadConfig, openRuntime, startTracing, type Config } from '#runtime';
import { createApp } from './create-app';

const configOrExit = (): Config => {
  try {
    const config = loadConfig();
    startTracing('ka-contracting-api');
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`configuration error: ${error.message}`);
    process.exit(1);
  }
};

const main = async (): Promise<void> => {
  const config = configOrExit();
  const runtime = await openRuntime(config, () => undefined);
  const app = await createApp(runtime);
  await app.listen({ host: config.host, port: config.port });
  console.log(`KA contracting API (${config.mode} mode) on ${await app.getUrl()}; OpenAPI at /docs`);
};

const describe = (error: unknown): string =>
  error instanceof Error
    ? `${error.message}${error.cause ? `\n  caused by: ${describe(error.cause)}` : ''}`
    : String(error);

main().catch((error: unknown) => {
  console.error(`start-up failed: ${describe(error)}`);
  process.exit(1);
});
