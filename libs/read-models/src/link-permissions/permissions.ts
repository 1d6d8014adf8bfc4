import { linkTargetAllowed, type LinkTargetVerdict } from '#domain';
import type {
  AdvertiserInput,
  ApprovalInput,
  ContractInput,
  EligibleCategoryInput,
  PlatformInput,
} from './link-inputs';

/**
 * Every reason a link may be denied, in the order they are reported. The first group is decided
 * when events are projected; CONTRACT_NOT_IN_TERM and a CATEGORY_EXPIRED by date are decided at
 * query time, because the calendar moves without an event.
 */
export const DENY_REASONS = [
  'ADVERTISER_NOT_VERIFIED',
  'ADVERTISER_SUSPENDED',
  'CONTRACT_NOT_ACTIVE',
  'CONTRACT_NOT_IN_TERM',
  'PLATFORM_NOT_ON_CONTRACT',
  'CATEGORY_NOT_ON_CONTRACT',
  'PLATFORM_NOT_REGISTERED',
  'PLATFORM_SUSPENDED',
  'CATEGORY_NOT_LINK_ELIGIBLE',
  'CATEGORY_NOT_APPROVED',
  'CATEGORY_REVOKED',
  'CATEGORY_EXPIRED',
  'LINK_DISABLED',
] as const;

export type DenyReason = (typeof DENY_REASONS)[number];

const inOrder = (reasons: Iterable<DenyReason>): DenyReason[] => {
  const set = new Set(reasons);
  return DENY_REASONS.filter((reason) => set.has(reason));
};

/** One advertiser x contract x platform x category, as projected (without the calendar). */
export interface LinkPermission {
  readonly advertiserId: string;
  readonly contractId: string;
  readonly platform: string;
  readonly category: string;
  /** Every input allows the link; the query still checks the dates. */
  readonly allowed: boolean;
  readonly reasons: readonly DenyReason[];
  /** The platform's allowed link hosts (subdomains included); empty when it is not registered. */
  readonly allowedDomains: readonly string[];
  /** First day the link may be shown: the contract's start. */
  readonly validFrom: string;
  /** Last day: the earlier of the contract's end and the category approval's valid-until. */
  readonly validUntil: string;
  readonly contractEndsOn: string;
  /** The category approval's last valid day; null when the category was never requested. */
  readonly categoryValidUntil: string | null;
  /** Every paid link carries a visible ad label (DESIGN.md section 1). */
  readonly adLabelRequired: true;
  /** Regulated categories show their licence reference next to the label. */
  readonly regulated: boolean;
  readonly licenceRef: string | null;
  /** Position of the last event that changed any input of this permission. */
  readonly sourcePosition: string;
}

export interface PermissionInputs {
  readonly advertiser: AdvertiserInput | undefined;
  readonly platform: (platform: string) => PlatformInput | undefined;
  readonly eligibleCategory: (category: string) => EligibleCategoryInput | undefined;
  readonly approval: (category: string) => ApprovalInput | undefined;
}

/**
 * The platforms and categories a contract has permissions for: its terms, plus whatever is still
 * enabled after an amendment dropped it from the terms (so that stays visible, denied).
 */
export const permissionKeysOf = (
  contract: ContractInput,
): { platforms: readonly string[]; categories: readonly string[] } => {
  const platforms = new Set(contract.platforms);
  const categories = new Set(contract.categories);
  for (const [platform, enabled] of Object.entries(contract.enabledLinks)) {
    platforms.add(platform);
    for (const category of enabled) categories.add(category);
  }
  return { platforms: [...platforms].sort(), categories: [...categories].sort() };
};

/** A permission as computed from its inputs; the shell adds where in the log they last changed. */
export type ComputedPermission = Omit<LinkPermission, 'sourcePosition'>;

/** Every permission of one contract, from the current inputs. Pure. */
export const permissionsOf = (contract: ContractInput, inputs: PermissionInputs): ComputedPermission[] => {
  const { platforms, categories } = permissionKeysOf(contract);
  const rows: ComputedPermission[] = [];
  for (const platform of platforms) {
    for (const category of categories) {
      const reasons = staticReasons(contract, platform, category, inputs);
      const approval = inputs.approval(category);
      const categoryValidUntil = approval?.validUntil ?? null;
      rows.push({
        advertiserId: contract.advertiserId,
        contractId: contract.contractId,
        platform,
        category,
        allowed: reasons.length === 0,
        reasons,
        allowedDomains: inputs.platform(platform)?.allowedDomains ?? [],
        validFrom: contract.startsOn,
        validUntil:
          categoryValidUntil !== null && categoryValidUntil < contract.endsOn ? categoryValidUntil : contract.endsOn,
        contractEndsOn: contract.endsOn,
        categoryValidUntil,
        adLabelRequired: true,
        regulated: inputs.eligibleCategory(category)?.regulated ?? false,
        licenceRef: approval?.licenceRef ?? null,
      });
    }
  }
  return rows;
};

const staticReasons = (
  contract: ContractInput,
  platform: string,
  category: string,
  inputs: PermissionInputs,
): DenyReason[] => {
  const reasons: DenyReason[] = [];
  const { advertiser } = inputs;
  if (advertiser === undefined || !advertiser.verified) reasons.push('ADVERTISER_NOT_VERIFIED');
  if (advertiser?.suspended) reasons.push('ADVERTISER_SUSPENDED');
  if (contract.status !== 'Active') reasons.push('CONTRACT_NOT_ACTIVE');
  if (!contract.platforms.includes(platform)) reasons.push('PLATFORM_NOT_ON_CONTRACT');
  if (!contract.categories.includes(category)) reasons.push('CATEGORY_NOT_ON_CONTRACT');
  const registered = inputs.platform(platform);
  if (registered === undefined) reasons.push('PLATFORM_NOT_REGISTERED');
  else if (registered.suspended) reasons.push('PLATFORM_SUSPENDED');
  if (inputs.eligibleCategory(category) === undefined) reasons.push('CATEGORY_NOT_LINK_ELIGIBLE');
  const approval = inputs.approval(category);
  if (approval?.status === 'Revoked') reasons.push('CATEGORY_REVOKED');
  else if (approval?.status === 'Expired') reasons.push('CATEGORY_EXPIRED');
  else if (approval?.status !== 'Approved') reasons.push('CATEGORY_NOT_APPROVED');
  const enabled = Object.hasOwn(contract.enabledLinks, platform) ? contract.enabledLinks[platform]! : [];
  if (!enabled.includes(category)) reasons.push('LINK_DISABLED');
  return inOrder(reasons);
};

/** A permission's answer on a calendar day (UTC, 'YYYY-MM-DD'): the projected reasons plus the dates. */
export const verdictOn = (
  permission: Pick<LinkPermission, 'reasons' | 'validFrom' | 'contractEndsOn' | 'categoryValidUntil'>,
  today: string,
): { allowed: boolean; reasons: DenyReason[] } => {
  const reasons = [...permission.reasons];
  if (today < permission.validFrom || today > permission.contractEndsOn) reasons.push('CONTRACT_NOT_IN_TERM');
  // A lapsed licence on an approved category; a revoked or never approved one already says so.
  const approvalDenied = reasons.includes('CATEGORY_NOT_APPROVED') || reasons.includes('CATEGORY_REVOKED');
  if (!approvalDenied && permission.categoryValidUntil !== null && today > permission.categoryValidUntil) {
    reasons.push('CATEGORY_EXPIRED');
  }
  const ordered = inOrder(reasons);
  return { allowed: ordered.length === 0, reasons: ordered };
};

const DAY_MS = 86_400_000;
/** The UTC day last formatted, and the instants it spans: hot paths ask for today on every request. */
let today = { from: 0, until: 0, date: '' };

export const todayUtc = (now: Date = new Date()): string => {
  const at = now.getTime();
  if (at >= today.from && at < today.until) return today.date;
  const date = now.toISOString().slice(0, 10);
  const from = Math.floor(at / DAY_MS) * DAY_MS;
  today = { from, until: from + DAY_MS, date };
  return date;
};

const LINK_TARGET_VERDICTS = new Map<string, LinkTargetVerdict>();
const LINK_TARGET_VERDICTS_KEPT = 10_000;

/**
 * linkTargetAllowed, remembered: ad serving asks about the same URLs and domains over and over, and
 * the verdict parses a URL. Bounded: past the limit the memory starts afresh.
 */
export const rememberedLinkTarget = (url: string, domains: readonly string[]): LinkTargetVerdict => {
  const key = `${url}\n${domains.join(' ')}`;
  let verdict = LINK_TARGET_VERDICTS.get(key);
  if (verdict === undefined) {
    verdict = linkTargetAllowed(url, domains);
    if (LINK_TARGET_VERDICTS.size >= LINK_TARGET_VERDICTS_KEPT) LINK_TARGET_VERDICTS.clear();
    LINK_TARGET_VERDICTS.set(key, verdict);
  }
  return verdict;
};
