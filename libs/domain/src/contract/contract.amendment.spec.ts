import { BusinessRuleViolation, NotFound, NotPermitted, fold } from '../shared';
import type { AmendmentChanges } from '.';
import { contractDecider, contractStanding } from '.';
import {
  TERMS,
  abe,
  ada,
  amendmentApproved,
  amendmentProposed,
  amendmentRejected,
  budgetAllocated,
  command,
  contract,
  dana,
  emitted,
  inActive,
  inApproved,
  inSuspended,
  inTerminated,
  linkEnabled,
  sam,
  sara,
  suspended,
  terminated,
} from './testing/contract-builders';

const propose = (changes: AmendmentChanges, by = sara) => command('ProposeAmendment', { changes }, by);
const approveAmendment = (version = 2, by = ada) => command('ApproveAmendment', { version }, by);
const rejectAmendment = (version = 2, reason = 'Discount too deep', by = ada) =>
  command('RejectAmendment', { version, reason }, by);

const raise = { totalValueMinor: '1500000' };

describe('ProposeAmendment', () => {
  it('proposes the next version with only the terms that change', () =>
    contract
      .given(inActive())
      .when(propose({ totalValueMinor: '1500000', platforms: ['jd', 'taobao'], endsOn: '2027-06-30' }), {})
      .then([
        emitted('ContractAmendmentProposed', {
          version: 2,
          changes: { totalValueMinor: '1500000', endsOn: '2027-06-30' },
        }),
      ]));

  it('numbers a proposal after an approved amendment as the version after that', () =>
    contract
      .given([...inActive(), amendmentProposed(raise), amendmentApproved(raise)])
      .when(propose({ categories: ['skincare'] }), {})
      .then([emitted('ContractAmendmentProposed', { version: 3, changes: { categories: ['skincare'] } })]));

  it('reuses the version of a rejected proposal, since a version numbers approved terms', () =>
    contract
      .given([...inActive(), amendmentProposed(raise), amendmentRejected()])
      .when(propose(raise), {})
      .then([emitted('ContractAmendmentProposed', { version: 2, changes: raise })]));

  it('needs the sales role', () =>
    contract.given(inActive()).when(propose(raise, ada), {}).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('needs an existing contract', () =>
    contract.given([]).when(propose(raise), {}).thenThrows(NotFound, 'CONTRACT_NOT_FOUND'));

  it.each([
    ['an approved, unsigned', inApproved],
    ['a suspended', inSuspended],
  ])('refuses %s contract', (_, history) =>
    contract.given(history()).when(propose(raise), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_ACTIVE'),
  );

  it('refuses a terminated contract', () =>
    contract.given(inTerminated()).when(propose(raise), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_CLOSED'));

  it('allows one pending amendment at a time', () =>
    contract
      .given([...inActive(), amendmentProposed(raise)])
      .when(propose({ endsOn: '2027-03-31' }), {})
      .thenThrows(BusinessRuleViolation, 'AMENDMENT_PENDING'));

  it.each([{ currency: 'USD' }, { startsOn: '2026-02-01' }, { advertiserId: 'adv2' }])('never changes %j', (changes) =>
    contract
      .given(inActive())
      .when(propose(changes as AmendmentChanges), {})
      .thenThrows(BusinessRuleViolation, 'TERM_NOT_CHANGEABLE'),
  );

  it('refuses an amendment that changes nothing', () =>
    contract
      .given(inActive())
      .when(propose({ totalValueMinor: TERMS.totalValueMinor, categories: ['fashion', 'supplements', 'skincare'] }), {})
      .thenThrows(BusinessRuleViolation, 'NO_CHANGE'));

  it('refuses a value of zero', () =>
    contract
      .given(inActive())
      .when(propose({ totalValueMinor: '0' }), {})
      .thenThrows(BusinessRuleViolation, 'INVALID_TOTAL_VALUE'));

  it('refuses to stretch the term beyond 36 months', () =>
    contract
      .given(inActive())
      .when(propose({ endsOn: '2029-01-02' }), {})
      .thenThrows(BusinessRuleViolation, 'TERM_TOO_LONG'));

  it('refuses an end date before the start', () =>
    contract
      .given(inActive())
      .when(propose({ endsOn: '2025-12-31' }), {})
      .thenThrows(BusinessRuleViolation, 'END_NOT_AFTER_START'));

  it('refuses an end date that has already passed', () =>
    contract
      .given(inActive())
      .when(propose({ endsOn: '2026-11-24' }), {})
      .thenThrows(BusinessRuleViolation, 'END_DATE_IN_PAST'));

  it('refuses to drop every category', () =>
    contract
      .given(inActive())
      .when(propose({ categories: [] }), {})
      .thenThrows(BusinessRuleViolation, 'INVALID_CATEGORIES'));

  it('may lower the value to exactly what campaigns hold', () =>
    contract
      .given([...inActive(), budgetAllocated('cmp1', '300000'), budgetAllocated('cmp2', '200000')])
      .when(propose({ totalValueMinor: '500000' }), {})
      .then([emitted('ContractAmendmentProposed', { version: 2, changes: { totalValueMinor: '500000' } })]));

  it('refuses to lower the value below what campaigns hold', () =>
    contract
      .given([...inActive(), budgetAllocated('cmp1', '300000'), budgetAllocated('cmp2', '200000')])
      .when(propose({ totalValueMinor: '499999' }), {})
      .thenThrows(BusinessRuleViolation, 'VALUE_BELOW_ALLOCATED'));

  it('refuses to drop a platform that has links enabled', () =>
    contract
      .given([...inActive(), linkEnabled('jd', ['skincare'])])
      .when(propose({ platforms: ['taobao'] }), {})
      .thenThrows(BusinessRuleViolation, 'LINK_OUTSIDE_TERMS'));

  it('refuses to drop a category that has links enabled', () =>
    contract
      .given([...inActive(), linkEnabled('jd', ['skincare', 'fashion'])])
      .when(propose({ categories: ['skincare', 'supplements'] }), {})
      .thenThrows(BusinessRuleViolation, 'LINK_OUTSIDE_TERMS'));

  it('may drop a category and a platform that no link uses', () =>
    contract
      .given([...inActive(), linkEnabled('jd', ['skincare'])])
      .when(propose({ categories: ['skincare'], platforms: ['jd'] }), {})
      .then([
        emitted('ContractAmendmentProposed', { version: 2, changes: { categories: ['skincare'], platforms: ['jd'] } }),
      ]));
});

describe('ApproveAmendment', () => {
  const pending = () => [...inActive(), amendmentProposed({ totalValueMinor: '1500000', endsOn: '2027-06-30' })];

  it('approves the pending amendment with the complete resulting terms', () =>
    contract
      .given(pending())
      .when(approveAmendment(), {})
      .then([
        emitted('ContractAmendmentApproved', {
          version: 2,
          ...TERMS,
          totalValueMinor: '1500000',
          endsOn: '2027-06-30',
        }),
      ]));

  it('makes the amended terms the contract terms', () =>
    expect(
      contractStanding(
        fold(contractDecider, [...pending(), amendmentApproved({ totalValueMinor: '1500000', endsOn: '2027-06-30' })]),
      ),
    ).toMatchObject({ status: 'Active', totalValueMinor: '1500000', endsOn: '2027-06-30' }));

  it('may approve while the contract is suspended', () =>
    contract
      .given([...pending(), suspended()])
      .when(approveAmendment(), {})
      .then([
        emitted('ContractAmendmentApproved', {
          version: 2,
          ...TERMS,
          totalValueMinor: '1500000',
          endsOn: '2027-06-30',
        }),
      ]));

  it('needs the deal_approver role', () =>
    contract.given(pending()).when(approveAmendment(2, sam), {}).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('bars whoever proposed it', () =>
    contract
      .given([...inActive(), amendmentProposed(raise, 2, dana)])
      .when(approveAmendment(2, dana), {})
      .thenThrows(NotPermitted, 'FOUR_EYES'));

  it('lets another approver approve it', () =>
    contract
      .given([...inActive(), amendmentProposed(raise, 2, dana)])
      .when(approveAmendment(2, abe), {})
      .then([emitted('ContractAmendmentApproved', { version: 2, ...TERMS, ...raise })]));

  it('needs a pending amendment', () =>
    contract.given(inActive()).when(approveAmendment(), {}).thenThrows(BusinessRuleViolation, 'NO_PENDING_AMENDMENT'));

  it('refuses a decision on another version than the pending one', () =>
    contract
      .given(pending())
      .when(approveAmendment(3), {})
      .thenThrows(BusinessRuleViolation, 'AMENDMENT_VERSION_MISMATCH'));

  it('refuses a lowered value once campaigns have since taken more', () =>
    contract
      .given([...inActive(), amendmentProposed({ totalValueMinor: '400000' }), budgetAllocated('cmp1', '500000')])
      .when(approveAmendment(), {})
      .thenThrows(BusinessRuleViolation, 'VALUE_BELOW_ALLOCATED'));

  it('refuses to drop a platform whose links were enabled since the proposal', () =>
    contract
      .given([...inActive(), amendmentProposed({ platforms: ['taobao'] }), linkEnabled('jd', ['skincare'])])
      .when(approveAmendment(), {})
      .thenThrows(BusinessRuleViolation, 'LINK_OUTSIDE_TERMS'));

  it('refuses an end date that passed while the amendment was pending', () =>
    contract
      .given([...inActive(), amendmentProposed({ endsOn: '2026-12-01' })])
      .when(command('ApproveAmendment', { version: 2 }, ada, '2026-12-02T09:00:00.000Z'), {})
      .thenThrows(BusinessRuleViolation, 'END_DATE_IN_PAST'));

  it('refuses once the contract is terminated', () =>
    contract
      .given([...pending(), terminated()])
      .when(approveAmendment(), {})
      .thenThrows(BusinessRuleViolation, 'CONTRACT_CLOSED'));
});

describe('RejectAmendment', () => {
  const pending = () => [...inActive(), amendmentProposed(raise)];

  it('rejects the pending amendment with a trimmed reason', () =>
    contract
      .given(pending())
      .when(rejectAmendment(2, ' Discount too deep '), {})
      .then([emitted('ContractAmendmentRejected', { version: 2, reason: 'Discount too deep' })]));

  it('leaves the terms as they were and allows a new proposal', () => {
    const state = fold(contractDecider, [...pending(), amendmentRejected()]);
    expect(contractStanding(state).totalValueMinor).toBe(TERMS.totalValueMinor);
    expect(contractDecider.decide(propose({ endsOn: '2027-03-31' }), state, {})).toHaveLength(1);
  });

  it('needs the deal_approver role', () =>
    contract
      .given(pending())
      .when(rejectAmendment(2, 'No', sam), {})
      .thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('bars whoever proposed it', () =>
    contract
      .given([...inActive(), amendmentProposed(raise, 2, dana)])
      .when(rejectAmendment(2, 'No', dana), {})
      .thenThrows(NotPermitted, 'FOUR_EYES'));

  it('needs a reason', () =>
    contract.given(pending()).when(rejectAmendment(2, ''), {}).thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));

  it('needs a pending amendment', () =>
    contract.given(inActive()).when(rejectAmendment(), {}).thenThrows(BusinessRuleViolation, 'NO_PENDING_AMENDMENT'));

  it('refuses a decision on another version than the pending one', () =>
    contract
      .given(pending())
      .when(rejectAmendment(1), {})
      .thenThrows(BusinessRuleViolation, 'AMENDMENT_VERSION_MISMATCH'));
});
