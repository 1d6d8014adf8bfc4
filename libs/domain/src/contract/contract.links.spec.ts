import { BusinessRuleViolation, NotFound, NotPermitted, fold } from '../shared';
import { contractDecider, contractStanding } from '.';
import {
  ADVERTISER_ID,
  approvals,
  approved,
  cleo,
  command,
  contract,
  drafted,
  emitted,
  inActive,
  inApproved,
  inExpired,
  inSuspended,
  inTerminated,
  linkDisabled,
  linkEnabled,
  linkFacts,
  policy,
  sam,
  signed,
  submitted,
  suspended,
  system,
  terminated,
} from './testing/contract-builders';

const enable = (platform: string, categories: string[], by = cleo) =>
  command('EnableExternalLink', { platform, categories }, by);
const disable = (platform: string, reason = 'Platform under review', by = cleo) =>
  command('DisableExternalLink', { platform, reason }, by);

describe('EnableExternalLink', () => {
  it('enables links to a platform of the contract for approved, link-eligible categories', () =>
    contract
      .given(inActive())
      .when(enable('taobao', ['skincare', 'fashion']), linkFacts())
      .then([emitted('ExternalLinkEnabled', { platform: 'taobao', categories: ['skincare', 'fashion'] })]));

  it('replaces the categories enabled before for that platform', () => {
    contract
      .given([...inActive(), linkEnabled('taobao', ['skincare', 'fashion'])])
      .when(enable('taobao', ['fashion']), linkFacts())
      .then([emitted('ExternalLinkEnabled', { platform: 'taobao', categories: ['fashion'] })]);
    const state = fold(contractDecider, [
      ...inActive(),
      linkEnabled('taobao', ['skincare', 'fashion']),
      linkEnabled('taobao', ['fashion']),
    ]);
    expect(contractStanding(state).enabledLinks).toEqual({ taobao: ['fashion'] });
  });

  it('refuses to enable the same categories again', () =>
    contract
      .given([...inActive(), linkEnabled('taobao', ['skincare', 'fashion'])])
      .when(enable('taobao', ['fashion', 'skincare']), linkFacts())
      .thenThrows(BusinessRuleViolation, 'NO_CHANGE'));

  it.each([sam, system])('needs the compliance role (not $userId)', (by) =>
    contract
      .given(inActive())
      .when(enable('taobao', ['skincare'], by), linkFacts())
      .thenThrows(NotPermitted, 'ROLE_REQUIRED'),
  );

  it('needs an existing contract', () =>
    contract
      .given([])
      .when(enable('taobao', ['skincare']), linkFacts())
      .thenThrows(NotFound, 'CONTRACT_NOT_FOUND'));

  it.each([
    ['an approved, unsigned', inApproved],
    ['a suspended', inSuspended],
  ])('refuses %s contract', (_, history) =>
    contract
      .given(history())
      .when(enable('taobao', ['skincare']), linkFacts())
      .thenThrows(BusinessRuleViolation, 'CONTRACT_NOT_ACTIVE'),
  );

  it.each([
    ['a terminated', inTerminated],
    ['an expired', inExpired],
  ])('refuses %s contract', (_, history) =>
    contract
      .given(history())
      .when(enable('taobao', ['skincare']), linkFacts())
      .thenThrows(BusinessRuleViolation, 'CONTRACT_CLOSED'),
  );

  it('refuses a platform the contract does not cover, even a registered one', () =>
    contract
      .given(inActive())
      .when(enable('weidian', ['skincare']), linkFacts())
      .thenThrows(BusinessRuleViolation, 'PLATFORM_NOT_ON_CONTRACT'));

  it('refuses a platform that is not registered in the link policy', () =>
    contract
      .given(inActive())
      .when(
        enable('jd', ['skincare']),
        linkFacts({ policy: { ...policy(), platforms: { taobao: policy().platforms.taobao! } } }),
      )
      .thenThrows(BusinessRuleViolation, 'PLATFORM_NOT_REGISTERED'));

  it('does not take an inherited Object property for a registered platform', () =>
    contract
      .given([drafted(sam, { platforms: ['constructor'] }), submitted(), approved(), signed()])
      .when(enable('constructor', ['skincare']), linkFacts())
      .thenThrows(BusinessRuleViolation, 'PLATFORM_NOT_REGISTERED'));

  it('refuses a suspended platform', () =>
    contract
      .given(inActive())
      .when(enable('jd', ['skincare']), linkFacts({ policy: policy(['jd']) }))
      .thenThrows(BusinessRuleViolation, 'PLATFORM_SUSPENDED'));

  it.each([[[]], [['skincare', 'skincare']], [['Skin care']]])('refuses the categories %j', (categories) =>
    contract
      .given(inActive())
      .when(enable('taobao', categories), linkFacts())
      .thenThrows(BusinessRuleViolation, 'INVALID_CATEGORIES'),
  );

  it('refuses a category the contract does not cover, even an approved, link-eligible one', () =>
    contract
      .given(inActive())
      .when(enable('taobao', ['skincare', 'toys']), linkFacts())
      .thenThrows(BusinessRuleViolation, 'CATEGORY_NOT_ON_CONTRACT'));

  it('refuses a category whose approval is not in force', () =>
    contract
      .given(inActive())
      .when(
        enable('taobao', ['skincare', 'fashion']),
        linkFacts({ categoryApprovals: approvals(['skincare'], ['fashion']) }),
      )
      .thenThrows(BusinessRuleViolation, 'CATEGORY_NOT_APPROVED'));

  it('refuses a category that was never approved for the advertiser', () =>
    contract
      .given(inActive())
      .when(enable('taobao', ['skincare', 'fashion']), linkFacts({ categoryApprovals: approvals(['skincare']) }))
      .thenThrows(BusinessRuleViolation, 'CATEGORY_NOT_APPROVED'));

  it('refuses a category that is not link-eligible', () =>
    contract
      .given(inActive())
      .when(enable('taobao', ['skincare', 'supplements']), linkFacts())
      .thenThrows(BusinessRuleViolation, 'CATEGORY_NOT_LINK_ELIGIBLE'));

  it('cannot be decided without the link policy', () =>
    expect(() =>
      contractDecider.decide(enable('taobao', ['skincare']), fold(contractDecider, inActive()), {
        categoryApprovals: approvals(['skincare']),
      }),
    ).toThrow('needs the policy fact'));

  it('cannot be decided without the category approvals', () =>
    expect(() =>
      contractDecider.decide(enable('taobao', ['skincare']), fold(contractDecider, inActive()), { policy: policy() }),
    ).toThrow('needs the categoryApprovals fact'));

  it("cannot be decided with another advertiser's category approvals", () =>
    expect(() =>
      contractDecider.decide(
        enable('taobao', ['skincare']),
        fold(contractDecider, inActive()),
        linkFacts({ categoryApprovals: [{ advertiserId: 'adv2', category: 'skincare', approved: true }] }),
      ),
    ).toThrow(`not ${ADVERTISER_ID}`));
});

describe('DisableExternalLink', () => {
  const linked = () => [...inActive(), linkEnabled('taobao', ['skincare'])];

  it('disables the links to a platform with a trimmed reason', () => {
    contract
      .given(linked())
      .when(disable('taobao', ' Counterfeit reports '), {})
      .then([emitted('ExternalLinkDisabled', { platform: 'taobao', reason: 'Counterfeit reports' })]);
    expect(contractStanding(fold(contractDecider, [...linked(), linkDisabled('taobao')])).enabledLinks).toEqual({});
  });

  it('lets the system withdraw links whose permission lapsed', () =>
    contract
      .given(linked())
      .when(disable('taobao', 'Platform suspended', system), {})
      .then([emitted('ExternalLinkDisabled', { platform: 'taobao', reason: 'Platform suspended' })]));

  it.each([
    ['suspended', suspended],
    ['terminated', terminated],
  ])('still withdraws links once the contract is %s', (_, event) =>
    contract
      .given([...linked(), event()])
      .when(disable('taobao', 'Contract no longer in force', system), {})
      .then([emitted('ExternalLinkDisabled', { platform: 'taobao', reason: 'Contract no longer in force' })]),
  );

  it('needs the compliance or service role', () =>
    contract
      .given(linked())
      .when(disable('taobao', 'No', sam), {})
      .thenThrows(NotPermitted, 'ROLE_REQUIRED'));

  it('needs an existing contract', () =>
    contract.given([]).when(disable('taobao'), {}).thenThrows(NotFound, 'CONTRACT_NOT_FOUND'));

  it('refuses a platform whose links are not enabled', () =>
    contract.given(linked()).when(disable('jd'), {}).thenThrows(BusinessRuleViolation, 'LINK_NOT_ENABLED'));

  it('does not take an inherited Object property for an enabled link', () =>
    contract.given(linked()).when(disable('constructor'), {}).thenThrows(BusinessRuleViolation, 'LINK_NOT_ENABLED'));

  it('refuses a platform whose links were already disabled', () =>
    contract
      .given([...linked(), linkDisabled('taobao')])
      .when(disable('taobao'), {})
      .thenThrows(BusinessRuleViolation, 'LINK_NOT_ENABLED'));

  it('needs a reason', () =>
    contract.given(linked()).when(disable('taobao', ' '), {}).thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));
});
