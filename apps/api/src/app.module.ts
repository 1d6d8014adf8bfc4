import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { Runtime } from '#runtime';
import { AdvertiserHandler } from './advertisers/advertiser.handler';
import { AdvertisersController } from './advertisers/advertisers.controller';
import { AuditController } from './audit/audit.controller';
import { AdvertiserStreams, AuditLog } from './audit/audit-log';
import { ChainVerification } from './audit/chain-verifier';
import { CheckpointSigner, Checkpoints } from './audit/checkpoints';
import { AuditExport } from './audit/export';
import { ReconciliationService } from './audit/reconciliation';
import { StateAsOf } from './audit/state-as-of';
import { CampaignHandler } from './campaigns/campaign.handler';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CategoryApprovalHandler } from './category-approvals/category-approval.handler';
import { CategoryApprovalsController } from './category-approvals/category-approvals.controller';
import { CommandExecutor } from './commands/command-executor';
import { FactsReader } from './commands/facts-reader';
import { ContractHandler } from './contracts/contract.handler';
import { ContractsController } from './contracts/contracts.controller';
import { HealthController } from './health/health.controller';
import { AuthGuard } from './http/auth.guard';
import { HttpDrain } from './http/http-drain';
import { RuntimeModule } from './infrastructure/runtime.module';
import { Metrics } from './observability/metrics';
import { MetricsController } from './observability/metrics.controller';
import { PlatformPolicyHandler } from './platforms/platform-policy.handler';
import { PlatformsController } from './platforms/platforms.controller';
import { ProjectionsModule } from './projections/projections.module';
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
        ProjectionsModule.forRoot({ run: runtime.config.runProjector }),
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
        Metrics,
        HttpDrain,
        CommandExecutor,
        FactsReader,
        PlatformPolicyHandler,
        AdvertiserHandler,
        CategoryApprovalHandler,
        ContractHandler,
        CampaignHandler,
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
