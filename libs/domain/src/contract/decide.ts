import type { AdvertiserStanding, CategoryStanding, ContractStatus, LinkPolicy } from '../shared';
import {
  BusinessRuleViolation,
  NotFound,
  NotPermitted,
  dateOf,
  optionalReason,
  ownValue,
  requireRole,
  requiredText,
  sameUser,
} from '../shared';
import { COMMAND_ROLES } from '../permissions';
import type {
  AdjustCampaignBudget,
  AllocateCampaignBudget,
  ApproveAmendment,
  ApproveContract,
  ContractCommand,
  DisableExternalLink,
  DraftContract,
  EnableExternalLink,
  ExpireContract,
  ProposeAmendment,
  RejectAmendment,
  RejectContract,
  ReleaseCampaignBudget,
  ReviseContractDraft,
  SignContract,
  SubmitContract,
  SuspendContract,
  TerminateContract,
  ResumeContract,
} from './commands';
import type {
  CampaignBudgetAllocated,
  CampaignBudgetReleased,
  ContractAmendmentApproved,
  ContractAmendmentProposed,
  ContractAmendmentRejected,
  ContractApproved,
  ContractDraftRevised,
  ContractDrafted,
  ContractEvent,
  ContractExpired,
  ContractRejected,
  ContractResumed,
  ContractSigned,
  ContractSubmitted,
  ContractSuspended,
  ContractTerminated,
  ExternalLinkDisabled,
  ExternalLinkEnabled,
} from './events';
import { SALES_CHANNELS } from './events';
import type { Contract, ExistingContract, PendingAmendment } from './state';
import { allocatedMinor, heldBy } from './state';
import type { ContractTerms, TermChanges, TermName } from './terms';
import {
  AMENDABLE_TERM_NAMES,
  TERM_NAMES,
  changedTerms,
  positiveMinor,
  sameSet,
  slugs,
  termsOf,
  validTerms,
  withChanges,
} from './terms';

/** What a contract decision may need to know about other aggregates, as of the command's time. */
export interface ContractFacts {
  /** The contract's advertiser. */
  readonly advertiser?: AdvertiserStanding;
  readonly policy?: LinkPolicy;
  /** The advertiser's standing in each category the command names. */
  readonly categoryApprovals?: readonly CategoryStanding[];
}

export type ContractFactName = keyof ContractFacts;

/** Tells the shell which facts to load before deciding `command`; deciding without them is a bug. */
export const contractFactsNeeded = (command: ContractCommand): ContractFactName[] => {
  switch (command.type) {
    case 'DraftContract':
    case 'ApproveContract':
    case 'SignContract':
      return ['advertiser'];
    case 'EnableExternalLink':
      return ['policy', 'categoryApprovals'];
    case 'ReviseContractDraft':
    case 'SubmitContract':
    case 'RejectContract':
    case 'ProposeAmendment':
    case 'ApproveAmendment':
    case 'RejectAmendment':
    case 'DisableExternalLink':
    case 'AllocateCampaignBudget':
    case 'ReleaseCampaignBudget':
    case 'AdjustCampaignBudget':
    case 'SuspendContract':
    case 'ResumeContract':
    case 'TerminateContract':
    case 'ExpireContract':
      return [];
  }
};

/**
 * What each command does, for refusals; who may issue it is COMMAND_ROLES. `service` is the system
 * acting on its own: the campaign process moves budget, the expiry job expires contracts, and the
 * cascade reactor disables links whose permission lapsed without waiting for a compliance reviewer.
 */
const ACTION: { readonly [T in ContractCommand['type']]: string } = {
  DraftContract: 'draft a contract',
  ReviseContractDraft: 'revise a contract draft',
  SubmitContract: 'submit a contract',
  ApproveContract: 'approve a contract',
  RejectContract: 'reject a contract',
  SignContract: "record the advertiser's signature",
  ProposeAmendment: 'propose an amendment',
  ApproveAmendment: 'approve an amendment',
  RejectAmendment: 'reject an amendment',
  EnableExternalLink: 'enable external links',
  DisableExternalLink: 'disable external links',
  AllocateCampaignBudget: 'allocate campaign budget',
  ReleaseCampaignBudget: 'release campaign budget',
  AdjustCampaignBudget: 'adjust campaign budget',
  SuspendContract: 'suspend a contract',
  ResumeContract: 'resume a contract',
  TerminateContract: 'terminate a contract',
  ExpireContract: 'expire a contract',
};

export const decide = (command: ContractCommand, state: Contract, facts: ContractFacts): ContractEvent[] => {
  requireRole(
    command.metadata.actor,
    COMMAND_ROLES[command.type],
    (needed) => `To ${ACTION[command.type]} you need ${needed}.`,
  );
  if (command.type === 'DraftContract') return [draftContract(command, state, facts)];
  if (state.status === 'None') {
    throw new NotFound('CONTRACT_NOT_FOUND', `Contract ${command.data.contractId} does not exist; draft it first.`);
  }
  switch (command.type) {
    case 'ReviseContractDraft':
      return [reviseContractDraft(command, state)];
    case 'SubmitContract':
      return [submitContract(command, state)];
    case 'ApproveContract':
      return [approveContract(command, state, facts)];
    case 'RejectContract':
      return [rejectContract(command, state)];
    case 'SignContract':
      return [signContract(command, state, facts)];
    case 'ProposeAmendment':
      return [proposeAmendment(command, state)];
    case 'ApproveAmendment':
      return [approveAmendment(command, state)];
    case 'RejectAmendment':
      return [rejectAmendment(command, state)];
    case 'EnableExternalLink':
      return [enableExternalLink(command, state, facts)];
    case 'DisableExternalLink':
      return [disableExternalLink(command, state)];
    case 'AllocateCampaignBudget':
      return [allocateCampaignBudget(command, state)];
    case 'ReleaseCampaignBudget':
      return [releaseCampaignBudget(command, state)];
    case 'AdjustCampaignBudget':
      return [adjustCampaignBudget(command, state)];
    case 'SuspendContract':
      return [suspendContract(command, state)];
    case 'ResumeContract':
      return [resumeContract(command, state)];
    case 'TerminateContract':
      return [terminateContract(command, state)];
    case 'ExpireContract':
      return [expireContract(command, state)];
  }
};

const draftContract = (command: DraftContract, state: Contract, facts: ContractFacts): ContractDrafted => {
  const { contractId, advertiserId } = command.data;
  if (state.status !== 'None') {
    throw new BusinessRuleViolation(
      'CONTRACT_ALREADY_EXISTS',
      `Contract ${contractId} already exists; revise its draft or draft under a new id.`,
    );
  }
  const terms = validTerms(termsOf(command.data));
  const channel = command.data.channel ?? 'direct';
  if (!SALES_CHANNELS.includes(channel)) {
    throw new BusinessRuleViolation(
      'INVALID_CHANNEL',
      `A contract is sold ${SALES_CHANNELS.join(' or ')}, not ${String(channel)}.`,
    );
  }
  if (!advertiserFact(command, facts, advertiserId).registered) {
    throw new BusinessRuleViolation(
      'ADVERTISER_NOT_REGISTERED',
      `Advertiser ${advertiserId} is not registered; register the advertiser before drafting a contract for it.`,
    );
  }
  return { type: 'ContractDrafted', data: { contractId, advertiserId, channel, ...terms } };
};

/** A rejected contract can be revised: the revision returns it to Draft so sales can resubmit it. */
const reviseContractDraft = (command: ReviseContractDraft, state: ExistingContract): ContractDraftRevised => {
  requireOpen(state);
  if (state.status === 'Approved' || state.status === 'Active' || state.status === 'Suspended') {
    throw new BusinessRuleViolation(
      'TERMS_FROZEN',
      `Contract ${state.contractId} is ${state.status} and its terms are frozen; propose an amendment instead.`,
    );
  }
  requireStatus(
    state,
    ['Draft', 'Rejected'],
    'CONTRACT_NOT_EDITABLE',
    'only a draft or a rejected contract can be revised',
  );
  const { changed } = changeTerms(state.terms, command.data.changes, TERM_NAMES, 'in a draft');
  return { type: 'ContractDraftRevised', data: { contractId: state.contractId, ...changed } };
};

/** A rejected contract may also go back unchanged, for when it was refused for a reason now fixed elsewhere. */
const submitContract = (command: SubmitContract, state: ExistingContract): ContractSubmitted => {
  requireStatus(
    state,
    ['Draft', 'Rejected'],
    'CONTRACT_NOT_DRAFT',
    'only a draft or a rejected contract can be submitted',
  );
  return { type: 'ContractSubmitted', data: { contractId: command.data.contractId } };
};

const approveContract = (command: ApproveContract, state: ExistingContract, facts: ContractFacts): ContractApproved => {
  requireStatus(state, ['Submitted'], 'CONTRACT_NOT_SUBMITTED', 'only a submitted contract can be approved');
  requireNotAuthor(command, state, 'approve');
  requireAdvertiserInGoodStanding(command, state, facts, 'approved');
  return { type: 'ContractApproved', data: { contractId: state.contractId } };
};

const rejectContract = (command: RejectContract, state: ExistingContract): ContractRejected => {
  requireStatus(state, ['Submitted'], 'CONTRACT_NOT_SUBMITTED', 'only a submitted contract can be rejected');
  requireNotAuthor(command, state, 'reject');
  return { type: 'ContractRejected', data: { contractId: state.contractId, reason: reasonOf(command.data.reason) } };
};

const signContract = (command: SignContract, state: ExistingContract, facts: ContractFacts): ContractSigned => {
  requireStatus(state, ['Approved'], 'CONTRACT_NOT_APPROVED', 'only an approved contract can be signed');
  if (dateOf(command.metadata.now) > state.terms.endsOn) {
    throw new BusinessRuleViolation(
      'CONTRACT_PERIOD_OVER',
      `Contract ${state.contractId} ended on ${state.terms.endsOn} and can no longer be signed; draft a new contract.`,
    );
  }
  requireAdvertiserInGoodStanding(command, state, facts, 'signed');
  return { type: 'ContractSigned', data: { contractId: state.contractId } };
};

const proposeAmendment = (command: ProposeAmendment, state: ExistingContract): ContractAmendmentProposed => {
  requireStatus(state, ['Active'], 'CONTRACT_NOT_ACTIVE', 'only an active contract can be amended');
  if (state.pendingAmendment !== null) {
    throw new BusinessRuleViolation(
      'AMENDMENT_PENDING',
      `Amendment version ${state.pendingAmendment.version} is still awaiting a decision; only one amendment can be pending at a time.`,
    );
  }
  const { next, changed } = changeTerms(state.terms, command.data.changes, AMENDABLE_TERM_NAMES, 'by an amendment');
  requireAmendable(command, state, next);
  return {
    type: 'ContractAmendmentProposed',
    data: { contractId: state.contractId, version: state.version + 1, changes: changed },
  };
};

const approveAmendment = (command: ApproveAmendment, state: ExistingContract): ContractAmendmentApproved => {
  requireOpen(state);
  const amendment = pendingAmendment(state, command.data.version);
  requireNotProposer(command, amendment, 'approve');
  const terms = withChanges(state.terms, amendment.changes);
  // Budget and links may have moved since the proposal, so the amended terms are checked again.
  requireAmendable(command, state, terms);
  return {
    type: 'ContractAmendmentApproved',
    data: { contractId: state.contractId, version: amendment.version, ...terms },
  };
};

const rejectAmendment = (command: RejectAmendment, state: ExistingContract): ContractAmendmentRejected => {
  requireOpen(state);
  const amendment = pendingAmendment(state, command.data.version);
  requireNotProposer(command, amendment, 'reject');
  return {
    type: 'ContractAmendmentRejected',
    data: { contractId: state.contractId, version: amendment.version, reason: reasonOf(command.data.reason) },
  };
};

const enableExternalLink = (
  command: EnableExternalLink,
  state: ExistingContract,
  facts: ContractFacts,
): ExternalLinkEnabled => {
  const { platform } = command.data;
  requireStatus(state, ['Active'], 'CONTRACT_NOT_ACTIVE', 'external links can only be enabled on an active contract');
  if (!state.terms.platforms.includes(platform)) {
    throw new BusinessRuleViolation(
      'PLATFORM_NOT_ON_CONTRACT',
      `Platform ${platform} is not among the platforms of contract ${state.contractId} (${state.terms.platforms.join(', ')}); amend the contract first.`,
    );
  }
  const policy = need(command, facts, 'policy');
  const registered = ownValue(policy.platforms, platform);
  if (registered === undefined) {
    throw new BusinessRuleViolation(
      'PLATFORM_NOT_REGISTERED',
      `Platform ${platform} is not registered as a link target; a platform admin must register it first.`,
    );
  }
  if (registered.suspended) {
    throw new BusinessRuleViolation(
      'PLATFORM_SUSPENDED',
      `Platform ${platform} is suspended as a link target; links to it can be enabled once it is reinstated.`,
    );
  }
  const categories = slugs(command.data.categories, 'INVALID_CATEGORIES', 'category');
  const approvals = need(command, facts, 'categoryApprovals');
  for (const category of categories) {
    if (!state.terms.categories.includes(category)) {
      throw new BusinessRuleViolation(
        'CATEGORY_NOT_ON_CONTRACT',
        `Category ${category} is not covered by contract ${state.contractId} (${state.terms.categories.join(', ')}).`,
      );
    }
    if (!categoryApproved(approvals, state.advertiserId, category)) {
      throw new BusinessRuleViolation(
        'CATEGORY_NOT_APPROVED',
        `Category ${category} is not currently approved for advertiser ${state.advertiserId}; compliance must approve it first.`,
      );
    }
    if (ownValue(policy.linkEligibleCategories, category) === undefined) {
      throw new BusinessRuleViolation(
        'CATEGORY_NOT_LINK_ELIGIBLE',
        `Category ${category} is not eligible for external links; a platform admin must add it to the link-eligible categories first.`,
      );
    }
  }
  const current = ownValue(state.enabledLinks, platform);
  if (current !== undefined && sameSet(current, categories)) {
    throw new BusinessRuleViolation(
      'NO_CHANGE',
      `Links to ${platform} are already enabled for exactly these categories; name a different set to replace it.`,
    );
  }
  return { type: 'ExternalLinkEnabled', data: { contractId: state.contractId, platform, categories } };
};

/** Also allowed on a suspended, terminated or expired contract: that is when the cascade withdraws links. */
const disableExternalLink = (command: DisableExternalLink, state: ExistingContract): ExternalLinkDisabled => {
  const { platform } = command.data;
  if (ownValue(state.enabledLinks, platform) === undefined) {
    throw new BusinessRuleViolation(
      'LINK_NOT_ENABLED',
      `External links to ${platform} are not enabled on contract ${state.contractId}; there is nothing to disable.`,
    );
  }
  return {
    type: 'ExternalLinkDisabled',
    data: { contractId: state.contractId, platform, reason: reasonOf(command.data.reason) },
  };
};

const allocateCampaignBudget = (command: AllocateCampaignBudget, state: ExistingContract): CampaignBudgetAllocated => {
  const { campaignId } = command.data;
  requireAllocatable(state);
  const amount = positiveMinor(command.data.amountMinor, 'INVALID_AMOUNT', 'The amount');
  if (heldBy(state, campaignId) > 0n) {
    throw new BusinessRuleViolation(
      'CAMPAIGN_ALREADY_ALLOCATED',
      `Campaign ${campaignId} already holds ${heldBy(state, campaignId)} from contract ${state.contractId}; adjust its budget instead.`,
    );
  }
  return allocation(state, campaignId, amount);
};

/** Also allowed once the contract is suspended, terminated or expired, so campaigns can hand back unspent budget. */
const releaseCampaignBudget = (command: ReleaseCampaignBudget, state: ExistingContract): CampaignBudgetReleased => {
  const { campaignId } = command.data;
  const held = requireHolding(state, campaignId);
  const amount = positiveMinor(command.data.amountMinor, 'INVALID_AMOUNT', 'The amount');
  if (amount > held) {
    throw new BusinessRuleViolation(
      'RELEASE_EXCEEDS_ALLOCATION',
      `Campaign ${campaignId} holds only ${held} from contract ${state.contractId}; it cannot release ${amount}.`,
    );
  }
  return release(state, campaignId, amount);
};

/** A decrease is a release (allowed in any state); an increase is an allocation and obeys its rules. */
const adjustCampaignBudget = (
  command: AdjustCampaignBudget,
  state: ExistingContract,
): CampaignBudgetAllocated | CampaignBudgetReleased => {
  const { campaignId } = command.data;
  const held = requireHolding(state, campaignId);
  const budget = positiveMinor(command.data.budgetMinor, 'INVALID_AMOUNT', 'The budget');
  if (budget === held) {
    throw new BusinessRuleViolation(
      'NO_CHANGE',
      `Campaign ${campaignId} already holds ${held}; to free it entirely, release the budget instead.`,
    );
  }
  if (budget < held) return release(state, campaignId, held - budget);
  requireAllocatable(state);
  return allocation(state, campaignId, budget - held);
};

const suspendContract = (command: SuspendContract, state: ExistingContract): ContractSuspended => {
  requireStatus(state, ['Active'], 'CONTRACT_NOT_ACTIVE', 'only an active contract can be suspended');
  return { type: 'ContractSuspended', data: { contractId: state.contractId, reason: reasonOf(command.data.reason) } };
};

const resumeContract = (command: ResumeContract, state: ExistingContract): ContractResumed => {
  requireStatus(state, ['Suspended'], 'CONTRACT_NOT_SUSPENDED', 'only a suspended contract can be resumed');
  return { type: 'ContractResumed', data: { contractId: command.data.contractId } };
};

const terminateContract = (command: TerminateContract, state: ExistingContract): ContractTerminated => {
  requireStatus(
    state,
    ['Approved', 'Active', 'Suspended'],
    'CONTRACT_NOT_TERMINABLE',
    'only an approved, active or suspended contract can be terminated',
  );
  return { type: 'ContractTerminated', data: { contractId: state.contractId, reason: reasonOf(command.data.reason) } };
};

const expireContract = (command: ExpireContract, state: ExistingContract): ContractExpired => {
  requireStatus(
    state,
    ['Active', 'Suspended'],
    'CONTRACT_NOT_IN_FORCE',
    'only an active or suspended contract can expire',
  );
  if (dateOf(command.metadata.now) <= state.terms.endsOn) {
    throw new BusinessRuleViolation(
      'CONTRACT_NOT_ENDED',
      `Contract ${state.contractId} runs until ${state.terms.endsOn}; it can expire from the day after.`,
    );
  }
  return { type: 'ContractExpired', data: { contractId: state.contractId, ...optionalReason(command.data.reason) } };
};

const requireOpen = (state: ExistingContract): void => {
  if (state.status === 'Terminated' || state.status === 'Expired') {
    throw new BusinessRuleViolation(
      'CONTRACT_CLOSED',
      `Contract ${state.contractId} is ${state.status} and can no longer change; draft a new contract.`,
    );
  }
};

const requireStatus = (
  state: ExistingContract,
  allowed: readonly ContractStatus[],
  code: string,
  rule: string,
): void => {
  requireOpen(state);
  if (!allowed.includes(state.status)) {
    throw new BusinessRuleViolation(code, `Contract ${state.contractId} is ${state.status}; ${rule}.`);
  }
};

const requireNotAuthor = (command: ContractCommand, state: ExistingContract, verb: string): void => {
  if (state.authors.some((author) => sameUser(author, command.metadata.actor.userId))) {
    throw new NotPermitted(
      'FOUR_EYES',
      `You drafted, revised or submitted contract ${state.contractId}, so you cannot ${verb} it; ask another deal approver.`,
    );
  }
};

const requireNotProposer = (command: ContractCommand, amendment: PendingAmendment, verb: string): void => {
  if (sameUser(amendment.proposedBy, command.metadata.actor.userId)) {
    throw new NotPermitted(
      'FOUR_EYES',
      `You proposed amendment version ${amendment.version}, so you cannot ${verb} it; ask another deal approver.`,
    );
  }
};

const pendingAmendment = (state: ExistingContract, version: number): PendingAmendment => {
  const amendment = state.pendingAmendment;
  if (amendment === null) {
    throw new BusinessRuleViolation(
      'NO_PENDING_AMENDMENT',
      `Contract ${state.contractId} has no amendment awaiting a decision.`,
    );
  }
  if (amendment.version !== version) {
    throw new BusinessRuleViolation(
      'AMENDMENT_VERSION_MISMATCH',
      `The pending amendment of contract ${state.contractId} is version ${amendment.version}, not ${version}; review that one.`,
    );
  }
  return amendment;
};

const changeTerms = (
  current: ContractTerms,
  changes: TermChanges,
  changeable: readonly TermName[],
  where: string,
): { next: ContractTerms; changed: TermChanges } => {
  const fixed = Object.keys(changes).filter((name) => !(changeable as readonly string[]).includes(name));
  if (fixed.length > 0) {
    throw new BusinessRuleViolation(
      'TERM_NOT_CHANGEABLE',
      `${fixed.join(', ')} cannot be changed ${where}; only ${changeable.join(', ')} can.`,
    );
  }
  const next = validTerms(withChanges(current, changes));
  const changed = changedTerms(current, next);
  if (Object.keys(changed).length === 0) {
    throw new BusinessRuleViolation('NO_CHANGE', 'These are already the terms of the contract; change at least one.');
  }
  return { next, changed };
};

/** What amended terms must respect beyond the rules for any terms: what already happened under the contract. */
const requireAmendable = (command: ContractCommand, state: ExistingContract, terms: ContractTerms): void => {
  const today = dateOf(command.metadata.now);
  if (terms.endsOn < today) {
    throw new BusinessRuleViolation(
      'END_DATE_IN_PAST',
      `An amendment cannot end the contract on ${terms.endsOn}, before today (${today}); terminate the contract instead.`,
    );
  }
  const allocated = allocatedMinor(state);
  if (BigInt(terms.totalValueMinor) < allocated) {
    throw new BusinessRuleViolation(
      'VALUE_BELOW_ALLOCATED',
      `Campaigns already hold ${allocated} of contract ${state.contractId}; the value cannot go below that. Release campaign budget first.`,
    );
  }
  for (const [platform, categories] of Object.entries(state.enabledLinks)) {
    const covered = terms.platforms.includes(platform) && categories.every((c) => terms.categories.includes(c));
    if (!covered) {
      throw new BusinessRuleViolation(
        'LINK_OUTSIDE_TERMS',
        `External links to ${platform} are enabled for ${categories.join(', ')}, which the amended terms no longer cover; disable or narrow that link first.`,
      );
    }
  }
};

const requireAdvertiserInGoodStanding = (
  command: ContractCommand,
  state: ExistingContract,
  facts: ContractFacts,
  participle: string,
): void => {
  const advertiser = advertiserFact(command, facts, state.advertiserId);
  if (!advertiser.verified) {
    throw new BusinessRuleViolation(
      'ADVERTISER_NOT_VERIFIED',
      `Advertiser ${state.advertiserId} is not verified; compliance must verify it before its contract can be ${participle}.`,
    );
  }
  if (advertiser.suspended) {
    throw new BusinessRuleViolation(
      'ADVERTISER_SUSPENDED',
      `Advertiser ${state.advertiserId} is suspended; its contract can be ${participle} once it is reinstated.`,
    );
  }
};

const requireHolding = (state: ExistingContract, campaignId: string): bigint => {
  const held = heldBy(state, campaignId);
  if (held === 0n) {
    throw new BusinessRuleViolation(
      'NO_ALLOCATION',
      `Campaign ${campaignId} holds no budget from contract ${state.contractId}; allocate it first.`,
    );
  }
  return held;
};

const requireAllocatable = (state: ExistingContract): void =>
  requireStatus(state, ['Active'], 'CONTRACT_NOT_ACTIVE', 'budget can only be allocated from an active contract');

const allocation = (state: ExistingContract, campaignId: string, amount: bigint): CampaignBudgetAllocated => {
  const remaining = BigInt(state.terms.totalValueMinor) - allocatedMinor(state);
  if (amount > remaining) {
    throw new BusinessRuleViolation(
      'BUDGET_EXCEEDED',
      `Contract ${state.contractId} has ${remaining} ${state.terms.currency} minor units left to allocate; ${amount} is more than that.`,
    );
  }
  return {
    type: 'CampaignBudgetAllocated',
    data: { contractId: state.contractId, campaignId, amountMinor: amount.toString() },
  };
};

const release = (state: ExistingContract, campaignId: string, amount: bigint): CampaignBudgetReleased => ({
  type: 'CampaignBudgetReleased',
  data: { contractId: state.contractId, campaignId, amountMinor: amount.toString() },
});

const reasonOf = (reason: unknown): string =>
  requiredText(reason, 'REASON_REQUIRED', 'Give a reason; it is kept in the audit trail.');

const need = <K extends ContractFactName>(
  command: ContractCommand,
  facts: ContractFacts,
  name: K,
): NonNullable<ContractFacts[K]> => {
  const fact = facts[name];
  if (fact === undefined) {
    throw new Error(`${command.type} needs the ${name} fact; load what contractFactsNeeded lists before deciding`);
  }
  return fact as NonNullable<ContractFacts[K]>;
};

const advertiserFact = (command: ContractCommand, facts: ContractFacts, advertiserId: string): AdvertiserStanding => {
  const advertiser = need(command, facts, 'advertiser');
  if (advertiser.advertiserId !== advertiserId) {
    throw new Error(`${command.type} got the standing of advertiser ${advertiser.advertiserId}, not ${advertiserId}`);
  }
  return advertiser;
};

const categoryApproved = (approvals: readonly CategoryStanding[], advertiserId: string, category: string): boolean => {
  const foreign = approvals.find((approval) => approval.advertiserId !== advertiserId);
  if (foreign !== undefined) {
    throw new Error(`got the category standing of advertiser ${foreign.advertiserId}, not ${advertiserId}`);
  }
  return approvals.some((approval) => approval.category === category && approval.approved);
};
