import { BusinessRuleViolation, NotFound, NotPermitted, fold } from '../shared';
import type { Actor, Recorded } from '../shared';
import { actor, metadataOf, recorded, spec } from '../shared/testing/decider-spec';
import type { PlatformPolicyCommand } from './commands';
import type { PlatformPolicyEvent } from './events';
import { PLATFORM_POLICY_STREAM, linkPolicyOf, platformPolicyDecider } from './index';

const admin = actor('ada', 'platform_admin');
const sales = actor('sam', 'sales');

const as = <T extends PlatformPolicyCommand['type']>(
  type: T,
  data: Extract<PlatformPolicyCommand, { type: T }>['data'],
  by: Actor = admin,
) => ({ type, data, metadata: metadataOf(by) }) as Extract<PlatformPolicyCommand, { type: T }>;

const register = (data: { platform: string; displayName: string; allowedDomains: string[] }, by?: Actor) =>
  as('RegisterLinkPlatform', data, by);
const changeDomains = (platform: string, allowedDomains: string[], by?: Actor) =>
  as('ChangeLinkPlatformDomains', { platform, allowedDomains }, by);
const suspend = (platform: string, reason: string, by?: Actor) => as('SuspendLinkPlatform', { platform, reason }, by);
const reinstate = (platform: string, by?: Actor) => as('ReinstateLinkPlatform', { platform }, by);
const addCategory = (category: string, regulated: boolean, by?: Actor) =>
  as('AddLinkEligibleCategory', { category, regulated }, by);
const removeCategory = (category: string, by?: Actor) => as('RemoveLinkEligibleCategory', { category }, by);
const setCap = (basisPoints: number, by?: Actor) => as('SetCommercialLoadCap', { basisPoints }, by);

const taobaoRegistered: Recorded<PlatformPolicyEvent> = recorded(
  {
    type: 'LinkPlatformRegistered',
    data: { platform: 'taobao', displayName: 'Taobao', allowedDomains: ['item.taobao.com', 'm.taobao.com'] },
  },
  admin,
);
const taobaoSuspended: Recorded<PlatformPolicyEvent> = recorded(
  { type: 'LinkPlatformSuspended', data: { platform: 'taobao', reason: 'counterfeit listings' } },
  admin,
);
const beautyAdded: Recorded<PlatformPolicyEvent> = recorded(
  { type: 'LinkEligibleCategoryAdded', data: { category: 'beauty', regulated: false } },
  admin,
);

const policy = spec(platformPolicyDecider);

describe('platform policy', () => {
  it('lives in one stream', () => expect(PLATFORM_POLICY_STREAM).toBe('platformPolicy-main'));

  describe('any policy command', () => {
    it.each<[string, PlatformPolicyCommand]>([
      ['RegisterLinkPlatform', register({ platform: 'jd', displayName: 'JD', allowedDomains: ['item.jd.com'] }, sales)],
      ['ChangeLinkPlatformDomains', changeDomains('taobao', ['item.taobao.com'], sales)],
      ['SuspendLinkPlatform', suspend('taobao', 'fraud', sales)],
      ['ReinstateLinkPlatform', reinstate('taobao', sales)],
      ['AddLinkEligibleCategory', addCategory('food', false, sales)],
      ['RemoveLinkEligibleCategory', removeCategory('beauty', sales)],
      ['SetCommercialLoadCap', setCap(1200, sales)],
    ])('%s needs the platform_admin role', (_, command) =>
      policy
        .given([taobaoRegistered, taobaoSuspended, beautyAdded])
        .when(command, undefined)
        .thenThrows(NotPermitted, 'ROLE_REQUIRED'),
    );
  });

  describe('RegisterLinkPlatform', () => {
    it('registers a platform with its domains, trimmed and de-duplicated', () =>
      policy
        .given([])
        .when(
          register({ platform: 'jd', displayName: '  JD  ', allowedDomains: ['item.jd.com', 'jd.com', 'item.jd.com'] }),
          undefined,
        )
        .then([
          {
            type: 'LinkPlatformRegistered',
            data: { platform: 'jd', displayName: 'JD', allowedDomains: ['item.jd.com', 'jd.com'] },
          },
        ]));

    it.each(['JD', 'j', 'jd-mall', '1jd', '_jd', 'j'.repeat(33)])('refuses the platform id %s', (platform) =>
      policy
        .given([])
        .when(register({ platform, displayName: 'JD', allowedDomains: ['item.jd.com'] }), undefined)
        .thenThrows(BusinessRuleViolation, 'INVALID_PLATFORM_ID'),
    );

    it('refuses a blank display name', () =>
      policy
        .given([])
        .when(register({ platform: 'jd', displayName: '   ', allowedDomains: ['item.jd.com'] }), undefined)
        .thenThrows(BusinessRuleViolation, 'DISPLAY_NAME_REQUIRED'));

    it('refuses an empty domain list', () =>
      policy
        .given([])
        .when(register({ platform: 'jd', displayName: 'JD', allowedDomains: [] }), undefined)
        .thenThrows(BusinessRuleViolation, 'ALLOWED_DOMAINS_REQUIRED'));

    it.each([
      ['a scheme', 'https://item.jd.com'],
      ['a path', 'item.jd.com/product'],
      ['a port', 'item.jd.com:443'],
      ['a wildcard', '*.jd.com'],
      ['user info', 'user@item.jd.com'],
      ['no dot', 'localhost'],
      ['upper case', 'Item.JD.com'],
      ['an IP address', '10.0.0.1'],
      ['an empty label', 'item..jd.com'],
      ['a trailing dot', 'item.jd.com.'],
      ['surrounding spaces', ' item.jd.com'],
    ])('refuses a domain with %s', (_, domain) =>
      policy
        .given([])
        .when(register({ platform: 'jd', displayName: 'JD', allowedDomains: ['jd.com', domain] }), undefined)
        .thenThrows(BusinessRuleViolation, 'INVALID_DOMAIN'),
    );

    it('refuses a platform that is already registered', () =>
      policy
        .given([taobaoRegistered])
        .when(register({ platform: 'taobao', displayName: 'Taobao', allowedDomains: ['taobao.com'] }), undefined)
        .thenThrows(BusinessRuleViolation, 'PLATFORM_ALREADY_REGISTERED'));
  });

  describe('ChangeLinkPlatformDomains', () => {
    it('replaces the allowed domains', () =>
      policy
        .given([taobaoRegistered])
        .when(changeDomains('taobao', ['item.taobao.com', 'detail.tmall.com', 'detail.tmall.com']), undefined)
        .then([
          {
            type: 'LinkPlatformDomainsChanged',
            data: { platform: 'taobao', allowedDomains: ['item.taobao.com', 'detail.tmall.com'] },
          },
        ]));

    it('may fix the domains of a suspended platform', () =>
      policy
        .given([taobaoRegistered, taobaoSuspended])
        .when(changeDomains('taobao', ['item.taobao.com']), undefined)
        .then([
          { type: 'LinkPlatformDomainsChanged', data: { platform: 'taobao', allowedDomains: ['item.taobao.com'] } },
        ]));

    it('refuses an unknown platform', () =>
      policy
        .given([])
        .when(changeDomains('jd', ['item.jd.com']), undefined)
        .thenThrows(NotFound, 'PLATFORM_NOT_FOUND'));

    it('refuses an empty domain list', () =>
      policy
        .given([taobaoRegistered])
        .when(changeDomains('taobao', []), undefined)
        .thenThrows(BusinessRuleViolation, 'ALLOWED_DOMAINS_REQUIRED'));

    it('refuses an invalid domain', () =>
      policy
        .given([taobaoRegistered])
        .when(changeDomains('taobao', ['https://item.taobao.com']), undefined)
        .thenThrows(BusinessRuleViolation, 'INVALID_DOMAIN'));

    it('refuses the same domains in another order', () =>
      policy
        .given([taobaoRegistered])
        .when(changeDomains('taobao', ['m.taobao.com', 'item.taobao.com', 'm.taobao.com']), undefined)
        .thenThrows(BusinessRuleViolation, 'DOMAINS_UNCHANGED'));
  });

  describe('SuspendLinkPlatform', () => {
    it('suspends a platform with a trimmed reason', () =>
      policy
        .given([taobaoRegistered])
        .when(suspend('taobao', '  counterfeit listings '), undefined)
        .then([{ type: 'LinkPlatformSuspended', data: { platform: 'taobao', reason: 'counterfeit listings' } }]));

    it('refuses an unknown platform', () =>
      policy.given([]).when(suspend('jd', 'fraud'), undefined).thenThrows(NotFound, 'PLATFORM_NOT_FOUND'));

    it('refuses a blank reason', () =>
      policy
        .given([taobaoRegistered])
        .when(suspend('taobao', ' \n '), undefined)
        .thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));

    it('refuses a platform that is already suspended', () =>
      policy
        .given([taobaoRegistered, taobaoSuspended])
        .when(suspend('taobao', 'again'), undefined)
        .thenThrows(BusinessRuleViolation, 'PLATFORM_ALREADY_SUSPENDED'));
  });

  describe('ReinstateLinkPlatform', () => {
    it('reinstates a suspended platform', () =>
      policy
        .given([taobaoRegistered, taobaoSuspended])
        .when(reinstate('taobao'), undefined)
        .then([{ type: 'LinkPlatformReinstated', data: { platform: 'taobao' } }]));

    it('refuses an unknown platform', () =>
      policy.given([]).when(reinstate('jd'), undefined).thenThrows(NotFound, 'PLATFORM_NOT_FOUND'));

    it('refuses a platform that is not suspended', () =>
      policy
        .given([taobaoRegistered])
        .when(reinstate('taobao'), undefined)
        .thenThrows(BusinessRuleViolation, 'PLATFORM_NOT_SUSPENDED'));

    it('refuses a platform reinstated already', () =>
      policy
        .given([
          taobaoRegistered,
          taobaoSuspended,
          recorded({ type: 'LinkPlatformReinstated', data: { platform: 'taobao' } }, admin),
        ])
        .when(reinstate('taobao'), undefined)
        .thenThrows(BusinessRuleViolation, 'PLATFORM_NOT_SUSPENDED'));
  });

  describe('AddLinkEligibleCategory', () => {
    it('adds a regulated category', () =>
      policy
        .given([beautyAdded])
        .when(addCategory('health_food', true), undefined)
        .then([{ type: 'LinkEligibleCategoryAdded', data: { category: 'health_food', regulated: true } }]));

    it.each(['Beauty', 'b', 'health-food', '9beauty', ''])('refuses the category %p', (category) =>
      policy
        .given([])
        .when(addCategory(category, false), undefined)
        .thenThrows(BusinessRuleViolation, 'INVALID_CATEGORY'),
    );

    it('refuses a category that is already eligible', () =>
      policy
        .given([beautyAdded])
        .when(addCategory('beauty', true), undefined)
        .thenThrows(BusinessRuleViolation, 'CATEGORY_ALREADY_ELIGIBLE'));

    it('adds back a category that was removed', () =>
      policy
        .given([beautyAdded, recorded({ type: 'LinkEligibleCategoryRemoved', data: { category: 'beauty' } }, admin)])
        .when(addCategory('beauty', true), undefined)
        .then([{ type: 'LinkEligibleCategoryAdded', data: { category: 'beauty', regulated: true } }]));
  });

  describe('RemoveLinkEligibleCategory', () => {
    it('removes an eligible category', () =>
      policy
        .given([beautyAdded])
        .when(removeCategory('beauty'), undefined)
        .then([{ type: 'LinkEligibleCategoryRemoved', data: { category: 'beauty' } }]));

    it('refuses a category that is not eligible', () =>
      policy.given([beautyAdded]).when(removeCategory('food'), undefined).thenThrows(NotFound, 'CATEGORY_NOT_FOUND'));

    it('refuses a category that looks like an inherited property', () =>
      policy.given([]).when(removeCategory('constructor'), undefined).thenThrows(NotFound, 'CATEGORY_NOT_FOUND'));
  });

  describe('SetCommercialLoadCap', () => {
    it('lowers the cap', () =>
      policy
        .given([])
        .when(setCap(1200), undefined)
        .then([{ type: 'CommercialLoadCapSet', data: { basisPoints: 1200 } }]));

    it('raises a lowered cap back to the policy limit', () =>
      policy
        .given([recorded({ type: 'CommercialLoadCapSet', data: { basisPoints: 1000 } }, admin)])
        .when(setCap(1500), undefined)
        .then([{ type: 'CommercialLoadCapSet', data: { basisPoints: 1500 } }]));

    it.each([0, -5, 10001, 12.5, Number.NaN])('refuses %p basis points', (basisPoints) =>
      policy.given([]).when(setCap(basisPoints), undefined).thenThrows(BusinessRuleViolation, 'INVALID_BASIS_POINTS'),
    );

    it('refuses a cap above 15%', () =>
      policy.given([]).when(setCap(1501), undefined).thenThrows(BusinessRuleViolation, 'LOAD_CAP_ABOVE_POLICY'));

    it('refuses the cap already in force, including the default', () =>
      policy.given([]).when(setCap(1500), undefined).thenThrows(BusinessRuleViolation, 'LOAD_CAP_UNCHANGED'));
  });

  describe('linkPolicyOf', () => {
    const policyAfter = (events: Recorded<PlatformPolicyEvent>[]) => linkPolicyOf(fold(platformPolicyDecider, events));

    it('never changes the shared initial policy, so every fold starts empty', () => {
      policyAfter([taobaoRegistered, beautyAdded]);
      expect(platformPolicyDecider.initialState.platforms.size).toBe(0);
      expect(platformPolicyDecider.initialState.linkEligibleCategories.size).toBe(0);
      expect(policyAfter([])).toEqual({
        platforms: {},
        linkEligibleCategories: {},
        commercialLoadCapBasisPoints: 1500,
      });
    });

    it('starts empty with the cap at 15%', () =>
      expect(policyAfter([])).toEqual({
        platforms: {},
        linkEligibleCategories: {},
        commercialLoadCapBasisPoints: 1500,
      }));

    it('reflects platforms, their suspension and domains, categories and the cap', () =>
      expect(
        policyAfter([
          taobaoRegistered,
          recorded(
            { type: 'LinkPlatformRegistered', data: { platform: 'jd', displayName: 'JD', allowedDomains: ['jd.com'] } },
            admin,
          ),
          taobaoSuspended,
          recorded(
            { type: 'LinkPlatformDomainsChanged', data: { platform: 'jd', allowedDomains: ['item.jd.com'] } },
            admin,
          ),
          beautyAdded,
          recorded({ type: 'LinkEligibleCategoryAdded', data: { category: 'liquor', regulated: true } }, admin),
          recorded({ type: 'LinkEligibleCategoryRemoved', data: { category: 'beauty' } }, admin),
          recorded({ type: 'CommercialLoadCapSet', data: { basisPoints: 1000 } }, admin),
        ]),
      ).toEqual({
        platforms: {
          taobao: { platform: 'taobao', suspended: true, allowedDomains: ['item.taobao.com', 'm.taobao.com'] },
          jd: { platform: 'jd', suspended: false, allowedDomains: ['item.jd.com'] },
        },
        linkEligibleCategories: { liquor: { regulated: true } },
        commercialLoadCapBasisPoints: 1000,
      }));

    it('shows a reinstated platform as not suspended', () =>
      expect(
        policyAfter([
          taobaoRegistered,
          taobaoSuspended,
          recorded({ type: 'LinkPlatformReinstated', data: { platform: 'taobao' } }, admin),
        ]).platforms['taobao']?.suspended,
      ).toBe(false));

    it('finds nothing under a name inherited by plain objects', () => {
      const { platforms, linkEligibleCategories } = policyAfter([taobaoRegistered, beautyAdded]);
      expect(platforms['constructor']).toBeUndefined();
      expect(linkEligibleCategories['toString']).toBeUndefined();
    });
  });
});
