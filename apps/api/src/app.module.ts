import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { ApplicationModule, RUNTIME, RuntimeModule } from '#application';
import type { Runtime } from '#runtime';
import { AdvertisersController } from './advertisers/advertisers.controller';
import { AuditController } from './audit/audit.controller';
import { AdvertiserStreams, AuditLog } from './audit/audit-log';
import { ChainVerification } from './audit/chain-verifier';
import { CheckpointSigner, Checkpoints } from './audit/checkpoints';
import { AuditExport } from './audit/export';
import { ReconciliationService } from './audit/reconciliation';
import { StateAsOf } from './audit/state-as-of';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CategoryApprovalsController } from './category-approvals/category-approvals.controller';
import { ContractsController } from './contracts/contracts.controller';
import { HealthController } from './health/health.controller';
import { AuthGuard } from './http/auth.guard';
import { HttpDrain } from './http/http-drain';
import { TokenVerifier } from './http/tokens';
import { Metrics } from './observability/metrics';
import { MetricsController } from './observability/metrics.controller';
import { PlatformsController } from './platforms/platforms.controller';
import { QueriesModule } from './queries/queries.module';

@Module({})
export class AppModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRuntime(runtime),
        CqrsModule.forRoot(),
        TerminusModule,
        LoggerModule.forRoot({
          // Request lines come from a Fastify hook (create-app.ts), once the route and status are known.
          pinoHttp: { level: runtime.config.logLevel, autoLogging: false },
        }),
        ApplicationModule.forRoot({
          run: runtime.config.runProjector,
          linkFeedRetentionDays: runtime.config.linkFeedRetentionDays,
        }),
        QueriesModule,
      ],
      controllers: [
        HealthController,
        MetricsController,
        PlatformsController,
        AdvertisersController,
        CategoryApprovalsController,
        ContractsController,
        CampaignsController,
        AuditController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        {
          provide: TokenVerifier,
          inject: [RUNTIME],
          useFactory: ({ jwtSecret, config }: Runtime) =>
            new TokenVerifier({
              secret: jwtSecret,
              publicKeyPem: config.jwtPublicKey,
              jwksUrl: config.jwtJwksUrl,
              jwksCooldownSeconds: config.jwtJwksCooldownSeconds,
              issuer: config.jwtIssuer,
              audience: config.jwtAudience,
              maxLifetimeSeconds: config.jwtMaxLifetimeSeconds,
              clockSkewSeconds: config.jwtClockSkewSeconds,
            }),
        },
        Metrics,
        HttpDrain,
        AdvertiserStreams,
        AuditLog,
        StateAsOf,
        AuditExport,
        ChainVerification,
        ReconciliationService,
        CheckpointSigner,
        Checkpoints,
      ],
    };
  }
}
