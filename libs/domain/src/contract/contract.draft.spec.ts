import { BusinessRuleViolation, DomainError, NotFound, NotPermitted, fold } from '../shared';
import type { ContractTerms } from '.';
import { contractDecider, contractStanding } from '.';
import {
  ADVERTISER_ID,
  TERMS,
  ada,
  advertiserFacts,
  command,
  contract,
  drafted,
  emitted,
  inActive,
  inApproved,
  inDraft,
  inReview,
  inSuspended,
  inTerminated,
  rejected,
  revised,
  sam,
  sara,
  submitted,
} from './testing/contract-builders';

const draft = (terms: Partial<ContractTerms> = {}, by = sam) =>
  command('DraftContract', { advertiserId: ADVERTISER_ID, ...TERMS, ...terms }, by);
const revise = (changes: Partial<ContractTerms>, by = sara) => command('ReviseContractDraft', { changes }, by);
const submit = (by = sam) => command('SubmitContract', {}, by);

describe('DraftContract', () => {
  it('drafts a contract with its terms', () =>
    contract
      .given([])
      .when(draft(), advertiserFacts())
      .then([emitted('ContractDrafted', { advertiserId: ADVERTISER_ID, channel: 'direct', ...TERMS })]));

  it('stores the value without leading zeros', () =>
    contract
      .given([])
      .when(draft({ totalValueMinor: '000500' }), advertiserFacts())
      .then([
        emitted('ContractDrafted', {
          advertiserId: ADVERTISER_ID,
          channel: 'direct',
          ...TERMS,
          totalValueMinor: '500',
        }),
      ]));

  it('accepts a term of exactly 36 months ending on a leap day', () =>
    contract
      .given([])
      .when(draft({ startsOn: '2025-03-01', endsOn: '2028-02-29' }), advertiserFacts())
      .then([
        emitted('ContractDrafted', {
          advertiserId: ADVERTISER_ID,
          channel: 'direct',
          ...TERMS,
          startsOn: '2025-03-01',
          endsOn: '2028-02-29',
        }),
      ]));

  it('needs the sales role', () =>
    contract.given([]).when(draft({}, ada), advertiserFacts()).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('refuses an id that is already taken', () =>
    contract
      .given(inDraft())
      .when(draft(), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'CONTRACT_ALREADY_EXISTS'));

  it('refuses an advertiser that is not registered', () =>
    contract
      .given([])
      .when(draft(), advertiserFacts({ registered: false, verified: false }))
      .thenThrows(BusinessRuleViolation, 'ADVERTISER_NOT_REGISTERED'));

  it.each(['eur', 'EURO', 'E1R', ''])('refuses the currency %j', (currency) =>
    contract
      .given([])
      .when(draft({ currency }), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'INVALID_CURRENCY'),
  );

  it.each(['0', '000', '-100', '12.50', '1e6', 'abc', ''])('refuses the total value %j', (totalValueMinor) =>
    contract
      .given([])
      .when(draft({ totalValueMinor }), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'INVALID_TOTAL_VALUE'),
  );

  it.each([
    { startsOn: '2026-02-30' },
    { startsOn: '2027-02-29' },
    { endsOn: '2026-13-01' },
    { endsOn: '2026-04-31' },
    { startsOn: '26-01-01' },
    { endsOn: '2026-12-31T00:00:00Z' },
  ])('refuses the impossible date in %j', (dates) =>
    contract.given([]).when(draft(dates), advertiserFacts()).thenThrows(BusinessRuleViolation, 'INVALID_DATE'),
  );

  it('refuses a contract that ends on the day it starts', () =>
    contract
      .given([])
      .when(draft({ startsOn: '2026-03-01', endsOn: '2026-03-01' }), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'END_NOT_AFTER_START'));

  it('refuses a contract that ends before it starts', () =>
    contract
      .given([])
      .when(draft({ startsOn: '2026-03-01', endsOn: '2026-02-28' }), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'END_NOT_AFTER_START'));

  it('refuses a term longer than 36 months', () =>
    contract
      .given([])
      .when(draft({ startsOn: '2026-01-15', endsOn: '2029-01-16' }), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'TERM_TOO_LONG'));

  it.each([[[]], [['skincare', 'skincare']], [['Skincare']], [['s']], [['1abc']], [['a'.repeat(33)]]])(
    'refuses the categories %j',
    (categories) =>
      contract
        .given([])
        .when(draft({ categories }), advertiserFacts())
        .thenThrows(BusinessRuleViolation, 'INVALID_CATEGORIES'),
  );

  it.each([[[]], [['jd', 'jd']], [['jd-mall']]])('refuses the platforms %j', (platforms) =>
    contract
      .given([])
      .when(draft({ platforms }), advertiserFacts())
      .thenThrows(BusinessRuleViolation, 'INVALID_PLATFORMS'),
  );

  it('cannot be decided without the advertiser fact, which is a bug in the caller', () => {
    let thrown: unknown;
    try {
      contractDecider.decide(draft(), contractDecider.initialState, {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).not.toBeInstanceOf(DomainError);
    expect((thrown as Error).message).toContain('needs the advertiser fact');
  });

  it("cannot be decided with another advertiser's standing", () =>
    expect(() =>
      contractDecider.decide(draft(), contractDecider.initialState, advertiserFacts({ advertiserId: 'adv2' })),
    ).toThrow('standing of advertiser adv2'));
});

describe('ReviseContractDraft', () => {
  it('records only the terms that change', () =>
    contract
      .given(inDraft())
      .when(
        revise({
          totalValueMinor: '2000000',
          categories: ['fashion', 'skincare', 'supplements'],
          endsOn: '2027-06-30',
        }),
        {},
      )
      .then([emitted('ContractDraftRevised', { totalValueMinor: '2000000', endsOn: '2027-06-30' })]));

  it('may change the currency and the start date before approval', () =>
    contract
      .given(inDraft())
      .when(revise({ currency: 'CNY', startsOn: '2026-02-01' }), {})
      .then([emitted('ContractDraftRevised', { currency: 'CNY', startsOn: '2026-02-01' })]));

  it('revises a rejected contract back into a draft', () => {
    const history = [...inReview(), rejected(), revised({ totalValueMinor: '2000000' })];
    const state = fold(contractDecider, history);
    expect(contractStanding(state)).toMatchObject({ status: 'Draft', totalValueMinor: '2000000' });
    contract
      .given([...inReview(), rejected()])
      .when(revise({ totalValueMinor: '2000000' }), {})
      .then([emitted('ContractDraftRevised', { totalValueMinor: '2000000' })]);
  });

  it('needs the sales role', () =>
    contract
      .given(inDraft())
      .when(revise({ totalValueMinor: '5' }, ada), {})
      .thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('needs an existing contract', () =>
    contract
      .given([])
      .when(revise({ totalValueMinor: '5' }), {})
      .thenThrows(NotFound, 'CONTRACT_NOT_FOUND'));

  it('cannot revise a contract under review', () =>
    contract
      .given(inReview())
      .when(revise({ totalValueMinor: '5' }), {})
      .thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_EDITABLE'));

  it.each([
    ['an approved', inApproved],
    ['an active', inActive],
    ['a suspended', inSuspended],
  ])('keeps the terms of %s contract frozen', (_, history) =>
    contract
      .given(history())
      .when(revise({ totalValueMinor: '5' }), {})
      .thenThrows(BusinessRuleViolation, 'TERMS_FROZEN'),
  );

  it('cannot revise a terminated contract', () =>
    contract
      .given(inTerminated())
      .when(revise({ totalValueMinor: '5' }), {})
      .thenThrows(BusinessRuleViolation, 'CONTRACT_CLOSED'));

  it('refuses a revision that changes nothing', () =>
    contract
      .given(inDraft())
      .when(revise({ totalValueMinor: '01000000', categories: ['supplements', 'fashion', 'skincare'] }), {})
      .thenThrows(BusinessRuleViolation, 'NO_CHANGE'));

  it('never changes the advertiser', () =>
    contract
      .given(inDraft())
      .when(revise({ advertiserId: 'adv2' } as Partial<ContractTerms>), {})
      .thenThrows(BusinessRuleViolation, 'TERM_NOT_CHANGEABLE'));

  it('refuses an end date that is not after the start', () =>
    contract
      .given(inDraft())
      .when(revise({ endsOn: '2025-12-31' }), {})
      .thenThrows(BusinessRuleViolation, 'END_NOT_AFTER_START'));

  it('refuses a value of zero', () =>
    contract
      .given(inDraft())
      .when(revise({ totalValueMinor: '0' }), {})
      .thenThrows(BusinessRuleViolation, 'INVALID_TOTAL_VALUE'));

  it('refuses a term longer than 36 months', () =>
    contract
      .given(inDraft())
      .when(revise({ endsOn: '2029-01-02' }), {})
      .thenThrows(BusinessRuleViolation, 'TERM_TOO_LONG'));

  it('refuses to drop every platform', () =>
    contract
      .given(inDraft())
      .when(revise({ platforms: [] }), {})
      .thenThrows(BusinessRuleViolation, 'INVALID_PLATFORMS'));
});

describe('SubmitContract', () => {
  it('submits a draft', () =>
    contract
      .given(inDraft())
      .when(submit(), {})
      .then([emitted('ContractSubmitted', {})]));

  it('resubmits a rejected contract', () =>
    contract
      .given([...inReview(), rejected()])
      .when(submit(sara), {})
      .then([emitted('ContractSubmitted', {})]));

  it('needs the sales role', () =>
    contract.given(inDraft()).when(submit(ada), {}).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('needs an existing contract', () =>
    contract.given([]).when(submit(), {}).thenThrows(NotFound, 'CONTRACT_NOT_FOUND'));

  it('refuses a contract that is already submitted', () =>
    contract
      .given([drafted(), submitted()])
      .when(submit(), {})
      .thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_DRAFT'));

  it('refuses an active contract', () =>
    contract.given(inActive()).when(submit(), {}).thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_DRAFT'));
});
