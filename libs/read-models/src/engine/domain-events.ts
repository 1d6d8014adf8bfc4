import type {
  AdvertiserEvent,
  CampaignEvent,
  CategoryApprovalEvent,
  ContractEvent,
  PlatformPolicyEvent,
} from '#domain';
import type { RecordedEvent } from '#event-store';

export type DomainEvent = PlatformPolicyEvent | AdvertiserEvent | CategoryApprovalEvent | ContractEvent | CampaignEvent;

/** Where an event sits in the log: what read-model rows record as their source. */
export interface LogPlace {
  /** Global position as a decimal string. */
  readonly position: string;
  /** When the command was decided (metadata.recordedAt), ISO-8601 UTC. */
  readonly recordedAt: string;
}

/** A domain event as projections consume it: its type and data, and its place in the log. */
export type ProjectedEvent = DomainEvent & LogPlace;

// Projections rebuilt together see the same RecordedEvent objects: convert each once.
const converted = new WeakMap<RecordedEvent, ProjectedEvent>();

/**
 * Trusts the stored type name: events are written only by the deciders, whose type names never
 * change. An unknown type passes through and every projection's switch ignores it.
 */
export const projected = (event: RecordedEvent): ProjectedEvent => {
  let result = converted.get(event);
  if (result === undefined) {
    result = {
      type: event.type,
      data: event.data,
      position: event.position.toString(),
      recordedAt:
        typeof event.metadata.recordedAt === 'string' ? event.metadata.recordedAt : event.createdAt.toISOString(),
    } as ProjectedEvent;
    converted.set(event, result);
  }
  return result;
};
