import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ProjectionLagService, ProjectorService } from '#application';
import { migrate } from '#event-store';
import type { Runtime } from '#runtime';
import { AppModule } from './app.module';
import { registerAuthentication } from './http/authentication';
import { logRequests, registerCorrelationId } from './http/correlation';
import { clientErrorHandler, frameworkErrorHandler } from './http/framework-errors';
import { ApiValidationPipe } from './http/validation';
import { HttpDrain } from './http/http-drain';
import { registerJsonBody } from './http/json-body';
import { ProblemFilter } from './http/problem.filter';
import { registerRateLimit } from './http/rate-limit';
import { TokenVerifier } from './http/tokens';
import { API_MIGRATIONS } from './infrastructure/api-schema';
import { buildOpenApiDocument } from './infrastructure/openapi';
import { Metrics } from './observability/metrics';
import { traceRequests } from './observability/tracing';

/** Builds the HTTP application on an open runtime; closing the app closes the runtime. */
export const createApp = async (runtime: Runtime): Promise<NestFastifyApplication> => {
  await migrate(runtime.pool, 'api', API_MIGRATIONS);
  const adapter = new FastifyAdapter({
    bodyLimit: runtime.config.bodyLimitBytes,
    // Fastify's default is no limit: a client sending a body a byte at a time would hold its
    // connection for good. Node enforces the deadline only when it is given to the server's
    // constructor (Fastify sets it afterwards, too late), checking every connectionsCheckingInterval.
    requestTimeout: runtime.config.requestTimeoutMs,
    http: { requestTimeout: runtime.config.requestTimeoutMs, connectionsCheckingInterval: 1_000 },
    // On shutdown, idle keep-alive sockets are closed at once; requests in flight are finished.
    forceCloseConnections: 'idle',
    // Errors Fastify and Node answer before any route runs get problem+json like every other error.
    frameworkErrors: frameworkErrorHandler(new NestLogger('FastifyAdapter')),
    clientErrorHandler,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRuntime(runtime), adapter, {
    bufferLogs: true,
    // Requests arriving once shutdown has begun get 503 with Connection: close, so clients go elsewhere.
    return503OnClosing: true,
    // registerJsonBody below is the only body parser: JSON in UTF-8, with depth and size limits.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  traceRequests(fastify);
  registerCorrelationId(fastify);
  registerJsonBody(fastify, runtime.config.bodyLimitBytes);
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
  registerAuthentication(fastify, app.get(TokenVerifier));
  await registerRateLimit(fastify, runtime.config.rateLimit);
  app.useGlobalPipes(new ApiValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();

  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs/openapi.json' });
  await app.init();
  return app;
};
