import type { Pool } from 'pg';
import type { Projection } from './engine/projection';
import { migrateProjections } from './engine/rebuild';
import { kaClientsProjection } from './ka-clients/ka-clients.projection';
import { linkPermissionsProjection } from './link-permissions/link-permissions.projection';
import { workListsProjection } from './work-lists/work-lists.projection';

/** The read models queries serve; `projections:rebuild` rebuilds these (reactors are not rebuilt). */
export const READ_MODELS: readonly Projection[] = [kaClientsProjection, linkPermissionsProjection, workListsProjection];

/** Creates or updates every read-model table, so queries work before any projector has run. */
export const migrateReadModels = (pool: Pool): Promise<void> => migrateProjections(pool, READ_MODELS);
