import { Module, type DynamicModule } from '@nestjs/common';
import { CascadeCommands } from './cascade-dispatcher';
import { SchedulerCommands } from './scheduler-dispatcher';
import { ProjectionLagService } from './projection-lag';
import { PROJECTOR_OPTIONS, ProjectorService, type ProjectorOptions } from './projector.service';

/**
 * The projector inside a Nest application: the API hosts it when RUN_PROJECTOR is true (embedded
 * mode by default), apps/projector always. Reactors dispatch through the CommandBus to the handlers
 * ApplicationModule registers.
 */
@Module({})
export class ProjectionsModule {
  static forRoot(options: ProjectorOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      providers: [
        { provide: PROJECTOR_OPTIONS, useValue: options },
        CascadeCommands,
        SchedulerCommands,
        ProjectorService,
        ProjectionLagService,
      ],
      exports: [ProjectorService, ProjectionLagService],
    };
  }
}
