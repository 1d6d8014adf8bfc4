import { events, type PlannedEvent } from '../../../../bench/support/domain-history';
import type { DomainEvent } from '../engine/domain-events';
import {
  causeOf,
  evolveCascadeCampaign,
  evolveCascadeContract,
  reactionCommandId,
  reactionsTo,
  undoes,
  type CascadeCampaign,
  type CascadeContract,
} from './cascade';

const domain = (planned: PlannedEvent): DomainEvent => ({ type: planned.type, data: planned.data }) as DomainEvent;

const contract = (id: string, advertiserId: string, enabledLinks: Record<string, string[]>): CascadeContract => ({
  contractId: id,
  advertiserId,
  status: 'Active',
  enabledLinks,
});
const campaign = (id: string, change: Partial<CascadeCampaign> = {}): CascadeCampaign => ({
  campaignId: id,
  contractId: 'k1',
  advertiserId: 'a1',
  category: 'beauty',
  linkPlatform: 'taobao',
  status: 'Live',
  ...change,
});

const contracts = [
  contract('k1', 'a1', { taobao: ['beauty', 'food'], jd: ['food'] }),
  contract('k2', 'a1', { jd: ['beauty'] }),
  contract('k3', 'a2', { taobao: ['beauty'] }),
];
const campaigns = [
  campaign('m1'),
  campaign('m2', { category: 'food', linkPlatform: 'jd' }),
  campaign('m3', { contractId: 'k3', advertiserId: 'a2' }),
  campaign('m4', { status: 'Completed' }),
  campaign('m5', { status: 'PolicySuspended' }),
  campaign('m6', { status: 'Draft', linkPlatform: null }),
];

const targets = (planned: PlannedEvent): string[] =>
  reactionsTo(causeOf(domain(planned))!, contracts, campaigns).map(({ command }) =>
    command.type === 'DisableExternalLink'
      ? `disable ${command.data.contractId}/${command.data.platform}`
      : `suspend ${command.data.campaignId}`,
  );

describe('revocation cascade', () => {
  it('on a revoked category disables every link carrying it and suspends the open campaigns in it', () => {
    expect(targets(events.categoryRevoked('a1', 'beauty'))).toEqual([
      'disable k1/taobao',
      'disable k2/jd',
      'suspend m1',
      'suspend m6',
    ]);
    expect(targets(events.categoryExpired('a1', 'food'))).toEqual(['disable k1/jd', 'disable k1/taobao', 'suspend m2']);
  });

  it('on a suspended platform disables its links on every contract and suspends campaigns linking to it', () => {
    expect(targets(events.platformSuspended('jd'))).toEqual(['disable k1/jd', 'disable k2/jd', 'suspend m2']);
  });

  it('on a suspended advertiser disables all its links and suspends all its open campaigns', () => {
    expect(targets(events.advertiserSuspended('a2'))).toEqual(['disable k3/taobao', 'suspend m3']);
  });

  it('on a suspended, terminated or expired contract disables its links and suspends its open campaigns', () => {
    const expected = ['disable k1/jd', 'disable k1/taobao', 'suspend m1', 'suspend m2', 'suspend m6'];
    expect(targets(events.contractSuspended('k1'))).toEqual(expected);
    expect(targets(events.contractTerminated('k1'))).toEqual(expected);
    expect(targets(events.contractExpired('k1'))).toEqual(expected);
  });

  it('carries the cause in the command, with its reason', () => {
    const [disable] = reactionsTo(
      causeOf(domain(events.categoryRevoked('a2', 'beauty', 'licence withdrawn')))!,
      contracts,
      [],
    );
    expect(disable).toEqual({
      targetStream: 'contract-k3',
      command: {
        type: 'DisableExternalLink',
        data: {
          contractId: 'k3',
          platform: 'taobao',
          reason: 'approval of category beauty revoked: licence withdrawn',
        },
      },
    });
  });

  it('words an expiry with the date that passed when it records one, and as before when it does not', () => {
    const why = (type: 'ContractExpired' | 'CategoryApprovalExpired', reason?: string) =>
      causeOf({
        type,
        data: { contractId: 'k1', advertiserId: 'a1', category: 'beauty', ...(reason === undefined ? {} : { reason }) },
      } as DomainEvent)!.why;
    expect(why('ContractExpired', 'contract ended on 2026-06-30')).toBe(
      'contract expired: contract ended on 2026-06-30',
    );
    expect(why('ContractExpired')).toBe('contract expired');
    expect(why('CategoryApprovalExpired', 'approval valid until 2026-07-15')).toBe(
      'approval of category beauty expired: approval valid until 2026-07-15',
    );
    expect(why('CategoryApprovalExpired')).toBe('approval of category beauty expired');
  });

  it('ignores events that withdraw nothing', () => {
    expect(causeOf(domain(events.categoryRejected('a1', 'beauty')))).toBeUndefined();
    expect(causeOf(domain(events.linkDisabled('k1', 'jd')))).toBeUndefined();
  });

  it('recognises a later event that withdrew the cause', () => {
    expect(
      undoes(domain(events.categoryRevoked('a1', 'beauty')), domain(events.categoryApproved('a1', 'beauty'))),
    ).toBe(true);
    expect(undoes(domain(events.platformSuspended('jd')), domain(events.platformReinstated('taobao')))).toBe(false);
    expect(undoes(domain(events.platformSuspended('jd')), domain(events.platformReinstated('jd')))).toBe(true);
    expect(undoes(domain(events.advertiserSuspended('a1')), domain(events.advertiserReinstated('a1')))).toBe(true);
    expect(undoes(domain(events.contractSuspended('k1')), domain(events.contractResumed('k1')))).toBe(true);
    expect(undoes(domain(events.contractTerminated('k1')), domain(events.contractResumed('k1')))).toBe(false);
  });

  it('derives one stable command id per cause, target stream and platform', () => {
    const [k1jd, k1taobao] = reactionsTo(causeOf(domain(events.contractSuspended('k1')))!, contracts, []);
    const id = reactionCommandId('cascade', 'e1', k1jd!);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(reactionCommandId('cascade', 'e1', k1jd!)).toBe(id);
    expect(reactionCommandId('cascade', 'e1', k1taobao!)).not.toBe(id);
    expect(reactionCommandId('cascade', 'e2', k1jd!)).not.toBe(id);
  });

  it('folds its own view of contracts and campaigns from their events', () => {
    const planned = [
      events.contractDrafted('k9', 'a9', { categories: ['beauty'], platforms: ['jd'] }),
      events.contractSigned('k9'),
      events.linkEnabled('k9', 'jd', ['beauty']),
      events.linkEnabled('k9', 'taobao', ['beauty']),
      events.linkDisabled('k9', 'jd'),
    ];
    const folded = planned.map(domain).reduce<CascadeContract | undefined>(evolveCascadeContract, undefined);
    expect(folded).toEqual({
      contractId: 'k9',
      advertiserId: 'a9',
      status: 'Active',
      enabledLinks: { taobao: ['beauty'] },
    });
    const launched = [
      events.campaignCreated('m9', 'k9', 'a9', 'beauty', '100', { platform: 'jd', url: 'https://jd.com/x' }),
      events.campaignLaunched('m9'),
      events.campaignSuspendedByPolicy('m9', 'x'),
    ]
      .map(domain)
      .reduce<CascadeCampaign | undefined>(evolveCascadeCampaign, undefined);
    expect(launched).toEqual(
      campaign('m9', { contractId: 'k9', advertiserId: 'a9', linkPlatform: 'jd', status: 'PolicySuspended' }),
    );
  });
});
