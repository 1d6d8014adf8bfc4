import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ProjectionLagService, ProjectorService } from '#application';
import { migrate } from '#event-store';
import type { Runtime } from '#runtime';
import { AppModule } from './app.module';
import { logRequests, registerCorrelationId } from './http/correlation';
import { HttpDrain } from './http/http-drain';
import { ProblemFilter } from './http/problem.filter';
import { API_MIGRATIONS } from './infrastructure/api-schema';
import { Metrics } from './observability/metrics';
import { traceRequests } from './observability/tracing';

/** Builds the HTTP application on an open runtime; closing the app closes the runtime. */
export const createApp = async (runtime: Runtime): Promise<NestFastifyApplication> => {
  await migrate(runtime.pool, 'api', API_MIGRATIONS);
  const adapter = new FastifyAdapter({
    bodyLimit: runtime.config.bodyLimitBytes,
    // On shutdown, idle keep-alive sockets are closed at once; requests in flight are finished.
    forceCloseConnections: 'idle',
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRuntime(runtime), adapter, {
    bufferLogs: true,
    // Requests arriving once shutdown has begun get 503 with Connection: close, so clients go elsewhere.
    return503OnClosing: true,
  });
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  traceRequests(fastify);
  registerCorrelationId(fastify);
  app.get(HttpDrain).register(fastify);
  const metrics = app.get(Metrics);
  metrics.instrument(fastify);
  const lag = app.get(ProjectionLagService);
  const projector = app.get(ProjectorService);
  metrics.trackProjections(
    () => lag.lag(),
    () => projector.statuses(),
  );
  logRequests(fastify, app.get(Logger));
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
