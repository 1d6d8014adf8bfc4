import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import type { Runtime } from '#runtime';
import { CampaignHandler } from '../../api/src/campaigns/campaign.handler';
import { CategoryApprovalHandler } from '../../api/src/category-approvals/category-approval.handler';
import { CommandExecutor } from '../../api/src/commands/command-executor';
import { FactsReader } from '../../api/src/commands/facts-reader';
import { ContractHandler } from '../../api/src/contracts/contract.handler';
import { RuntimeModule } from '../../api/src/infrastructure/runtime.module';
import { Metrics } from '../../api/src/observability/metrics';
import { ProjectionsModule } from '../../api/src/projections/projections.module';

/**
 * The projector process: no HTTP, only the projections and the reactors. The reactors issue their
 * commands through the same handlers the API uses, so those handlers (and what they need) are
 * registered here too.
 */
@Module({})
export class ProjectorModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: ProjectorModule,
      imports: [
        RuntimeModule.forRuntime(runtime),
        CqrsModule.forRoot(),
        LoggerModule.forRoot({ pinoHttp: { level: runtime.config.logLevel, autoLogging: false } }),
        ProjectionsModule.forRoot({ run: true }),
      ],
      providers: [Metrics, CommandExecutor, FactsReader, ContractHandler, CampaignHandler, CategoryApprovalHandler],
    };
  }
}
