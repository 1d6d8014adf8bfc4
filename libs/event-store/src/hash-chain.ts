import { createHash } from 'node:crypto';
import type { JsonObject } from './event-store';

/** The hash a stream's first event chains from. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, so equal content always hashes equally. */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as JsonObject)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
};

export interface ChainedContent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  /** Metadata without `hash` (which is the result) but with `prevHash`. */
  readonly metadata: JsonObject;
}

/**
 * SHA-256 over the previous hash and the canonical event: stream, revision, id, type, data and
 * metadata. Changing, removing, reordering or inserting any event breaks every later link.
 */
export const eventHash = (prevHash: string, content: ChainedContent): string => {
  const { hash: _ignored, ...metadata } = content.metadata;
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(
      canonicalJson({
        streamId: content.streamId,
        revision: content.revision.toString(),
        eventId: content.eventId,
        type: content.type,
        data: content.data,
        metadata,
      }),
    )
    .digest('hex');
};
