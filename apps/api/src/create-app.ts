import { ValidationPipe, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { migrate } from '#event-store';
import type { Runtime } from '#runtime';
import { AppModule } from './app.module';
import { registerCorrelationId } from './http/correlation';
import { ProblemFilter } from './http/problem.filter';
import { API_MIGRATIONS } from './infrastructure/api-schema';

export interface AppOptions {
  readonly logger?: LoggerService | false;
}

/** Builds the HTTP application on an open runtime; closing the app closes the runtime. */
export const createApp = async (runtime: Runtime, options: AppOptions = {}): Promise<NestFastifyApplication> => {
  await migrate(runtime.pool, 'api', API_MIGRATIONS);
  const adapter = new FastifyAdapter({ bodyLimit: runtime.config.bodyLimitBytes });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRuntime(runtime), adapter, {
    logger: options.logger,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerCorrelationId(fastify);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('KA contracting API')
      .setDescription(
        'Direct key-account advertising: contracts, category approvals, external links, campaigns, audit.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  await app.init();
  return app;
};
