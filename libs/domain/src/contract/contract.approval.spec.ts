import { BusinessRuleViolation, NotFound, NotPermitted, fold } from '../shared';
import { contractDecider, contractStanding } from '.';
import {
  AFTER_END,
  abe,
  ada,
  advertiserFacts,
  command,
  contract,
  dana,
  drafted,
  emitted,
  inActive,
  inApproved,
  inDraft,
  inReview,
  revised,
  sam,
  sara,
  signed,
  submitted,
} from './testing/contract-builders';
import { actor } from '../shared/testing/decider-spec';

const approve = (by = ada) => command('ApproveContract', {}, by);
const reject = (reason = 'Value too low for a KA tier', by = ada) => command('RejectContract', { reason }, by);
const sign = (by = sam, now?: string) => command('SignContract', {}, by, now);

describe('ApproveContract', () => {
  it('approves a submitted contract', () =>
    contract
      .given(inReview())
      .when(approve(), advertiserFacts())
      .then([emitted('ContractApproved', {})]));

  it('needs the deal_approver role', () =>
    contract.given(inReview()).when(approve(sara), advertiserFacts()).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('needs an existing contract', () =>
    contract.given([]).when(approve(), advertiserFacts()).thenThrows(NotFound, 'CONTRACT_NOT_FOUND'));

  it('bars whoever drafted it', () =>
    contract
      .given([drafted(dana), submitted(sam)])
      .when(approve(dana), advertiserFacts())
      .thenThrows(NotPermitted, 'FOUR_EYES'));

  it('bars whoever revised it', () =>
    contract
      .given([drafted(sam), revised({ totalValueMinor: '5' }, dana), submitted(sam)])
      .when(approve(dana), advertiserFacts())
      .thenThrows(NotPermitted, 'FOUR_EYES'));

  it('bars whoever submitted it', () =>
    contract
      .given([drafted(sam), submitted(dana)])
      .when(approve(dana), advertiserFacts())
      .thenThrows(NotPermitted, 'FOUR_EYES'));

  it.each([
    ['another case', 'DANA'],
    ['full-width letters', 'ｄａｎａ'],
    ['a space and a zero-width space recorded before subjects were checked', 'da\u200bna '],
  ])('bars the drafter spelled with %s', (_, spelling) =>
    contract
      .given([drafted(actor(spelling, 'sales', 'deal_approver')), submitted(sam)])
      .when(approve(dana), advertiserFacts())
      .thenThrows(NotPermitted, 'FOUR_EYES'),
  );

  it('lets another approver approve a contract that someone with both roles drafted', () =>
    contract
      .given([drafted(dana), submitted(dana)])
      .when(approve(abe), advertiserFacts())
      .then([emitted('ContractApproved', {})]));

  it('refuses a contract that was not submitted', () =>
    contract
      .given(inDraft())
      .when(approve(), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_SUBMITTED'));

  it('refuses an unverified advertiser', () =>
    contract
      .given(inReview())
      .when(approve(), advertiserFacts({ verified: false }))
      .thenThrows(BusinessRuleViolation, 'ADVERTISER_NOT_VERIFIED'));

  it('refuses a suspended advertiser', () =>
    contract
      .given(inReview())
      .when(approve(), advertiserFacts({ suspended: true }))
      .thenThrows(BusinessRuleViolation, 'ADVERTISER_SUSPENDED'));

  it('cannot be decided without the advertiser fact', () =>
    expect(() => contractDecider.decide(approve(), fold(contractDecider, inReview()), {})).toThrow(
      'needs the advertiser fact',
    ));
});

describe('RejectContract', () => {
  it('rejects a submitted contract with a trimmed reason', () =>
    contract
      .given(inReview())
      .when(reject('  Value too low  '), {})
      .then([emitted('ContractRejected', { reason: 'Value too low' })]));

  it('needs the deal_approver role', () =>
    contract.given(inReview()).when(reject('No', sara), {}).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('bars whoever drafted it', () =>
    contract
      .given([drafted(dana), submitted(sam)])
      .when(reject('No', dana), {})
      .thenThrows(NotPermitted, 'FOUR_EYES'));

  it('bars whoever submitted it', () =>
    contract
      .given([drafted(sam), submitted(dana)])
      .when(reject('No', dana), {})
      .thenThrows(NotPermitted, 'FOUR_EYES'));

  it('needs a reason', () =>
    contract.given(inReview()).when(reject('   '), {}).thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));

  it('refuses a contract that was not submitted', () =>
    contract.given(inApproved()).when(reject(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_SUBMITTED'));
});

describe('SignContract', () => {
  it('records the signature of an approved contract, which makes it active', () => {
    contract
      .given(inApproved())
      .when(sign(), advertiserFacts())
      .then([emitted('ContractSigned', {})]);
    expect(contractStanding(fold(contractDecider, [...inApproved(), signed()])).status).toBe('Active');
  });

  it('can still be signed on its last day', () =>
    contract
      .given(inApproved())
      .when(sign(sam, '2026-12-31T23:59:59.999Z'), advertiserFacts())
      .then([emitted('ContractSigned', {})]));

  it('needs the sales role', () =>
    contract.given(inApproved()).when(sign(ada), advertiserFacts()).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('refuses a contract that is not approved', () =>
    contract
      .given(inReview())
      .when(sign(), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_APPROVED'));

  it('refuses a contract that is already active', () =>
    contract
      .given(inActive())
      .when(sign(), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_APPROVED'));

  it('refuses a contract whose end date has passed', () =>
    contract
      .given(inApproved())
      .when(sign(sam, AFTER_END), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'CONTRACT_PERIOD_OVER'));

  it('refuses an unverified advertiser', () =>
    contract
      .given(inApproved())
      .when(sign(), advertiserFacts({ verified: false }))
      .thenThrows(BusinessRuleViolation, 'ADVERTISER_NOT_VERIFIED'));

  it('refuses a suspended advertiser', () =>
    contract
      .given(inApproved())
      .when(sign(), advertiserFacts({ suspended: true }))
      .thenThrows(BusinessRuleViolation, 'ADVERTISER_SUSPENDED'));
});
