import { BusinessRuleViolation, NotFound, NotPermitted, fold } from '../shared';
import type { Actor, Recorded } from '../shared';
import { actor, metadataOf, recorded, spec } from '../shared/testing/decider-spec';
import type { AdvertiserCommand, RegisterAdvertiser } from './commands';
import type { AdvertiserEvent, AdvertiserRegistered } from './events';
import { KA_TIERS, advertiserDecider, advertiserStanding, advertiserStreamId } from './index';

const ID = '6f1c2a4e-9b7d-4c3e-8a51-2d0f7e9b1c34';
const sam = actor('sam', 'sales');
const sue = actor('sue', 'sales');
const clara = actor('clara', 'compliance');
const dan = actor('dan', 'deal_approver');

const as = <T extends AdvertiserCommand['type']>(
  type: T,
  data: Extract<AdvertiserCommand, { type: T }>['data'],
  by: Actor,
) => ({ type, data, metadata: metadataOf(by) }) as Extract<AdvertiserCommand, { type: T }>;

const registration: AdvertiserRegistered['data'] = {
  advertiserId: ID,
  legalName: 'Glow Cosmetics Ltd.',
  registrationNumber: '91310000MA1FL0XX1Q',
  kaTier: 'key',
  salesOwnerId: 'sue',
};
const register = (change: Partial<RegisterAdvertiser['data']> = {}, by: Actor = sam) =>
  as('RegisterAdvertiser', { ...registration, ...change }, by);
const verify = (by: Actor = clara) => as('VerifyAdvertiser', { advertiserId: ID, decision: 'verified' }, by);
const rejectVerification = (reason: string, by: Actor = clara) =>
  as('VerifyAdvertiser', { advertiserId: ID, decision: 'rejected', reason }, by);
const changeTier = (kaTier: string, by: Actor = sue) => as('ChangeKaTier', { advertiserId: ID, kaTier }, by);
const suspend = (reason: string, by: Actor = clara) => as('SuspendAdvertiser', { advertiserId: ID, reason }, by);
const reinstate = (by: Actor = clara) => as('ReinstateAdvertiser', { advertiserId: ID }, by);

const registeredBy = (by: Actor): Recorded<AdvertiserEvent> =>
  recorded({ type: 'AdvertiserRegistered', data: registration }, by);
const registered = registeredBy(sam);
const verified = recorded<AdvertiserEvent>({ type: 'AdvertiserVerified', data: { advertiserId: ID } }, clara);
const verificationRejected = recorded<AdvertiserEvent>(
  { type: 'AdvertiserVerificationRejected', data: { advertiserId: ID, reason: 'registration number unknown' } },
  clara,
);
const suspended = recorded<AdvertiserEvent>(
  { type: 'AdvertiserSuspended', data: { advertiserId: ID, reason: 'unpaid invoices' } },
  clara,
);
const reinstated = recorded<AdvertiserEvent>({ type: 'AdvertiserReinstated', data: { advertiserId: ID } }, clara);

const advertiser = spec(advertiserDecider);

describe('advertiser', () => {
  it('names its stream after the advertiser', () =>
    expect(advertiserStreamId(ID)).toBe('advertiser-6f1c2a4e-9b7d-4c3e-8a51-2d0f7e9b1c34'));

  it('knows the KA tiers', () => expect(KA_TIERS).toEqual(['strategic', 'key', 'growth']));

  describe('RegisterAdvertiser', () => {
    it('registers an advertiser with trimmed names', () =>
      advertiser
        .given([])
        .when(register({ legalName: '  Glow Cosmetics Ltd. ', registrationNumber: ' 91310000MA1FL0XX1Q ' }), undefined)
        .then([{ type: 'AdvertiserRegistered', data: registration }]));

    it('needs the sales role', () =>
      advertiser.given([]).when(register({}, clara), undefined).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it.each([
      ['not a UUID', 'glow'],
      ['upper case', ID.toUpperCase()],
      ['with an underscore', '6f1c2a4e_9b7d_4c3e_8a51_2d0f7e9b1c34'],
      ['empty', ''],
    ])('refuses an advertiser id %s', (_, advertiserId) =>
      advertiser
        .given([])
        .when(register({ advertiserId }), undefined)
        .thenThrows(BusinessRuleViolation, 'INVALID_ADVERTISER_ID'),
    );

    it('refuses a blank legal name', () =>
      advertiser
        .given([])
        .when(register({ legalName: '  ' }), undefined)
        .thenThrows(BusinessRuleViolation, 'LEGAL_NAME_REQUIRED'));

    it('refuses a blank registration number', () =>
      advertiser
        .given([])
        .when(register({ registrationNumber: '' }), undefined)
        .thenThrows(BusinessRuleViolation, 'REGISTRATION_NUMBER_REQUIRED'));

    it.each(['platinum', 'Key', ''])('refuses the KA tier %p', (kaTier) =>
      advertiser.given([]).when(register({ kaTier }), undefined).thenThrows(BusinessRuleViolation, 'INVALID_KA_TIER'),
    );

    it('refuses a blank sales owner', () =>
      advertiser
        .given([])
        .when(register({ salesOwnerId: ' ' }), undefined)
        .thenThrows(BusinessRuleViolation, 'SALES_OWNER_REQUIRED'));

    it('refuses an advertiser that is already registered', () =>
      advertiser
        .given([registered])
        .when(register(), undefined)
        .thenThrows(BusinessRuleViolation, 'ADVERTISER_ALREADY_REGISTERED'));
  });

  describe('VerifyAdvertiser', () => {
    it('verifies a registered advertiser', () =>
      advertiser
        .given([registered])
        .when(verify(), undefined)
        .then([{ type: 'AdvertiserVerified', data: { advertiserId: ID } }]));

    it('rejects the verification with a trimmed reason', () =>
      advertiser
        .given([registered])
        .when(rejectVerification(' registration number unknown '), undefined)
        .then([
          { type: 'AdvertiserVerificationRejected', data: { advertiserId: ID, reason: 'registration number unknown' } },
        ]));

    it('verifies after an earlier rejection', () =>
      advertiser
        .given([registered, verificationRejected])
        .when(verify(), undefined)
        .then([{ type: 'AdvertiserVerified', data: { advertiserId: ID } }]));

    it('needs the compliance role', () =>
      advertiser.given([registered]).when(verify(dan), undefined).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it('refuses an unregistered advertiser', () =>
      advertiser.given([]).when(verify(), undefined).thenThrows(NotFound, 'ADVERTISER_NOT_FOUND'));

    it('refuses the reviewer who registered the advertiser', () => {
      const both = actor('bea', 'sales', 'compliance');
      advertiser
        .given([registeredBy(both)])
        .when(verify(both), undefined)
        .thenThrows(NotPermitted, 'FOUR_EYES');
    });

    it("refuses the account's sales owner", () =>
      advertiser
        .given([registered])
        .when(verify(actor('sue', 'sales', 'compliance')), undefined)
        .thenThrows(NotPermitted, 'FOUR_EYES'));

    it('refuses to verify an advertiser verified already', () =>
      advertiser
        .given([registered, verified])
        .when(verify(), undefined)
        .thenThrows(BusinessRuleViolation, 'ADVERTISER_ALREADY_VERIFIED'));

    it('refuses to reject an advertiser verified already', () =>
      advertiser
        .given([registered, verified])
        .when(rejectVerification('second thoughts'), undefined)
        .thenThrows(BusinessRuleViolation, 'ADVERTISER_ALREADY_VERIFIED'));

    it('refuses to reject a rejected verification again', () =>
      advertiser
        .given([registered, verificationRejected])
        .when(rejectVerification('still unknown'), undefined)
        .thenThrows(BusinessRuleViolation, 'VERIFICATION_ALREADY_REJECTED'));

    it('refuses a rejection without a reason', () =>
      advertiser
        .given([registered])
        .when(rejectVerification('  '), undefined)
        .thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));
  });

  describe('ChangeKaTier', () => {
    it('lets sales change the tier', () =>
      advertiser
        .given([registered])
        .when(changeTier('strategic'), undefined)
        .then([{ type: 'KaTierChanged', data: { advertiserId: ID, kaTier: 'strategic' } }]));

    it('lets a deal approver change the tier', () =>
      advertiser
        .given([registered])
        .when(changeTier('growth', dan), undefined)
        .then([{ type: 'KaTierChanged', data: { advertiserId: ID, kaTier: 'growth' } }]));

    it('needs the sales or deal_approver role', () =>
      advertiser
        .given([registered])
        .when(changeTier('growth', clara), undefined)
        .thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it('refuses an unregistered advertiser', () =>
      advertiser.given([]).when(changeTier('growth'), undefined).thenThrows(NotFound, 'ADVERTISER_NOT_FOUND'));

    it('refuses an unknown tier', () =>
      advertiser
        .given([registered])
        .when(changeTier('gold'), undefined)
        .thenThrows(BusinessRuleViolation, 'INVALID_KA_TIER'));

    it('refuses the current tier', () =>
      advertiser
        .given([registered, recorded({ type: 'KaTierChanged', data: { advertiserId: ID, kaTier: 'growth' } }, sue)])
        .when(changeTier('growth'), undefined)
        .thenThrows(BusinessRuleViolation, 'KA_TIER_UNCHANGED'));
  });

  describe('SuspendAdvertiser', () => {
    it('suspends with a trimmed reason', () =>
      advertiser
        .given([registered, verified])
        .when(suspend(' unpaid invoices '), undefined)
        .then([{ type: 'AdvertiserSuspended', data: { advertiserId: ID, reason: 'unpaid invoices' } }]));

    it('needs the compliance role', () =>
      advertiser.given([registered]).when(suspend('fraud', sam), undefined).thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it('refuses an unregistered advertiser', () =>
      advertiser.given([]).when(suspend('fraud'), undefined).thenThrows(NotFound, 'ADVERTISER_NOT_FOUND'));

    it('refuses a blank reason', () =>
      advertiser.given([registered]).when(suspend(''), undefined).thenThrows(BusinessRuleViolation, 'REASON_REQUIRED'));

    it('refuses an advertiser suspended already', () =>
      advertiser
        .given([registered, suspended])
        .when(suspend('fraud'), undefined)
        .thenThrows(BusinessRuleViolation, 'ADVERTISER_ALREADY_SUSPENDED'));
  });

  describe('ReinstateAdvertiser', () => {
    it('reinstates a suspended advertiser', () =>
      advertiser
        .given([registered, suspended])
        .when(reinstate(), undefined)
        .then([{ type: 'AdvertiserReinstated', data: { advertiserId: ID } }]));

    it('needs the compliance role', () =>
      advertiser
        .given([registered, suspended])
        .when(reinstate(sam), undefined)
        .thenThrows(NotPermitted, 'ROLE_REQUIRED'));

    it('refuses an unregistered advertiser', () =>
      advertiser.given([]).when(reinstate(), undefined).thenThrows(NotFound, 'ADVERTISER_NOT_FOUND'));

    it('refuses an advertiser that is not suspended', () =>
      advertiser
        .given([registered, suspended, reinstated])
        .when(reinstate(), undefined)
        .thenThrows(BusinessRuleViolation, 'ADVERTISER_NOT_SUSPENDED'));
  });

  describe('advertiserStanding', () => {
    const standingAfter = (events: Recorded<AdvertiserEvent>[]) =>
      advertiserStanding(fold(advertiserDecider, events), ID);

    it('is unregistered before registration', () =>
      expect(standingAfter([])).toEqual({ advertiserId: ID, registered: false, verified: false, suspended: false }));

    it('is registered but unverified after registration', () =>
      expect(standingAfter([registered])).toEqual({
        advertiserId: ID,
        registered: true,
        verified: false,
        suspended: false,
      }));

    it('is unverified after a rejected verification', () =>
      expect(standingAfter([registered, verificationRejected]).verified).toBe(false));

    it('is verified and suspended after verification and suspension', () =>
      expect(standingAfter([registered, verified, suspended])).toEqual({
        advertiserId: ID,
        registered: true,
        verified: true,
        suspended: true,
      }));

    it('is no longer suspended after reinstatement', () =>
      expect(standingAfter([registered, verified, suspended, reinstated])).toEqual({
        advertiserId: ID,
        registered: true,
        verified: true,
        suspended: false,
      }));
  });
});
