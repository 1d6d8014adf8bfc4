import { events, type PlannedEvent } from '../../../../bench/support/domain-history';
import type { ProjectedEvent } from '../engine/domain-events';
import {
  applyKaClient,
  campaignIdOf,
  contractIdOf,
  routeCreatedBy,
  routeOf,
  type KaClient,
  type KaClientCampaign,
  type KaClientContract,
  type KaClientRow,
} from './ka-client';

const advertiserId = '0b6f7a43-1d5e-4c1a-9a43-6f1d2c3b4a51';
const contractId = 'c0000000-0000-4000-8000-000000000001';
const campaignId = 'ca000000-0000-4000-8000-000000000001';

const projected = (planned: readonly PlannedEvent[]): ProjectedEvent[] =>
  planned.map(
    (event, index) =>
      ({
        type: event.type,
        data: event.data,
        position: String(1000 + index),
        recordedAt: `2026-03-01T10:00:${String(index).padStart(2, '0')}.000Z`,
      }) as ProjectedEvent,
  );

/**
 * Folds like the projection: the row, and each campaign and contract apart, handed to the event
 * that names it; the client as read joins its contracts to its row.
 */
const fold = (planned: readonly PlannedEvent[]): KaClient | undefined => {
  let row: KaClientRow | undefined;
  const campaigns = new Map<string, KaClientCampaign>();
  const contracts = new Map<string, KaClientContract>();
  for (const event of projected(planned)) {
    const campaignId = campaignIdOf(event);
    const campaign = campaignId === undefined ? undefined : campaigns.get(campaignId);
    const contractId = contractIdOf(event, campaign);
    const next = applyKaClient(row, event, campaign, contractId === undefined ? undefined : contracts.get(contractId));
    row = next.row;
    if (next.campaign !== undefined) campaigns.set(next.campaign.campaignId, next.campaign);
    if (next.contract !== undefined) contracts.set(next.contract.contractId, next.contract);
  }
  return row === undefined ? undefined : { ...row, contracts: Object.fromEntries(contracts) };
};

const registered = [events.advertiserRegistered(advertiserId, 'key', 'sam'), events.advertiserVerified(advertiserId)];
const activeContract = [
  events.contractDrafted(contractId, advertiserId, {
    categories: ['beauty'],
    platforms: ['taobao'],
    totalValueMinor: '1000000',
    startsOn: '2026-01-01',
    endsOn: '2026-12-31',
  }),
  events.contractSubmitted(contractId),
  events.contractApproved(contractId),
  events.contractSigned(contractId),
];

describe('ka_clients apply', () => {
  it('creates the row on registration and records identity, verification and where it was last changed', () => {
    const row = fold(registered);
    expect(row).toMatchObject({
      advertiserId,
      legalName: expect.stringContaining('Client'),
      kaTier: 'key',
      salesOwnerId: 'sam',
      verification: 'Verified',
      suspended: false,
      registeredAt: '2026-03-01T10:00:00.000Z',
      updatedAt: '2026-03-01T10:00:01.000Z',
      position: '1001',
    });
  });

  it('ignores events of a client it never saw registered', () => {
    expect(fold([events.advertiserVerified(advertiserId)])).toBeUndefined();
  });

  it('tracks tier, suspension with its reason, and reinstatement', () => {
    const suspended = fold([
      ...registered,
      events.kaTierChanged(advertiserId, 'strategic'),
      events.advertiserSuspended(advertiserId, 'unpaid'),
    ]);
    expect(suspended).toMatchObject({ kaTier: 'strategic', suspended: true, suspensionReason: 'unpaid' });
    expect(
      fold([...registered, events.advertiserSuspended(advertiserId), events.advertiserReinstated(advertiserId)]),
    ).toMatchObject({ suspended: false, suspensionReason: null });
  });

  it('keeps each category with its status and validity', () => {
    const row = fold([
      ...registered,
      events.categoryRequested(advertiserId, 'beauty', '2027-06-30'),
      events.categoryApproved(advertiserId, 'beauty', '2027-06-30'),
      events.categoryRequested(advertiserId, 'food'),
      events.categoryRejected(advertiserId, 'food'),
      events.categoryRequested(advertiserId, 'home'),
      events.categoryApproved(advertiserId, 'home'),
      events.categoryRevoked(advertiserId, 'home'),
    ]);
    expect(row!.categories).toEqual({
      beauty: { status: 'Approved', validUntil: '2027-06-30', licenceRef: 'LIC-beauty' },
      food: { status: 'Rejected', validUntil: '2099-12-31', licenceRef: 'LIC-food' },
      home: { status: 'Revoked', validUntil: '2099-12-31', licenceRef: 'LIC-home' },
    });
  });

  it('follows a contract through signature, links, budget, spend and an amendment', () => {
    const row = fold([
      ...registered,
      ...activeContract,
      events.linkEnabled(contractId, 'taobao', ['beauty']),
      events.budgetAllocated(contractId, campaignId, '300000'),
      events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '300000'),
      events.spendReported(campaignId, '1200', 0),
      events.spendReported(campaignId, '800', 1),
      events.amendmentProposed(contractId, 2, { totalValueMinor: '2000000' }),
      events.amendmentApproved(contractId, 2, {
        currency: 'CNY',
        totalValueMinor: '2000000',
        startsOn: '2026-01-01',
        endsOn: '2027-06-30',
        categories: ['beauty', 'food'],
        platforms: ['taobao', 'jd'],
      }),
    ]);
    expect(row!.contracts[contractId]).toEqual({
      contractId,
      status: 'Active',
      version: 2,
      pendingAmendmentVersion: null,
      currency: 'CNY',
      totalValueMinor: '2000000',
      allocatedMinor: '300000',
      spentMinor: '2000',
      overdeliveredMinor: '0',
      remainingMinor: '1998000',
      unallocatedMinor: '1700000',
      startsOn: '2026-01-01',
      endsOn: '2027-06-30',
      categories: ['beauty', 'food'],
      platforms: ['taobao', 'jd'],
      enabledLinks: { taobao: ['beauty'] },
    });
  });

  it('shows billable and overdelivered spend apart, reports recorded before the split as billable', () => {
    const split: PlannedEvent = {
      ...events.spendReported(campaignId, '5000', 2),
      data: { ...events.spendReported(campaignId, '5000', 2).data, billableMinor: '3000', overdeliveredMinor: '2000' },
    };
    const row = fold([
      ...registered,
      ...activeContract,
      events.budgetAllocated(contractId, campaignId, '300000'),
      events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '300000'),
      events.spendReported(campaignId, '1200', 0),
      split,
    ]);
    expect(row!.contracts[contractId]).toMatchObject({
      spentMinor: '4200',
      overdeliveredMinor: '2000',
      remainingMinor: '995800',
    });
  });

  it('shows a proposed amendment until it is decided, and a revised draft with only the changed terms', () => {
    const drafted = activeContract[0]!;
    const revised = fold([...registered, drafted, events.contractRevised(contractId, { totalValueMinor: '5000' })]);
    expect(revised!.contracts[contractId]).toMatchObject({
      status: 'Draft',
      totalValueMinor: '5000',
      remainingMinor: '5000',
    });
    const proposed = fold([
      ...registered,
      ...activeContract,
      events.amendmentProposed(contractId, 2, { endsOn: '2027-01-31' }),
    ]);
    expect(proposed!.contracts[contractId]!.pendingAmendmentVersion).toBe(2);
    const rejected = fold([
      ...registered,
      ...activeContract,
      events.amendmentProposed(contractId, 2, { endsOn: '2027-01-31' }),
      events.amendmentRejected(contractId, 2),
    ]);
    expect(rejected!.contracts[contractId]).toMatchObject({ pendingAmendmentVersion: null, version: 1 });
  });

  it('walks the contract statuses and gives budget back on release', () => {
    const statusAfter = (...more: PlannedEvent[]) =>
      fold([...registered, ...activeContract, ...more])!.contracts[contractId]!;
    expect(statusAfter(events.contractSuspended(contractId)).status).toBe('Suspended');
    expect(statusAfter(events.contractSuspended(contractId), events.contractResumed(contractId)).status).toBe('Active');
    expect(statusAfter(events.contractTerminated(contractId)).status).toBe('Terminated');
    expect(statusAfter(events.contractExpired(contractId)).status).toBe('Expired');
    expect(
      fold([...registered, activeContract[0]!, activeContract[1]!, events.contractRejected(contractId)])!.contracts[
        contractId
      ]!.status,
    ).toBe('Rejected');
    const released = statusAfter(
      events.budgetAllocated(contractId, campaignId, '300000'),
      events.budgetReleased(contractId, campaignId, '100000'),
    );
    expect(released).toMatchObject({ allocatedMinor: '200000', unallocatedMinor: '800000' });
    expect(
      statusAfter(events.linkEnabled(contractId, 'taobao', ['beauty']), events.linkDisabled(contractId, 'taobao'))
        .enabledLinks,
    ).toEqual({});
  });

  it('counts campaigns by status', () => {
    const second = 'ca000000-0000-4000-8000-000000000002';
    const row = fold([
      ...registered,
      ...activeContract,
      events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '1000'),
      events.campaignSubmitted(campaignId),
      events.campaignApproved(campaignId),
      events.campaignLaunched(campaignId),
      events.campaignCreated(second, contractId, advertiserId, 'beauty', '1000'),
      events.campaignSubmitted(second),
      events.campaignRejected(second, '1000'),
    ]);
    expect(row!.campaignCounts).toEqual({ Live: 1, Rejected: 1 });
    const paused = fold([
      ...registered,
      ...activeContract,
      events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '1000'),
      events.campaignPaused(campaignId),
    ]);
    expect(paused!.campaignCounts).toEqual({ Paused: 1 });
    const suspended = fold([
      ...registered,
      ...activeContract,
      events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '1000'),
      events.campaignLaunched(campaignId),
      events.campaignSuspendedByPolicy(campaignId, 'category revoked'),
    ]);
    expect(suspended!.campaignCounts).toEqual({ PolicySuspended: 1 });
    const completed = fold([
      ...registered,
      ...activeContract,
      events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '1000'),
      events.campaignCompleted(campaignId, '0', '1000'),
    ]);
    expect(completed!.campaignCounts).toEqual({ Completed: 1 });
  });

  it('leaves the row as it was for events that change nothing in it', () => {
    const { contracts: _none, ...before } = fold(registered)!;
    const [unknownContract] = projected([events.contractSubmitted('c0000000-0000-4000-8000-00000000ffff')]);
    const after = applyKaClient(before, unknownContract!);
    expect(after.row).toBe(before);
    expect(after.contract).toBeUndefined();
  });

  it('routes each event to its client directly or through the contract or campaign it names', () => {
    const [drafted, submitted, created, spend, policy] = projected([
      activeContract[0]!,
      events.contractSubmitted(contractId),
      events.campaignCreated(campaignId, contractId, advertiserId, 'beauty', '1000'),
      events.spendReported(campaignId, '10', 0),
      events.platformSuspended('taobao'),
    ]);
    expect(routeOf(drafted!)).toEqual({ by: 'advertiser', id: advertiserId });
    expect(routeCreatedBy(drafted!)).toEqual({ by: 'contract', id: contractId, advertiserId });
    expect(routeOf(submitted!)).toEqual({ by: 'contract', id: contractId });
    expect(routeCreatedBy(created!)).toEqual({ by: 'campaign', id: campaignId, advertiserId });
    expect(routeOf(spend!)).toEqual({ by: 'campaign', id: campaignId });
    expect(routeOf(policy!)).toBeUndefined();
  });
});
