import { Module, type DynamicModule } from '@nestjs/common';
import { AdvertiserHandler } from './advertisers/advertiser.handler';
import { CampaignHandler } from './campaigns/campaign.handler';
import { CategoryApprovalHandler } from './category-approvals/category-approval.handler';
import { CommandExecutor } from './commands/command-executor';
import { CommandMetrics } from './commands/command-metrics';
import { FactsReader } from './commands/facts-reader';
import { StreamCache } from './commands/stream-cache';
import { ContractHandler } from './contracts/contract.handler';
import { PlatformPolicyHandler } from './platforms/platform-policy.handler';
import { ProjectionsModule } from './projections/projections.module';
import type { ProjectorOptions } from './projections/projector.service';

/**
 * The command path every transport shares: the handlers of every aggregate (registered on the
 * CqrsModule's bus the importing application sets up), the executor, the facts reader, and the
 * projector with its reactors, which issue their commands through the same handlers.
 */
@Module({})
export class ApplicationModule {
  static forRoot(options: ProjectorOptions): DynamicModule {
    return {
      module: ApplicationModule,
      imports: [ProjectionsModule.forRoot(options)],
      providers: [
        CommandMetrics,
        StreamCache,
        CommandExecutor,
        FactsReader,
        PlatformPolicyHandler,
        AdvertiserHandler,
        CategoryApprovalHandler,
        ContractHandler,
        CampaignHandler,
      ],
      exports: [CommandMetrics, FactsReader, ProjectionsModule],
    };
  }
}
