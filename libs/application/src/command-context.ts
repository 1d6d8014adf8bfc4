import { createHash } from 'node:crypto';
import type { Actor } from '#domain';

/**
 * Everything about a command that is not its data, whoever issues it (an HTTP request, a reactor,
 * a process manager): transports map what they know onto this and nothing else.
 */
export interface CommandContext {
  readonly actor: Actor;
  /** Stored on every event the command produces; a retry of the same command carries the same id. */
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  /** The stream revision the issuer last saw; a different one fails with StaleRevision. */
  readonly expectedRevision: bigint | undefined;
}

const COMMAND_ID_NAMESPACE = Buffer.from('6f1c2d4e8a9b4c3d9e0f1a2b3c4d5e6f', 'hex');

/** RFC 9562 version 5 UUID: the same scope and name always give the same id. */
export const commandIdFor = (scope: string, name: string): string => {
  const bytes = createHash('sha1').update(COMMAND_ID_NAMESPACE).update(`${scope}\n${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
