import type { Upcaster } from '../shared';

/**
 * ContractDrafted v1 -> v2: v2 records the sales channel. Before it existed only direct deals were
 * recorded, so a v1 event is a direct deal. An event that already names its channel keeps it: a
 * writer that stamped version 1 on the new shape must not turn an agency deal into a direct one.
 */
export const contractDraftedV1ToV2: Upcaster = {
  type: 'ContractDrafted',
  fromVersion: 1,
  upcast: (data) => (typeof data.channel === 'string' ? data : { ...data, channel: 'direct' }),
};

export const contractUpcasters: readonly Upcaster[] = [contractDraftedV1ToV2];
