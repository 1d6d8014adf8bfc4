import type { ContractStatus, DomainEvent, DomainEventType } from '#domain';
import type { RecordedEvent } from '#event-store';

export type { DomainEvent } from '#domain';

/**
 * What a projection or reactor does with each domain event type. A record over the domain's whole
 * event union, so a type added to the domain fails to compile until every projection says whether
 * it handles or ignores it; read-models.spec checks each declaration against its router.
 */
export type EventInterest = { readonly [T in DomainEventType]: 'handles' | 'ignores' };

/**
 * An EventInterest from the lists a projection keeps: it compiles only when the two lists together
 * name every domain event type (the second argument turns to `never` otherwise).
 */
export const interestOf = <H extends DomainEventType, I extends DomainEventType>(
  handles: readonly H[],
  ignores: readonly I[] & ([Exclude<DomainEventType, H | I>] extends [never] ? unknown : never),
): EventInterest =>
  Object.fromEntries([
    ...handles.map((type) => [type, 'handles'] as const),
    ...ignores.map((type) => [type, 'ignores'] as const),
  ]) as EventInterest;

/**
 * The end of every router's switch. Only an event that no case names type-checks here (`never`),
 * so a router that forgets a domain event type fails to compile; at run time an event type this
 * version does not know (written by a newer one) reaches it and is ignored.
 */
export const unknownEventType = (_event: never): undefined => undefined;

/** Contract events that only move a contract along its lifecycle, and the status each leads to. */
const CONTRACT_STATUS_AFTER = new Map<string, Exclude<ContractStatus, 'None'>>([
  ['ContractSubmitted', 'Submitted'],
  ['ContractApproved', 'Approved'],
  ['ContractRejected', 'Rejected'],
  ['ContractSigned', 'Active'],
  ['ContractResumed', 'Active'],
  ['ContractSuspended', 'Suspended'],
  ['ContractTerminated', 'Terminated'],
  ['ContractExpired', 'Expired'],
]);

export const contractStatusAfter = (event: { readonly type: string }): Exclude<ContractStatus, 'None'> | undefined =>
  CONTRACT_STATUS_AFTER.get(event.type);

/** A contract's enabled links (platform -> categories) after ExternalLinkEnabled/Disabled; undefined for other events. */
export const enabledLinksAfter = (
  links: Readonly<Record<string, readonly string[]>>,
  event: DomainEvent,
): Record<string, readonly string[]> | undefined => {
  if (event.type === 'ExternalLinkEnabled') return { ...links, [event.data.platform]: event.data.categories };
  if (event.type === 'ExternalLinkDisabled') {
    return Object.fromEntries(Object.entries(links).filter(([platform]) => platform !== event.data.platform));
  }
  return undefined;
};

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
