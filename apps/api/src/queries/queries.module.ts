import { Module } from '@nestjs/common';
import { KaClientsController } from './ka-clients.controller';
import { LinkPermissionsController } from './link-permissions.controller';
import { LinkPermissionFeed } from './change-feed';
import { ChangeFeedsController } from './change-feeds.controller';
import { ProjectionReads } from './projection-reads';
import { WorkListsController } from './work-lists.controller';

/** The downstream query API over the read models. */
@Module({
  controllers: [KaClientsController, LinkPermissionsController, WorkListsController, ChangeFeedsController],
  providers: [ProjectionReads, LinkPermissionFeed],
})
export class QueriesModule {}
