import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { ApplicationModule, RuntimeModule } from '#application';
import type { Runtime } from '#runtime';

/**
 * The projector process: no HTTP, only the projections and the reactors. The reactors issue their
 * commands through the application layer's handlers, the same ones the API uses.
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
        ApplicationModule.forRoot({ run: true, linkFeedRetentionDays: runtime.config.linkFeedRetentionDays }),
      ],
    };
  }
}
