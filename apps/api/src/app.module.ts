import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import type { Runtime } from '#runtime';
import { AdvertiserHandler } from './advertisers/advertiser.handler';
import { AdvertisersController } from './advertisers/advertisers.controller';
import { CommandExecutor } from './commands/command-executor';
import { FactsReader } from './commands/facts-reader';
import { HealthController } from './health/health.controller';
import { AuthGuard } from './http/auth.guard';
import { RuntimeModule } from './infrastructure/runtime.module';
import { PlatformPolicyHandler } from './platforms/platform-policy.handler';
import { PlatformsController } from './platforms/platforms.controller';

@Module({})
export class AppModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      imports: [RuntimeModule.forRuntime(runtime), CqrsModule.forRoot(), TerminusModule],
      controllers: [HealthController, PlatformsController, AdvertisersController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        CommandExecutor,
        FactsReader,
        PlatformPolicyHandler,
        AdvertiserHandler,
      ],
    };
  }
}
