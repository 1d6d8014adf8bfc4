import { BusinessRuleViolation, NotFound, NotPermitted, fold } from '../shared';
import { contractDecider, contractStanding } from '.';
import {
  approved,
  budgetAllocated,
  budgetReleased,
  cleo,
  command,
  contract,
  drafted,
  emitted,
  expired,
  inActive,
  inApproved,
  inExpired,
  inSuspended,
  inTerminated,
  sam,
  signed,
  submitted,
  suspended,
  system,
  terminated,
} from './testing/contract-builders';

const allocate = (campaignId: string, amountMinor: string, by = system) =>
  command('AllocateCampaignBudget', { campaignId, amountMinor }, by);
const release = (campaignId: string, amountMinor: string, by = system) =>
  command('ReleaseCampaignBudget', { campaignId, amountMinor }, by);
const adjust = (campaignId: string, budgetMinor: string, by = system) =>
  command('AdjustCampaignBudget', { campaignId, budgetMinor }, by);

/** TERMS are worth 1 000 000; these campaigns hold 600 000 of it. */
const booked = () => [...inActive(), budgetAllocated('cmp1', '400000'), budgetAllocated('cmp2', '200000')];

describe('AllocateCampaignBudget', () => {
  it('reserves budget for a campaign', () =>
    contract
      .given(booked())
      .when(allocate('cmp3', '100000'), {})
      .then([emitted('CampaignBudgetAllocated', { campaignId: 'cmp3', amountMinor: '100000' })]));

  it('may book the contract value exactly', () =>
    contract
      .given(booked())
      .when(allocate('cmp3', '400000', sam), {})
      .then([emitted('CampaignBudgetAllocated', { campaignId: 'cmp3', amountMinor: '400000' })]));

  it('refuses to overbook the contract', () =>
    contract.given(booked()).when(allocate('cmp3', '400001'), {}).thenThrows(BusinessRuleViolation, 'BUDGET_EXCEEDED'));

  it('counts amounts beyond the range of a float exactly', () =>
    contract
      .given([
        drafted(sam, { totalValueMinor: '9007199254740993' }),
        submitted(),
        approved(),
        signed(),
        budgetAllocated('cmp1', '9007199254740993'),
      ])
      .when(allocate('cmp2', '1'), {})
      .thenThrows(BusinessRuleViolation, 'BUDGET_EXCEEDED'));

  it.each(['0', '-5', '1.5', ''])('refuses the amount %j', (amount) =>
    contract.given(booked()).when(allocate('cmp3', amount), {}).thenThrows(BusinessRuleViolation, 'INVALID_AMOUNT'),
  );

  it('keeps one allocation per campaign', () =>
    contract
      .given(booked())
      .when(allocate('cmp1', '1'), {})
      .thenThrows(BusinessRuleViolation, 'CAMPAIGN_ALREADY_ALLOCATED'));

  it('lets a campaign allocate afresh once it has released everything', () =>
    contract
      .given([...booked(), budgetReleased('cmp1', '400000')])
      .when(allocate('cmp1', '800000'), {})
      .then([emitted('CampaignBudgetAllocated', { campaignId: 'cmp1', amountMinor: '800000' })]));

  it('needs the sales or service role', () =>
    contract
      .given(booked())
      .when(allocate('cmp3', '1', cleo), {})
      .thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('needs an existing contract', () =>
    contract.given([]).when(allocate('cmp3', '1'), {}).thenThrows(NotFound, 'CONTRACT_NOT_FOUND'));

  it.each([
    ['an approved, unsigned', inApproved],
    ['a suspended', inSuspended],
  ])('refuses %s contract', (_, history) =>
    contract.given(history()).when(allocate('cmp3', '1'), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_ACTIVE'),
  );

  it.each([
    ['a terminated', inTerminated],
    ['an expired', inExpired],
  ])('refuses %s contract', (_, history) =>
    contract.given(history()).when(allocate('cmp3', '1'), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_CLOSED'),
  );
});

describe('ReleaseCampaignBudget', () => {
  it('gives back part of what a campaign holds', () => {
    contract
      .given(booked())
      .when(release('cmp1', '150000'), {})
      .then([emitted('CampaignBudgetReleased', { campaignId: 'cmp1', amountMinor: '150000' })]);
    expect(
      contractStanding(fold(contractDecider, [...booked(), budgetReleased('cmp1', '150000')])).allocatedMinor,
    ).toBe('450000');
  });

  it('gives back everything a campaign holds', () =>
    contract
      .given(booked())
      .when(release('cmp1', '400000', sam), {})
      .then([emitted('CampaignBudgetReleased', { campaignId: 'cmp1', amountMinor: '400000' })]));

  it.each([
    ['suspended', suspended],
    ['terminated', terminated],
    ['expired', expired],
  ])('still takes budget back once the contract is %s', (_, event) =>
    contract
      .given([...booked(), event()])
      .when(release('cmp1', '400000'), {})
      .then([emitted('CampaignBudgetReleased', { campaignId: 'cmp1', amountMinor: '400000' })]),
  );

  it('refuses to release more than the campaign holds', () =>
    contract
      .given(booked())
      .when(release('cmp2', '200001'), {})
      .thenThrows(BusinessRuleViolation, 'RELEASE_EXCEEDS_ALLOCATION'));

  it('refuses a campaign that holds nothing', () =>
    contract.given(booked()).when(release('cmp3', '1'), {}).thenThrows(BusinessRuleViolation, 'NO_ALLOCATION'));

  it.each(['0', '-1', 'x'])('refuses the amount %j', (amount) =>
    contract.given(booked()).when(release('cmp1', amount), {}).thenThrows(BusinessRuleViolation, 'INVALID_AMOUNT'),
  );

  it('needs the sales or service role', () =>
    contract
      .given(booked())
      .when(release('cmp1', '1', cleo), {})
      .thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('needs an existing contract', () =>
    contract.given([]).when(release('cmp1', '1'), {}).thenThrows(NotFound, 'CONTRACT_NOT_FOUND'));
});

describe('AdjustCampaignBudget', () => {
  it('allocates the difference when a campaign budget grows', () =>
    contract
      .given(booked())
      .when(adjust('cmp1', '500000'), {})
      .then([emitted('CampaignBudgetAllocated', { campaignId: 'cmp1', amountMinor: '100000' })]));

  it('releases the difference when a campaign budget shrinks', () =>
    contract
      .given(booked())
      .when(adjust('cmp1', '250000'), {})
      .then([emitted('CampaignBudgetReleased', { campaignId: 'cmp1', amountMinor: '150000' })]));

  it('sums a top-up into what the campaign holds', () =>
    expect(
      contractStanding(fold(contractDecider, [...booked(), budgetAllocated('cmp1', '100000')])).allocatedMinor,
    ).toBe('700000'));

  it('may grow a campaign budget up to the contract value', () =>
    contract
      .given(booked())
      .when(adjust('cmp2', '600000'), {})
      .then([emitted('CampaignBudgetAllocated', { campaignId: 'cmp2', amountMinor: '400000' })]));

  it('refuses growth that overbooks the contract', () =>
    contract.given(booked()).when(adjust('cmp2', '600001'), {}).thenThrows(BusinessRuleViolation, 'BUDGET_EXCEEDED'));

  it('refuses growth while the contract is suspended', () =>
    contract
      .given([...booked(), suspended()])
      .when(adjust('cmp1', '400001'), {})
      .thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_ACTIVE'));

  it('still shrinks a campaign budget while the contract is suspended', () =>
    contract
      .given([...booked(), suspended()])
      .when(adjust('cmp1', '1'), {})
      .then([emitted('CampaignBudgetReleased', { campaignId: 'cmp1', amountMinor: '399999' })]));

  it('refuses a budget equal to what the campaign holds', () =>
    contract.given(booked()).when(adjust('cmp1', '400000'), {}).thenThrows(BusinessRuleViolation, 'NO_CHANGE'));

  it('refuses a campaign that holds nothing yet', () =>
    contract.given(booked()).when(adjust('cmp3', '5'), {}).thenThrows(BusinessRuleViolation, 'NO_ALLOCATION'));

  it('refuses a budget of zero, which is a release', () =>
    contract.given(booked()).when(adjust('cmp1', '0'), {}).thenThrows(BusinessRuleViolation, 'INVALID_AMOUNT'));

  it('needs the sales or service role', () =>
    contract
      .given(booked())
      .when(adjust('cmp1', '5', cleo), {})
      .thenThrows(NotPermitted, 'ROLE_REQUIRED'));
});
