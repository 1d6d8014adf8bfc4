import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { loadConfig, openRuntime } from '#runtime';
import { AppModule } from '../apps/api/src/app.module';
import { buildOpenApiDocument } from '../apps/api/src/infrastructure/openapi';

/*
 * Writes the API's OpenAPI document without a database: the application is assembled but never
 * started, in eventstoredb mode, whose pool and client connect only when first used (here: never).
 * Usage: node dist/scripts/openapi.js <output.json>
 */
const main = async (): Promise<void> => {
  const output = process.argv[2];
  if (!output) throw new Error('usage: node dist/scripts/openapi.js <output.json>');
  const config = loadConfig({
    DATABASE_URL: 'postgres://openapi@127.0.0.1:9/never-connected',
    EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:9?tls=false',
    JWT_SECRET: 'only-the-document-is-built-here-no-token-is-verified',
    RUN_PROJECTOR: 'false',
    LOG_LEVEL: 'silent',
  });
  const runtime = await openRuntime(config);
  const app = await NestFactory.create(AppModule.forRuntime(runtime), new FastifyAdapter(), { logger: false });
  try {
    const document = buildOpenApiDocument(app);
    await mkdir(dirname(output), { recursive: true });
    await writeFile(output, `${JSON.stringify(document, null, 2)}\n`);
  } finally {
    await app.close();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
