/**
 * TEST DOUBLE of EventStoreDB (see README.md here): dev and test only, never imported by production code.
 */
export { DoubleLog } from './log';
export {
  DEFAULT_MAX_APPEND_SIZE,
  EventStoreDbDouble,
  type DoubleFault,
  type DoubleOperation,
  type DoubleStats,
  type EventStoreDbDoubleOptions,
} from './server';

import { DoubleLog } from './log';
import { EventStoreDbDouble } from './server';

/** Three nodes of the double sharing one log, the first one leading, as a 3-node cluster would. */
export const startDoubleCluster = async (size = 3): Promise<EventStoreDbDouble[]> => {
  const log = new DoubleLog();
  const nodes = await Promise.all(Array.from({ length: size }, () => EventStoreDbDouble.start({ log })));
  EventStoreDbDouble.formCluster(nodes, nodes[0]!);
  return nodes;
};
