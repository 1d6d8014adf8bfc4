import {
  BusinessRuleViolation,
  NotFound,
  NotPermitted,
  dateOf,
  isCalendarDate,
  optionalReason,
  ownValue,
  requireRole,
  requiredText,
  sameUser,
} from '../shared';
import { COMMAND_ROLES } from '../permissions';
import type { Decider } from '../shared';
import type {
  ApproveCategory,
  CategoryApprovalCommand,
  CategoryApprovalFacts,
  ExpireCategoryApproval,
  RejectCategory,
  RequestCategoryApproval,
  RevokeCategoryApproval,
} from './commands';
import type {
  CategoryApprovalEvent,
  CategoryApprovalExpired,
  CategoryApprovalRejected,
  CategoryApprovalRequested,
  CategoryApprovalRevoked,
  CategoryApprovalSubject,
  CategoryApproved,
} from './events';
import type { CategoryApproval } from './state';
import { evolve, initialCategoryApproval } from './state';

type Requested = Extract<CategoryApproval, { status: 'Requested' }>;
type Approved = Extract<CategoryApproval, { status: 'Approved' }>;

export const decide = (
  command: CategoryApprovalCommand,
  state: CategoryApproval,
  facts: CategoryApprovalFacts,
): CategoryApprovalEvent[] => {
  switch (command.type) {
    case 'RequestCategoryApproval':
      return [requestCategoryApproval(command, state, facts)];
    case 'ApproveCategory':
      return [approveCategory(command, state)];
    case 'RejectCategory':
      return [rejectCategory(command, state)];
    case 'RevokeCategoryApproval':
      return [revokeCategoryApproval(command, state)];
    case 'ExpireCategoryApproval':
      return [expireCategoryApproval(command, state)];
  }
};

export const categoryApprovalDecider: Decider<
  CategoryApprovalCommand,
  CategoryApprovalEvent,
  CategoryApproval,
  CategoryApprovalFacts
> = {
  initialState: initialCategoryApproval,
  evolve,
  decide,
};

const requestCategoryApproval = (
  command: RequestCategoryApproval,
  state: CategoryApproval,
  facts: CategoryApprovalFacts,
): CategoryApprovalRequested => {
  requireRole(command.metadata.actor, COMMAND_ROLES.RequestCategoryApproval, 'Requesting a category approval');
  const { advertiserId, category, validUntil } = command.data;
  if (!facts.advertiser.registered) {
    throw new NotFound('ADVERTISER_NOT_FOUND', `No advertiser ${advertiserId} is registered.`);
  }
  if (facts.advertiser.suspended) {
    throw new BusinessRuleViolation(
      'ADVERTISER_SUSPENDED',
      `Advertiser ${advertiserId} is suspended; compliance must reinstate it before it can request categories.`,
    );
  }
  if (ownValue(facts.linkEligibleCategories, category) === undefined) {
    throw new BusinessRuleViolation(
      'CATEGORY_NOT_LINK_ELIGIBLE',
      `Category '${category}' is not on the link-eligible list; a platform admin must add it first.`,
    );
  }
  const licenceRef = requiredText(
    command.data.licenceRef,
    'LICENCE_REF_REQUIRED',
    'Give the reference of the licence or certificate that covers this category.',
  );
  if (!isCalendarDate(validUntil)) {
    throw new BusinessRuleViolation(
      'INVALID_VALID_UNTIL',
      `Valid-until '${validUntil}' is not a calendar date; write it as YYYY-MM-DD.`,
    );
  }
  const today = dateOf(command.metadata.now);
  if (validUntil <= today) {
    throw new BusinessRuleViolation(
      'VALID_UNTIL_NOT_IN_FUTURE',
      `The licence must be valid after today (${today}); valid-until ${validUntil} is too early.`,
    );
  }
  if (state.status === 'Requested') {
    throw new BusinessRuleViolation(
      'APPROVAL_ALREADY_REQUESTED',
      `Category '${category}' is already awaiting a compliance decision for this advertiser.`,
    );
  }
  if (state.status === 'Approved') {
    throw new BusinessRuleViolation(
      'CATEGORY_ALREADY_APPROVED',
      `Category '${category}' is approved until ${state.validUntil}; request again once it is revoked or expired.`,
    );
  }
  return { type: 'CategoryApprovalRequested', data: { advertiserId, category, licenceRef, validUntil } };
};

const approveCategory = (command: ApproveCategory, state: CategoryApproval): CategoryApproved => {
  requireRole(command.metadata.actor, COMMAND_ROLES.ApproveCategory, 'Approving a category');
  const request = pendingRequest(command, state, 'approve');
  const today = dateOf(command.metadata.now);
  if (request.validUntil < today) {
    throw new BusinessRuleViolation(
      'VALID_UNTIL_PASSED',
      `The licence was valid only until ${request.validUntil}; reject this request and have sales request again.`,
    );
  }
  return { type: 'CategoryApproved', data: { ...subjectOf(request), validUntil: request.validUntil } };
};

const rejectCategory = (command: RejectCategory, state: CategoryApproval): CategoryApprovalRejected => {
  requireRole(command.metadata.actor, COMMAND_ROLES.RejectCategory, 'Rejecting a category request');
  const request = pendingRequest(command, state, 'reject');
  const reason = requiredText(command.data.reason, 'REASON_REQUIRED', 'Say why the category request is rejected.');
  return { type: 'CategoryApprovalRejected', data: { ...subjectOf(request), reason } };
};

const revokeCategoryApproval = (command: RevokeCategoryApproval, state: CategoryApproval): CategoryApprovalRevoked => {
  requireRole(command.metadata.actor, COMMAND_ROLES.RevokeCategoryApproval, 'Revoking a category approval');
  const approval = currentApproval(command, state);
  const reason = requiredText(command.data.reason, 'REASON_REQUIRED', 'Say why the category approval is revoked.');
  return { type: 'CategoryApprovalRevoked', data: { ...subjectOf(approval), reason } };
};

const expireCategoryApproval = (command: ExpireCategoryApproval, state: CategoryApproval): CategoryApprovalExpired => {
  requireRole(command.metadata.actor, COMMAND_ROLES.ExpireCategoryApproval, 'Expiring a category approval');
  const approval = currentApproval(command, state);
  const today = dateOf(command.metadata.now);
  if (approval.validUntil >= today) {
    throw new BusinessRuleViolation(
      'APPROVAL_STILL_VALID',
      `The approval is valid until ${approval.validUntil} inclusive; it can expire only after that day. Revoke it to end it sooner.`,
    );
  }
  return { type: 'CategoryApprovalExpired', data: { ...subjectOf(approval), ...optionalReason(command.data.reason) } };
};

const pendingRequest = (
  command: ApproveCategory | RejectCategory,
  state: CategoryApproval,
  verb: 'approve' | 'reject',
): Requested => {
  const existing = existingApproval(command, state);
  if (existing.status !== 'Requested') {
    throw new BusinessRuleViolation(
      'APPROVAL_NOT_PENDING',
      `There is no pending request to ${verb} for category '${existing.category}' (it is ${existing.status.toLowerCase()}).`,
    );
  }
  if (sameUser(command.metadata.actor.userId, existing.requestedBy)) {
    throw new NotPermitted('FOUR_EYES', `You requested this approval, so another compliance reviewer must ${verb} it.`);
  }
  return existing;
};

const currentApproval = (
  command: RevokeCategoryApproval | ExpireCategoryApproval,
  state: CategoryApproval,
): Approved => {
  const existing = existingApproval(command, state);
  if (existing.status !== 'Approved') {
    throw new BusinessRuleViolation(
      'CATEGORY_NOT_APPROVED',
      `Category '${existing.category}' is not approved for this advertiser (it is ${existing.status.toLowerCase()}).`,
    );
  }
  return existing;
};

const existingApproval = (
  command: CategoryApprovalCommand,
  state: CategoryApproval,
): Exclude<CategoryApproval, { status: 'None' }> => {
  if (state.status === 'None') {
    const { advertiserId, category } = command.data;
    throw new NotFound(
      'CATEGORY_APPROVAL_NOT_FOUND',
      `Category '${category}' was never requested for advertiser ${advertiserId}.`,
    );
  }
  return state;
};

const subjectOf = ({ advertiserId, category }: CategoryApprovalSubject): CategoryApprovalSubject => ({
  advertiserId,
  category,
});
