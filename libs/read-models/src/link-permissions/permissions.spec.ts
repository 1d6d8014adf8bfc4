import type { AdvertiserInput, ApprovalInput, ContractInput, PlatformInput } from './link-inputs';
import { permissionsOf, todayUtc, verdictOn, type PermissionInputs } from './permissions';

const contract: ContractInput = {
  contractId: 'k1',
  advertiserId: 'a1',
  status: 'Active',
  startsOn: '2026-01-01',
  endsOn: '2026-12-31',
  categories: ['beauty'],
  platforms: ['taobao'],
  enabledLinks: { taobao: ['beauty'] },
};
const advertiser: AdvertiserInput = { advertiserId: 'a1', verified: true, suspended: false };
const taobao: PlatformInput = { platform: 'taobao', allowedDomains: ['taobao.com'], suspended: false };
const approval: ApprovalInput = {
  advertiserId: 'a1',
  category: 'beauty',
  status: 'Approved',
  validUntil: '2026-06-30',
  licenceRef: 'LIC-1',
};

const inputs = (
  change: Partial<{
    advertiser: AdvertiserInput | undefined;
    platform: PlatformInput | undefined;
    approval: ApprovalInput | undefined;
    eligible: boolean;
  }> = {},
): PermissionInputs => ({
  advertiser: 'advertiser' in change ? change.advertiser : advertiser,
  platform: (name) => (name === 'taobao' ? ('platform' in change ? change.platform : taobao) : undefined),
  eligibleCategory: (category) =>
    change.eligible === false ? undefined : { category, regulated: category === 'beauty' },
  approval: (category) => (category === 'beauty' ? ('approval' in change ? change.approval : approval) : undefined),
});

const only = (contractInput: ContractInput, permissionInputs: PermissionInputs) => {
  const rows = permissionsOf(contractInput, permissionInputs);
  expect(rows).toHaveLength(1);
  return rows[0]!;
};

describe('link permissions', () => {
  it('allows when every input allows, with domains, validity window and label requirements', () => {
    expect(only(contract, inputs())).toEqual({
      advertiserId: 'a1',
      contractId: 'k1',
      platform: 'taobao',
      category: 'beauty',
      allowed: true,
      reasons: [],
      allowedDomains: ['taobao.com'],
      validFrom: '2026-01-01',
      validUntil: '2026-06-30',
      contractEndsOn: '2026-12-31',
      categoryValidUntil: '2026-06-30',
      adLabelRequired: true,
      regulated: true,
      licenceRef: 'LIC-1',
    });
  });

  it.each([
    ['CONTRACT_NOT_ACTIVE', { ...contract, status: 'Suspended' as const }, inputs()],
    ['CATEGORY_NOT_APPROVED', contract, inputs({ approval: { ...approval, status: 'Requested' } })],
    ['CATEGORY_NOT_APPROVED', contract, inputs({ approval: undefined })],
    ['CATEGORY_REVOKED', contract, inputs({ approval: { ...approval, status: 'Revoked' } })],
    ['CATEGORY_EXPIRED', contract, inputs({ approval: { ...approval, status: 'Expired' } })],
    ['PLATFORM_SUSPENDED', contract, inputs({ platform: { ...taobao, suspended: true } })],
    ['PLATFORM_NOT_REGISTERED', contract, inputs({ platform: undefined })],
    ['ADVERTISER_SUSPENDED', contract, inputs({ advertiser: { ...advertiser, suspended: true } })],
    ['ADVERTISER_NOT_VERIFIED', contract, inputs({ advertiser: { ...advertiser, verified: false } })],
    ['ADVERTISER_NOT_VERIFIED', contract, inputs({ advertiser: undefined })],
    ['LINK_DISABLED', { ...contract, enabledLinks: {} }, inputs()],
    ['LINK_DISABLED', { ...contract, enabledLinks: { taobao: ['food'] }, categories: ['beauty', 'food'] }, inputs()],
    ['CATEGORY_NOT_LINK_ELIGIBLE', contract, inputs({ eligible: false })],
  ] as const)('denies with %s', (reason, contractInput, permissionInputs) => {
    const row = permissionsOf(contractInput, permissionInputs).find((permission) => permission.category === 'beauty')!;
    expect(row.allowed).toBe(false);
    expect(row.reasons).toEqual([reason]);
  });

  it('lists every reason that applies, in a fixed order', () => {
    const row = only(
      { ...contract, status: 'Terminated', enabledLinks: {} },
      inputs({ advertiser: { ...advertiser, suspended: true }, approval: { ...approval, status: 'Revoked' } }),
    );
    expect(row.reasons).toEqual(['ADVERTISER_SUSPENDED', 'CONTRACT_NOT_ACTIVE', 'CATEGORY_REVOKED', 'LINK_DISABLED']);
  });

  it('keeps a link still enabled for what an amendment dropped from the terms, denied as not on the contract', () => {
    const amended: ContractInput = {
      ...contract,
      categories: ['food'],
      platforms: ['jd'],
      enabledLinks: { taobao: ['beauty'] },
    };
    const rows = permissionsOf(amended, inputs());
    expect(rows.map(({ platform, category }) => `${platform}/${category}`)).toEqual([
      'jd/beauty',
      'jd/food',
      'taobao/beauty',
      'taobao/food',
    ]);
    const dropped = rows.find((row) => row.platform === 'taobao' && row.category === 'beauty')!;
    expect(dropped.reasons).toEqual(['PLATFORM_NOT_ON_CONTRACT', 'CATEGORY_NOT_ON_CONTRACT']);
  });

  describe('on a calendar day', () => {
    const allowed = only(contract, inputs());

    it('allows inside the contract term and the approval validity, both days included', () => {
      expect(verdictOn(allowed, '2026-01-01')).toEqual({ allowed: true, reasons: [] });
      expect(verdictOn(allowed, '2026-06-30')).toEqual({ allowed: true, reasons: [] });
    });

    it('denies before the contract starts and after it ends with CONTRACT_NOT_IN_TERM', () => {
      expect(verdictOn(allowed, '2025-12-31')).toEqual({ allowed: false, reasons: ['CONTRACT_NOT_IN_TERM'] });
      const longApproval = only(contract, inputs({ approval: { ...approval, validUntil: '2099-12-31' } }));
      expect(verdictOn(longApproval, '2027-01-01')).toEqual({ allowed: false, reasons: ['CONTRACT_NOT_IN_TERM'] });
    });

    it('denies after the approval lapsed with CATEGORY_EXPIRED, before anyone records the expiry', () => {
      expect(verdictOn(allowed, '2026-07-01')).toEqual({ allowed: false, reasons: ['CATEGORY_EXPIRED'] });
    });

    it('does not add a date reason to a category that is revoked anyway', () => {
      const revoked = only(contract, inputs({ approval: { ...approval, status: 'Revoked' } }));
      expect(verdictOn(revoked, '2026-07-01').reasons).toEqual(['CATEGORY_REVOKED']);
    });
  });
});

describe('todayUtc', () => {
  it('answers each instant its own UTC date, whatever it answered before', () => {
    for (const [instant, date] of [
      ['2026-12-01T12:00:00.000Z', '2026-12-01'],
      ['2026-12-01T23:59:59.999Z', '2026-12-01'],
      ['2026-12-02T00:00:00.000Z', '2026-12-02'],
      ['2026-11-30T23:59:59.999Z', '2026-11-30'],
      ['2026-12-01T00:00:00.000Z', '2026-12-01'],
      ['1969-12-31T23:59:59.999Z', '1969-12-31'],
    ]) {
      expect(todayUtc(new Date(instant!))).toBe(date);
    }
  });
});
