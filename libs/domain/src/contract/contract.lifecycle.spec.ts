import { BusinessRuleViolation, NotFound, NotPermitted } from '../shared';
import type { Actor } from '../shared';
import {
  AFTER_END,
  ada,
  cleo,
  command,
  contract,
  emitted,
  inActive,
  inApproved,
  inDraft,
  inExpired,
  inReview,
  inSuspended,
  inTerminated,
  sam,
  system,
} from './testing/contract-builders';

const suspend = (by: Actor = cleo, reason = 'Consumer complaints under review') =>
  command('SuspendContract', { reason }, by);
const resume = (by: Actor = cleo) => command('ResumeContract', {}, by);
const terminate = (by: Actor = ada, reason = 'Advertiser breached the content rules') =>
  command('TerminateContract', { reason }, by);
const expire = (by: Actor = system, now = AFTER_END, data: { reason?: string } = {}) =>
  command('ExpireContract', data, by, now);

describe('SuspendContract', () => {
  it.each([cleo, ada])('suspends an active contract (by $userId)', (by) =>
    contract
      .given(inActive())
      .when(suspend(by, ' Consumer complaints under review '), {})
      .then([emitted('ContractSuspended', { reason: 'Consumer complaints under review' })]),
  );

  it('needs the deal_approver or compliance role', () =>
    contract.given(inActive()).when(suspend(sam), {}).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('needs an existing contract', () =>
    contract.given([]).when(suspend(), {}).thenThrows(NotFound, 'CONTRACT_NOT_FOUND'));

  it('needs a reason', () =>
    contract.given(inActive()).when(suspend(cleo, ''), {}).thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));

  it.each([
    ['an approved, unsigned', inApproved],
    ['an already suspended', inSuspended],
  ])('refuses %s contract', (_, history) =>
    contract.given(history()).when(suspend(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_ACTIVE'),
  );

  it('refuses a terminated contract', () =>
    contract.given(inTerminated()).when(suspend(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_CLOSED'));
});

describe('ResumeContract', () => {
  it.each([cleo, ada])('resumes a suspended contract (by $userId)', (by) =>
    contract
      .given(inSuspended())
      .when(resume(by), {})
      .then([emitted('ContractResumed', {})]),
  );

  it('needs the deal_approver or compliance role', () =>
    contract.given(inSuspended()).when(resume(sam), {}).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('refuses an active contract', () =>
    contract.given(inActive()).when(resume(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_SUSPENDED'));

  it('refuses an expired contract', () =>
    contract.given(inExpired()).when(resume(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_CLOSED'));
});

describe('TerminateContract', () => {
  it.each([
    ['an approved, unsigned', inApproved],
    ['an active', inActive],
    ['a suspended', inSuspended],
  ])('terminates %s contract', (_, history) =>
    contract
      .given(history())
      .when(terminate(), {})
      .then([emitted('ContractTerminated', { reason: 'Advertiser breached the content rules' })]),
  );

  it('may be terminated by compliance', () =>
    contract
      .given(inActive())
      .when(terminate(cleo, 'Licence withdrawn'), {})
      .then([emitted('ContractTerminated', { reason: 'Licence withdrawn' })]));

  it('needs the deal_approver or compliance role', () =>
    contract.given(inActive()).when(terminate(sam), {}).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('needs a reason', () =>
    contract.given(inActive()).when(terminate(ada, '\n'), {}).thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));

  it.each([
    ['a draft', inDraft],
    ['a submitted', inReview],
  ])('refuses %s contract, which was never approved', (_, history) =>
    contract.given(history()).when(terminate(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_TERMINABLE'),
  );

  it.each([
    ['a terminated', inTerminated],
    ['an expired', inExpired],
  ])('refuses %s contract, which is final', (_, history) =>
    contract.given(history()).when(terminate(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_CLOSED'),
  );
});

describe('ExpireContract', () => {
  it.each([system, ada])('expires an active contract after its end date (by $userId)', (by) =>
    contract
      .given(inActive())
      .when(expire(by), {})
      .then([emitted('ContractExpired', {})]),
  );

  it('records the reason it is given, trimmed', () =>
    contract
      .given(inActive())
      .when(expire(system, AFTER_END, { reason: ' contract ended on 2026-12-31 ' }), {})
      .then([emitted('ContractExpired', { reason: 'contract ended on 2026-12-31' })]));

  it('records no reason for a blank one', () =>
    contract
      .given(inActive())
      .when(expire(system, AFTER_END, { reason: '  ' }), {})
      .then([emitted('ContractExpired', {})]));

  it('expires a suspended contract after its end date', () =>
    contract
      .given(inSuspended())
      .when(expire(), {})
      .then([emitted('ContractExpired', {})]));

  it.each([sam, cleo])('needs the service or deal_approver role (not $userId)', (by) =>
    contract.given(inActive()).when(expire(by), {}).thenThrows(NotPermitted, 'ROLE_REQUIRED'),
  );

  it('refuses on the last day of the contract', () =>
    contract
      .given(inActive())
      .when(expire(system, '2026-12-31T23:59:59.999Z'), {})
      .thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_ENDED'));

  it.each([
    ['a draft', inDraft],
    ['an approved, unsigned', inApproved],
  ])('refuses %s contract, which never came into force', (_, history) =>
    contract.given(history()).when(expire(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_IN_FORCE'),
  );

  it.each([
    ['a terminated', inTerminated],
    ['an already expired', inExpired],
  ])('refuses %s contract, which is final', (_, history) =>
    contract.given(history()).when(expire(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_CLOSED'),
  );
});
