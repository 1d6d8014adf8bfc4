import { DOMAIN_EVENT_TYPES, type DomainEventType } from '#domain';
import type { EventStore } from '#event-store';
import { CASCADE_EVENTS, cascadeSubjectOf, causeOf } from '../cascade/cascade';
import { cascadeReactor } from '../cascade/cascade.reactor';
import { KA_CLIENTS_EVENTS, routeOf } from '../ka-clients/ka-client';
import { LINK_PERMISSIONS_EVENTS, inputKeyOf } from '../link-permissions/link-inputs';
import { READ_MODELS } from '../read-models';
import { SCHEDULER_HANDLED, deadlineChangeOf } from '../scheduler/scheduler';
import { schedulerProjection } from '../scheduler/scheduler.process';
import { handlesWorkEvent } from '../work-lists/work-lists';
import { workListsProjection } from '../work-lists/work-lists.projection';
import type { EventInterest, ProjectedEvent } from './domain-events';

/** An event of `type` carrying every id and text a router reads. */
const sample = (type: string): ProjectedEvent =>
  ({
    type,
    data: {
      advertiserId: 'adv',
      contractId: 'k',
      campaignId: 'c',
      platform: 'taobao',
      category: 'beauty',
      endsOn: '2026-12-31',
      endsAt: '2026-12-31T00:00:00.000Z',
      validUntil: '2026-12-31',
      changes: { endsOn: '2026-12-31' },
      reason: 'why',
      cause: 'why',
    },
    position: '1',
    recordedAt: '2026-12-01T00:00:00.000Z',
  }) as unknown as ProjectedEvent;

const handled = (interest: EventInterest): DomainEventType[] =>
  DOMAIN_EVENT_TYPES.filter((type) => interest[type] === 'handles');

const routed = (router: (event: ProjectedEvent) => unknown): DomainEventType[] =>
  DOMAIN_EVENT_TYPES.filter((type) => router(sample(type)) !== undefined);

describe('event interest of every projection and reactor', () => {
  const cascade = cascadeReactor({
    store: {} as EventStore,
    dispatch: () => Promise.resolve({ outcome: 'done' }),
  });

  it.each(
    [...READ_MODELS, cascade, schedulerProjection].map((projection) => [projection.name, projection.events] as const),
  )('%s says of every domain event type, and of nothing else, whether it handles or ignores it', (_name, interest) => {
    expect(Object.keys(interest).sort()).toEqual([...DOMAIN_EVENT_TYPES].sort());
    for (const type of DOMAIN_EVENT_TYPES) expect(['handles', 'ignores']).toContain(interest[type]);
  });

  it('ka_clients routes exactly the events it handles to a row', () =>
    expect(routed(routeOf)).toEqual(handled(KA_CLIENTS_EVENTS)));

  it('link_permissions finds an input for exactly the events it handles', () =>
    expect(routed(inputKeyOf)).toEqual(handled(LINK_PERMISSIONS_EVENTS)));

  it('the cascade follows or reacts to exactly the events it handles', () =>
    expect(routed((event) => cascadeSubjectOf(event) ?? causeOf(event))).toEqual(handled(CASCADE_EVENTS)));

  it('work_lists takes up exactly the events it handles', () =>
    expect(routed((event) => (handlesWorkEvent(event) ? event : undefined))).toEqual(
      handled(workListsProjection.events),
    ));

  it('the scheduler moves a deadline on exactly the events it handles', () => {
    expect(routed((event) => deadlineChangeOf(event))).toEqual(handled(schedulerProjection.events));
    expect(handled(schedulerProjection.events)).toEqual(
      DOMAIN_EVENT_TYPES.filter((type) => SCHEDULER_HANDLED.includes(type as never)),
    );
  });

  it('every registered projection is one whose routing is checked here', () =>
    expect(READ_MODELS.map((projection) => projection.name)).toEqual([
      'ka_clients',
      'link_permissions',
      workListsProjection.name,
    ]));

  it('ignores an event type this version does not know', () => {
    const future = sample('ContractEndDateExtended');
    expect(routeOf(future)).toBeUndefined();
    expect(inputKeyOf(future)).toBeUndefined();
    expect(cascadeSubjectOf(future)).toBeUndefined();
    expect(causeOf(future)).toBeUndefined();
    expect(handlesWorkEvent(future)).toBe(false);
    expect(deadlineChangeOf(future as never)).toBeUndefined();
  });
});
