import { BusinessRuleViolation, NotFound, NotPermitted, fold } from '../shared';
import type { Actor, Recorded } from '../shared';
import { NOW, actor, metadataOf, recorded, spec } from '../shared/testing/decider-spec';
import type { CategoryApprovalCommand, CategoryApprovalFacts } from './commands';
import type { CategoryApprovalEvent } from './events';
import { categoryApprovalDecider, categoryApprovalStreamId, categoryStanding } from './index';

// NOW is 2026-11-25T10:00Z.
const ID = '6f1c2a4e-9b7d-4c3e-8a51-2d0f7e9b1c34';
const subject = { advertiserId: ID, category: 'beauty' };
const sam = actor('sam', 'sales');
const clara = actor('clara', 'compliance');
const colin = actor('colin', 'compliance');
const scheduler = actor('expiry-job', 'service');

const facts: CategoryApprovalFacts = {
  advertiser: { advertiserId: ID, registered: true, verified: true, suspended: false },
  linkEligibleCategories: { beauty: { regulated: false }, liquor: { regulated: true } },
};

const as = <T extends CategoryApprovalCommand['type']>(
  type: T,
  data: Extract<CategoryApprovalCommand, { type: T }>['data'],
  by: Actor,
  now: string = NOW,
) => ({ type, data, metadata: metadataOf(by, now) }) as Extract<CategoryApprovalCommand, { type: T }>;

const request = (change: { category?: string; licenceRef?: string; validUntil?: string } = {}, by: Actor = sam) =>
  as('RequestCategoryApproval', { ...subject, licenceRef: 'COS-2026-0042', validUntil: '2027-06-30', ...change }, by);
const approve = (by: Actor = clara, now?: string) => as('ApproveCategory', subject, by, now);
const reject = (reason: string, by: Actor = clara) => as('RejectCategory', { ...subject, reason }, by);
const revoke = (reason: string, by: Actor = clara) => as('RevokeCategoryApproval', { ...subject, reason }, by);
const expire = (by: Actor = scheduler, now?: string, reason?: string) =>
  as('ExpireCategoryApproval', { ...subject, ...(reason === undefined ? {} : { reason }) }, by, now);

const requestedBy = (by: Actor, validUntil = '2027-06-30'): Recorded<CategoryApprovalEvent> =>
  recorded({ type: 'CategoryApprovalRequested', data: { ...subject, licenceRef: 'COS-2026-0042', validUntil } }, by);
const requested = requestedBy(sam);
const approvedUntil = (validUntil: string): Recorded<CategoryApprovalEvent> =>
  recorded({ type: 'CategoryApproved', data: { ...subject, validUntil } }, clara);
const approved = approvedUntil('2027-06-30');
const rejected = recorded<CategoryApprovalEvent>(
  { type: 'CategoryApprovalRejected', data: { ...subject, reason: 'licence scan unreadable' } },
  clara,
);
const revoked = recorded<CategoryApprovalEvent>(
  { type: 'CategoryApprovalRevoked', data: { ...subject, reason: 'licence withdrawn' } },
  clara,
);
const expired = recorded<CategoryApprovalEvent>({ type: 'CategoryApprovalExpired', data: subject }, scheduler);

const approval = spec(categoryApprovalDecider);

describe('category approval', () => {
  it('names its stream after the advertiser and the category', () =>
    expect(categoryApprovalStreamId(ID, 'health_food')).toBe(
      'categoryApproval-6f1c2a4e-9b7d-4c3e-8a51-2d0f7e9b1c34_health_food',
    ));

  describe('RequestCategoryApproval', () => {
    it('requests an approval with a trimmed licence reference', () =>
      approval
        .given([])
        .when(request({ licenceRef: ' COS-2026-0042 ' }), facts)
        .then([
          {
            type: 'CategoryApprovalRequested',
            data: { ...subject, licenceRef: 'COS-2026-0042', validUntil: '2027-06-30' },
          },
        ]));

    it('accepts a licence valid until tomorrow', () =>
      approval
        .given([])
        .when(request({ validUntil: '2026-11-26' }), facts)
        .then([
          {
            type: 'CategoryApprovalRequested',
            data: { ...subject, licenceRef: 'COS-2026-0042', validUntil: '2026-11-26' },
          },
        ]));

    it('accepts an unverified advertiser', () =>
      approval
        .given([])
        .when(request(), { ...facts, advertiser: { ...facts.advertiser, verified: false } })
        .then([
          {
            type: 'CategoryApprovalRequested',
            data: { ...subject, licenceRef: 'COS-2026-0042', validUntil: '2027-06-30' },
          },
        ]));

    it.each([
      ['rejected', rejected],
      ['revoked', revoked],
      ['expired', expired],
    ])('starts a new cycle after the approval was %s', (_, ended) =>
      approval
        .given([requested, approved, ended])
        .when(request({ licenceRef: 'COS-2027-0007', validUntil: '2028-06-30' }), facts)
        .then([
          {
            type: 'CategoryApprovalRequested',
            data: { ...subject, licenceRef: 'COS-2027-0007', validUntil: '2028-06-30' },
          },
        ]),
    );

    it('needs the sales role', () =>
      approval.given([]).when(request({}, clara), facts).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it('refuses an advertiser that is not registered', () =>
      approval
        .given([])
        .when(request(), {
          ...facts,
          advertiser: { advertiserId: ID, registered: false, verified: false, suspended: false },
        })
        .thenThrows(NotFound, 'ADVERTISER_NOT_FOUND'));

    it('refuses a suspended advertiser', () =>
      approval
        .given([])
        .when(request(), { ...facts, advertiser: { ...facts.advertiser, suspended: true } })
        .thenThrows(BusinessRuleViolation, 'ADVERTISER_SUSPENDED'));

    it.each(['food', 'constructor', 'Beauty'])('refuses the category %p, unknown to the link policy', (category) =>
      approval
        .given([])
        .when(request({ category }), facts)
        .thenThrows(BusinessRuleViolation, 'CATEGORY_NOT_LINK_ELIGIBLE'),
    );

    it('refuses a blank licence reference', () =>
      approval
        .given([])
        .when(request({ licenceRef: '   ' }), facts)
        .thenThrows(BusinessRuleViolation, 'LICENCE_REF_REQUIRED'));

    it.each([
      '2027-02-29',
      '2028-02-30',
      '2027-13-01',
      '2027-04-31',
      '2027-00-10',
      '2027-6-30',
      '2027-06-30T00:00:00Z',
      '',
    ])('refuses the valid-until %p, which is not a calendar date', (validUntil) =>
      approval.given([]).when(request({ validUntil }), facts).thenThrows(BusinessRuleViolation, 'INVALID_VALID_UNTIL'),
    );

    it('accepts 29 February in a leap year', () =>
      approval
        .given([])
        .when(request({ validUntil: '2028-02-29' }), facts)
        .then([
          {
            type: 'CategoryApprovalRequested',
            data: { ...subject, licenceRef: 'COS-2026-0042', validUntil: '2028-02-29' },
          },
        ]));

    it.each(['2026-11-25', '2026-01-01'])('refuses a licence valid only until %s', (validUntil) =>
      approval
        .given([])
        .when(request({ validUntil }), facts)
        .thenThrows(BusinessRuleViolation, 'VALID_UNTIL_NOT_IN_FUTURE'),
    );

    it('refuses while a request is pending', () =>
      approval
        .given([requested])
        .when(request(), facts)
        .thenThrows(BusinessRuleViolation, 'APPROVAL_ALREADY_REQUESTED'));

    it('refuses while the category is approved', () =>
      approval
        .given([requested, approved])
        .when(request(), facts)
        .thenThrows(BusinessRuleViolation, 'CATEGORY_ALREADY_APPROVED'));
  });

  describe('ApproveCategory', () => {
    it('approves a pending request until its valid-until date', () =>
      approval
        .given([requested])
        .when(approve(), facts)
        .then([{ type: 'CategoryApproved', data: { ...subject, validUntil: '2027-06-30' } }]));

    it('approves on the last valid day', () =>
      approval
        .given([requestedBy(sam, '2026-12-31')])
        .when(approve(clara, '2026-12-31T23:00:00.000Z'), facts)
        .then([{ type: 'CategoryApproved', data: { ...subject, validUntil: '2026-12-31' } }]));

    it('needs the compliance role', () =>
      approval.given([requested]).when(approve(sam), facts).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it('refuses an approval never requested', () =>
      approval.given([]).when(approve(), facts).thenThrows(NotFound, 'CATEGORY_APPROVAL_NOT_FOUND'));

    it.each([
      ['approved', [requested, approved]],
      ['rejected', [requested, rejected]],
    ])('refuses a request already %s', (_, history) =>
      approval.given(history).when(approve(colin), facts).thenThrows(BusinessRuleViolation, 'APPROVAL_NOT_PENDING'),
    );

    it('refuses the requester', () => {
      const both = actor('bea', 'sales', 'compliance');
      approval
        .given([requestedBy(both)])
        .when(approve(both), facts)
        .thenThrows(NotPermitted, 'FOUR_EYES');
    });

    it('refuses a request whose licence has lapsed', () =>
      approval
        .given([requestedBy(sam, '2026-12-31')])
        .when(approve(clara, '2027-01-01T00:00:00.000Z'), facts)
        .thenThrows(BusinessRuleViolation, 'VALID_UNTIL_PASSED'));
  });

  describe('RejectCategory', () => {
    it('rejects a pending request with a trimmed reason', () =>
      approval
        .given([requested])
        .when(reject(' licence scan unreadable '), facts)
        .then([{ type: 'CategoryApprovalRejected', data: { ...subject, reason: 'licence scan unreadable' } }]));

    it('needs the compliance role', () =>
      approval.given([requested]).when(reject('no', sam), facts).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it('refuses an approval never requested', () =>
      approval.given([]).when(reject('no'), facts).thenThrows(NotFound, 'CATEGORY_APPROVAL_NOT_FOUND'));

    it('refuses a request that is no longer pending', () =>
      approval
        .given([requested, approved])
        .when(reject('no'), facts)
        .thenThrows(BusinessRuleViolation, 'APPROVAL_NOT_PENDING'));

    it('refuses the requester', () => {
      const both = actor('bea', 'sales', 'compliance');
      approval
        .given([requestedBy(both)])
        .when(reject('mine', both), facts)
        .thenThrows(NotPermitted, 'FOUR_EYES');
    });

    it('refuses a blank reason', () =>
      approval.given([requested]).when(reject(' '), facts).thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));
  });

  describe('RevokeCategoryApproval', () => {
    it('revokes an approval with a trimmed reason', () =>
      approval
        .given([requested, approved])
        .when(revoke(' licence withdrawn '), facts)
        .then([{ type: 'CategoryApprovalRevoked', data: { ...subject, reason: 'licence withdrawn' } }]));

    it('needs the compliance role', () =>
      approval.given([requested, approved]).when(revoke('no', sam), facts).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it('refuses an approval never requested', () =>
      approval.given([]).when(revoke('no'), facts).thenThrows(NotFound, 'CATEGORY_APPROVAL_NOT_FOUND'));

    it.each([
      ['pending', [requested]],
      ['revoked', [requested, approved, revoked]],
      ['expired', [requested, approved, expired]],
    ])('refuses an approval that is %s', (_, history) =>
      approval.given(history).when(revoke('no'), facts).thenThrows(BusinessRuleViolation, 'CATEGORY_NOT_APPROVED'),
    );

    it('refuses a blank reason', () =>
      approval
        .given([requested, approved])
        .when(revoke(''), facts)
        .thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));
  });

  describe('ExpireCategoryApproval', () => {
    const lapsed = [requestedBy(sam, '2026-11-24'), approvedUntil('2026-11-24')];

    it('lets the system expire an approval the day after its valid-until date', () =>
      approval
        .given(lapsed)
        .when(expire(), facts)
        .then([{ type: 'CategoryApprovalExpired', data: subject }]));

    it('records the reason it is given, trimmed', () =>
      approval
        .given(lapsed)
        .when(expire(scheduler, undefined, ' approval valid until 2026-11-24 '), facts)
        .then([{ type: 'CategoryApprovalExpired', data: { ...subject, reason: 'approval valid until 2026-11-24' } }]));

    it('records no reason for a blank one', () =>
      approval
        .given(lapsed)
        .when(expire(scheduler, undefined, ' '), facts)
        .then([{ type: 'CategoryApprovalExpired', data: subject }]));

    it('lets compliance expire a lapsed approval', () =>
      approval
        .given(lapsed)
        .when(expire(clara), facts)
        .then([{ type: 'CategoryApprovalExpired', data: subject }]));

    it('needs the compliance or service role', () =>
      approval.given(lapsed).when(expire(sam), facts).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it('refuses an approval never requested', () =>
      approval.given([]).when(expire(), facts).thenThrows(NotFound, 'CATEGORY_APPROVAL_NOT_FOUND'));

    it('refuses an approval that is not approved', () =>
      approval
        .given([requestedBy(sam, '2026-11-24')])
        .when(expire(), facts)
        .thenThrows(BusinessRuleViolation, 'CATEGORY_NOT_APPROVED'));

    it('refuses an approval still valid today', () =>
      approval
        .given([requestedBy(sam, '2026-11-25'), approvedUntil('2026-11-25')])
        .when(expire(scheduler, '2026-11-25T23:59:59.999Z'), facts)
        .thenThrows(BusinessRuleViolation, 'APPROVAL_STILL_VALID'));
  });

  describe('categoryStanding', () => {
    const standingAfter = (events: Recorded<CategoryApprovalEvent>[], now: string = NOW) =>
      categoryStanding(fold(categoryApprovalDecider, events), now, subject);

    it('is not approved before any request', () => expect(standingAfter([])).toEqual({ ...subject, approved: false }));

    it('is not approved while pending', () =>
      expect(standingAfter([requested])).toEqual({ ...subject, approved: false }));

    it('is approved until its valid-until date, inclusive', () =>
      expect(standingAfter([requested, approved], '2027-06-30T23:59:59.999Z')).toEqual({
        ...subject,
        approved: true,
        validUntil: '2027-06-30',
      }));

    it('is not approved once the valid-until date has passed, even before the expiry is recorded', () =>
      expect(standingAfter([requested, approved], '2027-07-01T00:00:00.000Z')).toEqual({
        ...subject,
        approved: false,
        validUntil: '2027-06-30',
      }));

    it.each([
      ['rejected', [requested, rejected]],
      ['revoked', [requested, approved, revoked]],
      ['expired', [requested, approved, expired]],
    ])('is not approved once %s', (_, history) =>
      expect(standingAfter(history)).toEqual({ ...subject, approved: false }),
    );

    it('is not approved while a new cycle is pending', () =>
      expect(standingAfter([requested, approved, revoked, requested])).toEqual({ ...subject, approved: false }));
  });
});
