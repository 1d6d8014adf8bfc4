import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ProjectorService } from '#application';
import { ConfigError, loadConfig, openRuntime, startTracing, type Config } from '#runtime';
import { startHealthServer } from './health-server';
import { ProjectorModule } from './projector.module';

const configOrExit = (): Config => {
  try {
    const config = loadConfig();
    if (config.mode === 'embedded') {
      throw new ConfigError(
        'DATABASE_URL',
        'is required: in embedded mode the API runs the projections itself (RUN_PROJECTOR defaults to true there)',
      );
    }
    startTracing('ka-contracting-projector');
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`configuration error: ${error.message}`);
    process.exit(1);
  }
};

/**
 * Runs the projections and reactors until SIGTERM or SIGINT, then finishes the batches in flight,
 * releases the advisory locks (a standby replica takes over at once) and closes the connections.
 */
const main = async (): Promise<void> => {
  const config = configOrExit();
  const runtime = await openRuntime(config, () => undefined);
  const app = await NestFactory.createApplicationContext(ProjectorModule.forRuntime(runtime), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const projector = app.get(ProjectorService);
  await startHealthServer({ pool: runtime.pool, statuses: () => projector.statuses() }, config.host, config.port);
  app.get(Logger).log(`projector running (${config.mode} mode), health on ${config.host}:${config.port}/health/live`);
};

main().catch((error: unknown) => {
  console.error(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
