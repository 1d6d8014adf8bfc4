import { COMMAND_ROLES } from '../permissions';
import { BusinessRuleViolation, NotFound, isSlug, requireRole, requiredText } from '../shared';
import type { Decider } from '../shared';
import type {
  AddLinkEligibleCategory,
  ChangeLinkPlatformDomains,
  PlatformPolicyCommand,
  ReinstateLinkPlatform,
  RegisterLinkPlatform,
  RemoveLinkEligibleCategory,
  SetCommercialLoadCap,
  SuspendLinkPlatform,
} from './commands';
import type {
  CommercialLoadCapSet,
  LinkEligibleCategoryAdded,
  LinkEligibleCategoryRemoved,
  LinkPlatformDomainsChanged,
  LinkPlatformReinstated,
  LinkPlatformRegistered,
  LinkPlatformSuspended,
  PlatformPolicyEvent,
} from './events';
import type { LinkPlatform, PlatformPolicy } from './state';
import { COMMERCIAL_LOAD_CAP_LIMIT_BASIS_POINTS, evolve, initialPlatformPolicy } from './state';

// Dot-separated DNS labels ending in a letter-led top-level label, which also rules out IP addresses.
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const decide = (command: PlatformPolicyCommand, state: PlatformPolicy): PlatformPolicyEvent[] => {
  requireRole(
    command.metadata.actor,
    COMMAND_ROLES[command.type],
    () => 'Only a platform admin (role platform_admin) may change the link policy.',
  );
  switch (command.type) {
    case 'RegisterLinkPlatform':
      return [registerLinkPlatform(command, state)];
    case 'ChangeLinkPlatformDomains':
      return [changeLinkPlatformDomains(command, state)];
    case 'SuspendLinkPlatform':
      return [suspendLinkPlatform(command, state)];
    case 'ReinstateLinkPlatform':
      return [reinstateLinkPlatform(command, state)];
    case 'AddLinkEligibleCategory':
      return [addLinkEligibleCategory(command, state)];
    case 'RemoveLinkEligibleCategory':
      return [removeLinkEligibleCategory(command, state)];
    case 'SetCommercialLoadCap':
      return [setCommercialLoadCap(command, state)];
  }
};

export const platformPolicyDecider: Decider<PlatformPolicyCommand, PlatformPolicyEvent, PlatformPolicy> = {
  initialState: initialPlatformPolicy,
  evolve,
  decide,
};

const registerLinkPlatform = (command: RegisterLinkPlatform, state: PlatformPolicy): LinkPlatformRegistered => {
  const { platform } = command.data;
  if (!isSlug(platform)) {
    throw new BusinessRuleViolation(
      'INVALID_PLATFORM_ID',
      `Platform id '${platform}' must be 2 to 32 lowercase letters, digits or '_', starting with a letter (e.g. 'taobao').`,
    );
  }
  const displayName = requiredText(
    command.data.displayName,
    'DISPLAY_NAME_REQUIRED',
    'Give the platform a display name.',
  );
  const allowedDomains = allowedDomainsOf(command.data.allowedDomains);
  if (state.platforms.has(platform)) {
    throw new BusinessRuleViolation(
      'PLATFORM_ALREADY_REGISTERED',
      `Platform '${platform}' is already registered; change its domains instead.`,
    );
  }
  return { type: 'LinkPlatformRegistered', data: { platform, displayName, allowedDomains } };
};

const changeLinkPlatformDomains = (
  command: ChangeLinkPlatformDomains,
  state: PlatformPolicy,
): LinkPlatformDomainsChanged => {
  const current = registeredPlatform(state, command.data.platform);
  const allowedDomains = allowedDomainsOf(command.data.allowedDomains);
  if (
    allowedDomains.length === current.allowedDomains.length &&
    allowedDomains.every((domain) => current.allowedDomains.includes(domain))
  ) {
    throw new BusinessRuleViolation(
      'DOMAINS_UNCHANGED',
      `Platform '${current.platform}' already allows exactly these domains; nothing to change.`,
    );
  }
  return { type: 'LinkPlatformDomainsChanged', data: { platform: current.platform, allowedDomains } };
};

const suspendLinkPlatform = (command: SuspendLinkPlatform, state: PlatformPolicy): LinkPlatformSuspended => {
  const current = registeredPlatform(state, command.data.platform);
  const reason = requiredText(command.data.reason, 'REASON_REQUIRED', 'Say why the platform is suspended.');
  if (current.status === 'Suspended') {
    throw new BusinessRuleViolation(
      'PLATFORM_ALREADY_SUSPENDED',
      `Platform '${current.platform}' is already suspended.`,
    );
  }
  return { type: 'LinkPlatformSuspended', data: { platform: current.platform, reason } };
};

const reinstateLinkPlatform = (command: ReinstateLinkPlatform, state: PlatformPolicy): LinkPlatformReinstated => {
  const current = registeredPlatform(state, command.data.platform);
  if (current.status !== 'Suspended') {
    throw new BusinessRuleViolation(
      'PLATFORM_NOT_SUSPENDED',
      `Platform '${current.platform}' is not suspended, so there is nothing to reinstate.`,
    );
  }
  return { type: 'LinkPlatformReinstated', data: { platform: current.platform } };
};

const addLinkEligibleCategory = (
  command: AddLinkEligibleCategory,
  state: PlatformPolicy,
): LinkEligibleCategoryAdded => {
  const { category, regulated } = command.data;
  if (!isSlug(category)) {
    throw new BusinessRuleViolation(
      'INVALID_CATEGORY',
      `Category '${category}' must be 2 to 32 lowercase letters, digits or '_', starting with a letter (e.g. 'beauty').`,
    );
  }
  const existing = state.linkEligibleCategories.get(category);
  if (existing) {
    throw new BusinessRuleViolation(
      'CATEGORY_ALREADY_ELIGIBLE',
      `Category '${category}' is already link-eligible (${existing.regulated ? 'regulated' : 'not regulated'}).`,
    );
  }
  return { type: 'LinkEligibleCategoryAdded', data: { category, regulated } };
};

const removeLinkEligibleCategory = (
  command: RemoveLinkEligibleCategory,
  state: PlatformPolicy,
): LinkEligibleCategoryRemoved => {
  const { category } = command.data;
  if (!state.linkEligibleCategories.has(category)) {
    throw new NotFound('CATEGORY_NOT_FOUND', `Category '${category}' is not on the link-eligible list.`);
  }
  return { type: 'LinkEligibleCategoryRemoved', data: { category } };
};

const setCommercialLoadCap = (command: SetCommercialLoadCap, state: PlatformPolicy): CommercialLoadCapSet => {
  const { basisPoints } = command.data;
  if (!Number.isInteger(basisPoints) || basisPoints < 1 || basisPoints > 10000) {
    throw new BusinessRuleViolation(
      'INVALID_BASIS_POINTS',
      `A commercial-load cap is a whole number of basis points from 1 to 10000 (got ${basisPoints}).`,
    );
  }
  if (basisPoints > COMMERCIAL_LOAD_CAP_LIMIT_BASIS_POINTS) {
    throw new BusinessRuleViolation(
      'LOAD_CAP_ABOVE_POLICY',
      `Paid content is held under 15% of the feed; set a cap of at most ${COMMERCIAL_LOAD_CAP_LIMIT_BASIS_POINTS} basis points.`,
    );
  }
  if (basisPoints === state.commercialLoadCapBasisPoints) {
    throw new BusinessRuleViolation(
      'LOAD_CAP_UNCHANGED',
      `The commercial-load cap is already ${basisPoints} basis points.`,
    );
  }
  return { type: 'CommercialLoadCapSet', data: { basisPoints } };
};

const registeredPlatform = (state: PlatformPolicy, platform: string): LinkPlatform => {
  const current = state.platforms.get(platform);
  if (!current) {
    throw new NotFound('PLATFORM_NOT_FOUND', `No link platform '${platform}' is registered.`);
  }
  return current;
};

const allowedDomainsOf = (domains: readonly string[]): string[] => {
  if (domains.length === 0) {
    throw new BusinessRuleViolation('ALLOWED_DOMAINS_REQUIRED', 'List at least one domain that links may point to.');
  }
  const invalid = domains.find((domain) => !HOSTNAME.test(domain));
  if (invalid !== undefined) {
    throw new BusinessRuleViolation(
      'INVALID_DOMAIN',
      `'${invalid}' is not a lowercase hostname; write it like 'item.taobao.com', without scheme, path, port, wildcard or user info.`,
    );
  }
  return [...new Set(domains)];
};
