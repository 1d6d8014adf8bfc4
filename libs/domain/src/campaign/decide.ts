import {
  BusinessRuleViolation,
  NotFound,
  NotPermitted,
  epochMs,
  minorUnitsOf,
  optionalReason,
  ownValue,
  requireRole,
  requiredText,
  sameUser,
} from '../shared';
import type { CalendarDate, CategoryStanding, ContractStanding, LinkPolicy } from '../shared';
import type {
  ApproveCampaign,
  CampaignCommand,
  ChangeCampaignBudget,
  CompleteCampaign,
  CreateCampaign,
  LaunchCampaign,
  PauseCampaign,
  RejectCampaign,
  ReportCampaignSpend,
  ResumeCampaign,
  SubmitCampaign,
  SuspendCampaignByPolicy,
} from './commands';
import type { CampaignEvent, CampaignLinkTarget } from './events';
import { linkTargetAllowed } from './link-target';
import type { Campaign, CampaignStatus, ExistingCampaign, LiveInterval } from './state';
import { CAMPAIGN_FINAL_STATUSES } from './state';

/** What a campaign decision needs from other streams; `factsNeeded` says which ones a command needs. */
export interface CampaignFacts {
  readonly contract?: ContractStanding;
  readonly category?: CategoryStanding;
  readonly policy?: LinkPolicy;
}

export type CampaignFactName = keyof CampaignFacts;

export const factsNeeded = (command: CampaignCommand): CampaignFactName[] => {
  switch (command.type) {
    case 'CreateCampaign':
      return command.data.linkTarget ? ['contract', 'category', 'policy'] : ['contract', 'category'];
    // The command cannot tell whether the campaign has a link, so the policy is always asked for.
    case 'ApproveCampaign':
      return ['contract', 'category', 'policy'];
    case 'LaunchCampaign':
      return ['contract'];
    case 'ResumeCampaign':
      return ['contract', 'category'];
    // Billable spend is capped by the campaign's own budget, which the contract allocated, so a
    // spend report reads no other stream however many campaigns share the contract.
    case 'ReportCampaignSpend':
    case 'SubmitCampaign':
    case 'RejectCampaign':
    case 'PauseCampaign':
    case 'ChangeCampaignBudget':
    case 'SuspendCampaignByPolicy':
    case 'CompleteCampaign':
      return [];
  }
};

/**
 * The reasons of the pauses a spend report triggers, for reactors and views that tell them apart.
 * `contractValueReached` is only found in streams recorded before spend was capped per campaign.
 */
export const SPEND_PAUSE_REASONS = {
  budgetExhausted: 'budget exhausted',
  contractValueReached: 'contract value reached',
} as const;

export const AD_LABEL_MAX_LENGTH = 40;

const DAY_MS = 86_400_000;

// Missing or mismatched facts mean the shell loaded the wrong streams: a bug, never a user error.
const need = <K extends CampaignFactName>(facts: CampaignFacts, name: K): NonNullable<CampaignFacts[K]> => {
  const fact = facts[name];
  if (fact === undefined) throw new Error(`The campaign decision needs the ${name} fact; load what factsNeeded lists.`);
  return fact as NonNullable<CampaignFacts[K]>;
};

const contractFact = (facts: CampaignFacts, contractId: string): ContractStanding => {
  const contract = need(facts, 'contract');
  if (contract.contractId !== contractId) {
    throw new Error(`The contract fact is for ${contract.contractId}, but the campaign belongs to ${contractId}.`);
  }
  return contract;
};

const categoryFact = (facts: CampaignFacts, advertiserId: string, category: string): CategoryStanding => {
  const standing = need(facts, 'category');
  if (standing.advertiserId !== advertiserId || standing.category !== category) {
    throw new Error(
      `The category fact is for ${standing.advertiserId}/${standing.category}, not ${advertiserId}/${category}.`,
    );
  }
  return standing;
};

const rule = (code: string, message: string) => new BusinessRuleViolation(code, message);

const existing = (state: Campaign, campaignId: string): ExistingCampaign => {
  if (state.status === 'None') {
    throw new NotFound('CAMPAIGN_NOT_FOUND', `There is no campaign ${campaignId}; check the id or create it first.`);
  }
  return state;
};

const requireStatus = (
  campaign: ExistingCampaign,
  allowed: readonly CampaignStatus[],
  code: string,
  expectation: string,
): void => {
  if (!allowed.includes(campaign.status)) throw rule(code, `${expectation}; this one is ${campaign.status}.`);
};

const requireOpen = (campaign: ExistingCampaign, action: string): void => {
  if (CAMPAIGN_FINAL_STATUSES.includes(campaign.status)) {
    throw rule('CAMPAIGN_CLOSED', `A ${campaign.status.toLowerCase()} campaign is closed; you cannot ${action}.`);
  }
};

const minorUnits = (value: string, what: string): bigint => {
  const amount = minorUnitsOf(value);
  if (amount === undefined) {
    throw rule(
      'INVALID_AMOUNT',
      `The ${what} must be a whole number of minor units written in digits, such as "150000".`,
    );
  }
  return amount;
};

const nowMs = (command: CampaignCommand): number => {
  const now = epochMs(command.metadata.now);
  if (now === undefined) throw new Error(`The command's metadata.now (${command.metadata.now}) is not a UTC instant.`);
  return now;
};

// Campaign bounds were validated when it was created, so they always parse here.
const storedMs = (instant: string): number => epochMs(instant) as number;

const dayStartMs = (date: CalendarDate): number => {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, day);
};

const requireContractActive = (contract: ContractStanding): void => {
  if (contract.status !== 'Active') {
    throw rule(
      'CONTRACT_NOT_ACTIVE',
      `Contract ${contract.contractId} is ${contract.status}; campaigns run only under an active contract.`,
    );
  }
};

const requireCategoryApproved = (standing: CategoryStanding): void => {
  if (!standing.approved) {
    throw rule(
      'CATEGORY_NOT_APPROVED',
      `Category ${standing.category} is not (or no longer) approved for this advertiser; ask compliance to approve it.`,
    );
  }
};

const requireLinkTargetAllowed = (
  target: CampaignLinkTarget,
  category: string,
  contract: ContractStanding,
  policy: LinkPolicy,
): void => {
  if (!(ownValue(contract.enabledLinks, target.platform) ?? []).includes(category)) {
    throw rule(
      'LINK_NOT_ENABLED',
      `Links to ${target.platform} are not enabled on contract ${contract.contractId} for category ${category}; ask compliance to enable them or drop the link.`,
    );
  }
  const platform = ownValue(policy.platforms, target.platform);
  if (platform === undefined) {
    throw rule('LINK_PLATFORM_NOT_REGISTERED', `${target.platform} is not a registered link platform; choose another.`);
  }
  if (platform.suspended) {
    throw rule('LINK_PLATFORM_SUSPENDED', `Links to ${target.platform} are suspended; drop the link or wait.`);
  }
  const verdict = linkTargetAllowed(target.url, platform.allowedDomains);
  if (!verdict.allowed) throw rule('LINK_TARGET_NOT_ALLOWED', verdict.reason ?? 'The link target is not allowed.');
};

const requireFourEyes = (command: ApproveCampaign | RejectCampaign, campaign: ExistingCampaign): void => {
  const reviewer = command.metadata.actor.userId;
  if (
    sameUser(reviewer, campaign.createdBy) ||
    (campaign.submittedBy !== undefined && sameUser(reviewer, campaign.submittedBy))
  ) {
    throw new NotPermitted(
      'FOUR_EYES',
      'Whoever created or submitted a campaign cannot review it; ask another compliance reviewer.',
    );
  }
};

const createCampaign = (command: CreateCampaign, state: Campaign, facts: CampaignFacts): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['sales'], 'Creating a campaign');
  const { campaignId, contractId, advertiserId, category, startsAt, endsAt, linkTarget } = command.data;
  if (state.status !== 'None') {
    throw rule(
      'CAMPAIGN_ALREADY_EXISTS',
      `Campaign ${campaignId} already exists; create the new one under another id.`,
    );
  }
  const adLabel = requiredText(
    command.data.adLabel,
    'AD_LABEL_REQUIRED',
    'Every ad must be clearly labelled; give the campaign an ad label.',
  );
  const labelLength = [...adLabel].length;
  if (labelLength > AD_LABEL_MAX_LENGTH) {
    throw rule(
      'AD_LABEL_TOO_LONG',
      `The ad label may have at most ${AD_LABEL_MAX_LENGTH} characters (this one has ${labelLength}); shorten it.`,
    );
  }
  const budget = minorUnits(command.data.budgetMinor, 'budget');
  if (budget <= 0n) throw rule('BUDGET_NOT_POSITIVE', 'The budget must be greater than zero.');
  const start = epochMs(startsAt);
  const end = epochMs(endsAt);
  if (start === undefined || end === undefined || start >= end) {
    throw rule(
      'CAMPAIGN_WINDOW_INVALID',
      'The campaign needs a start and an end as ISO-8601 UTC instants (such as 2026-12-01T00:00:00Z), the start before the end.',
    );
  }
  if (nowMs(command) > end)
    throw rule('CAMPAIGN_ALREADY_ENDED', 'The campaign would end in the past; choose a later end.');
  const contract = contractFact(facts, contractId);
  requireContractActive(contract);
  if (advertiserId !== contract.advertiserId) {
    throw rule(
      'ADVERTISER_MISMATCH',
      `Contract ${contractId} belongs to advertiser ${contract.advertiserId}, not ${advertiserId}; pick that advertiser's contract.`,
    );
  }
  // The end is exclusive, so a campaign ending at midnight after the contract's last day still fits.
  if (start < dayStartMs(contract.startsOn) || end > dayStartMs(contract.endsOn) + DAY_MS) {
    throw rule(
      'OUTSIDE_CONTRACT_TERM',
      `The campaign must run within the contract term, ${contract.startsOn} to ${contract.endsOn} (UTC).`,
    );
  }
  if (!contract.categories.includes(category)) {
    throw rule(
      'CATEGORY_NOT_ON_CONTRACT',
      `Category ${category} is not on contract ${contractId}; amend the contract or choose one of its categories.`,
    );
  }
  requireCategoryApproved(categoryFact(facts, advertiserId, category));
  if (linkTarget !== undefined) requireLinkTargetAllowed(linkTarget, category, contract, need(facts, 'policy'));
  return [
    {
      type: 'CampaignCreated',
      data: {
        campaignId,
        contractId,
        advertiserId,
        category,
        budgetMinor: budget.toString(),
        startsAt,
        endsAt,
        ...(linkTarget === undefined ? {} : { linkTarget: { platform: linkTarget.platform, url: linkTarget.url } }),
        adLabel,
      },
    },
  ];
};

const submitCampaign = (command: SubmitCampaign, state: Campaign): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['sales'], 'Submitting a campaign');
  const campaign = existing(state, command.data.campaignId);
  requireStatus(campaign, ['Draft'], 'CAMPAIGN_NOT_DRAFT', 'Only a draft campaign can be submitted');
  return [{ type: 'CampaignSubmitted', data: { campaignId: campaign.campaignId } }];
};

const approveCampaign = (command: ApproveCampaign, state: Campaign, facts: CampaignFacts): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['compliance'], 'Approving a campaign');
  const campaign = existing(state, command.data.campaignId);
  requireStatus(campaign, ['Submitted'], 'CAMPAIGN_NOT_SUBMITTED', 'Only a submitted campaign can be approved');
  requireFourEyes(command, campaign);
  // Standing can change while the campaign waits for review, so approval checks it again.
  const contract = contractFact(facts, campaign.contractId);
  requireContractActive(contract);
  requireCategoryApproved(categoryFact(facts, campaign.advertiserId, campaign.category));
  if (campaign.linkTarget !== undefined) {
    requireLinkTargetAllowed(campaign.linkTarget, campaign.category, contract, need(facts, 'policy'));
  }
  return [{ type: 'CampaignApproved', data: { campaignId: campaign.campaignId } }];
};

const rejectCampaign = (command: RejectCampaign, state: Campaign): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['compliance'], 'Rejecting a campaign');
  const campaign = existing(state, command.data.campaignId);
  requireStatus(campaign, ['Submitted'], 'CAMPAIGN_NOT_SUBMITTED', 'Only a submitted campaign can be rejected');
  requireFourEyes(command, campaign);
  const reason = requiredText(command.data.reason, 'REASON_REQUIRED', 'Say why the campaign is rejected.');
  return [
    {
      type: 'CampaignRejected',
      data: { campaignId: campaign.campaignId, reason, budgetMinor: campaign.budgetMinor },
    },
  ];
};

const launchCampaign = (command: LaunchCampaign, state: Campaign, facts: CampaignFacts): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['sales', 'service'], 'Launching a campaign');
  const campaign = existing(state, command.data.campaignId);
  requireStatus(campaign, ['Approved'], 'CAMPAIGN_NOT_APPROVED', 'Only an approved campaign can be launched');
  requireContractActive(contractFact(facts, campaign.contractId));
  const now = nowMs(command);
  if (now < storedMs(campaign.startsAt)) {
    throw rule('CAMPAIGN_NOT_STARTED', `The campaign starts at ${campaign.startsAt}; launch it then.`);
  }
  if (now >= storedMs(campaign.endsAt)) {
    throw rule('CAMPAIGN_ALREADY_ENDED', `The campaign ended at ${campaign.endsAt}; complete it instead.`);
  }
  return [{ type: 'CampaignLaunched', data: { campaignId: campaign.campaignId } }];
};

const pauseCampaign = (command: PauseCampaign, state: Campaign): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['sales', 'compliance', 'service'], 'Pausing a campaign');
  const campaign = existing(state, command.data.campaignId);
  requireStatus(campaign, ['Live'], 'CAMPAIGN_NOT_LIVE', 'Only a live campaign can be paused');
  const reason = requiredText(command.data.reason, 'REASON_REQUIRED', 'Say why the campaign is paused.');
  return [{ type: 'CampaignPaused', data: { campaignId: campaign.campaignId, reason } }];
};

const resumeCampaign = (command: ResumeCampaign, state: Campaign, facts: CampaignFacts): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['sales', 'compliance', 'service'], 'Resuming a campaign');
  const campaign = existing(state, command.data.campaignId);
  if (campaign.status === 'PolicySuspended') {
    throw rule(
      'CAMPAIGN_SUSPENDED_BY_POLICY',
      'A campaign suspended by policy cannot be resumed; complete it and create a new one once the cause is resolved.',
    );
  }
  requireStatus(campaign, ['Paused'], 'CAMPAIGN_NOT_PAUSED', 'Only a paused campaign can be resumed');
  // Resuming an exhausted campaign would only be paused again by the next spend report.
  if (BigInt(campaign.spentMinor) >= BigInt(campaign.budgetMinor)) {
    throw rule('BUDGET_EXHAUSTED', 'The campaign has spent its whole budget; raise the budget before resuming it.');
  }
  if (nowMs(command) >= storedMs(campaign.endsAt)) {
    throw rule('CAMPAIGN_ALREADY_ENDED', `The campaign ended at ${campaign.endsAt}; complete it instead.`);
  }
  requireContractActive(contractFact(facts, campaign.contractId));
  requireCategoryApproved(categoryFact(facts, campaign.advertiserId, campaign.category));
  return [{ type: 'CampaignResumed', data: { campaignId: campaign.campaignId } }];
};

const changeCampaignBudget = (command: ChangeCampaignBudget, state: Campaign): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['sales'], 'Changing a campaign budget');
  const campaign = existing(state, command.data.campaignId);
  requireOpen(campaign, 'change its budget');
  const budget = minorUnits(command.data.budgetMinor, 'budget');
  if (budget <= 0n) throw rule('BUDGET_NOT_POSITIVE', 'The budget must be greater than zero.');
  if (budget === BigInt(campaign.budgetMinor)) {
    throw rule('BUDGET_UNCHANGED', `The budget is already ${campaign.budgetMinor}; give a different amount.`);
  }
  if (budget < BigInt(campaign.spentMinor)) {
    throw rule(
      'BUDGET_BELOW_SPEND',
      `The campaign has already spent ${campaign.spentMinor}; the budget cannot be set below that.`,
    );
  }
  return [
    {
      type: 'CampaignBudgetChanged',
      data: {
        campaignId: campaign.campaignId,
        budgetMinor: budget.toString(),
        previousBudgetMinor: campaign.budgetMinor,
      },
    },
  ];
};

const reportCampaignSpend = (command: ReportCampaignSpend, state: Campaign): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['service'], 'Reporting campaign spend');
  const campaign = existing(state, command.data.campaignId);
  const { batchId, periodStart, periodEnd } = command.data;
  // Checked but kept as sent: the batchId is ad serving's own key for recognising its retries.
  requiredText(batchId, 'SPEND_BATCH_ID_REQUIRED', 'Every spend report needs a batchId.');
  const amount = minorUnits(command.data.amountMinor, 'spend amount');
  // Ad serving retries reports, so a batch seen before is acknowledged without recording it twice;
  // only a different report under a known batchId is an error, since dropping it would lose spend.
  const seen = ownValue(campaign.spendBatches, batchId);
  if (seen !== undefined) {
    if (BigInt(seen.amountMinor) === amount && seen.periodStart === periodStart && seen.periodEnd === periodEnd) {
      return [];
    }
    throw rule(
      'SPEND_BATCH_CONFLICT',
      `Batch ${batchId} was already recorded with different figures; report new spend under a new batchId.`,
    );
  }
  if (campaign.liveIntervals.length === 0) {
    throw rule(
      'CAMPAIGN_NOT_RUNNING',
      `Spend can be reported only for a campaign that has been live; this one is ${campaign.status}.`,
    );
  }
  if (amount <= 0n) throw rule('SPEND_NOT_POSITIVE', 'The spend amount must be greater than zero.');
  const start = epochMs(periodStart);
  const end = epochMs(periodEnd);
  if (start === undefined || end === undefined || start >= end) {
    throw rule(
      'SPEND_PERIOD_INVALID',
      'The spend period needs a start and an end as ISO-8601 UTC instants, the start before the end.',
    );
  }
  // Serving stops with a pause, a suspension or the completion, but its reports may arrive later:
  // what was delivered while live is still recorded; a period in which nothing could serve is not.
  if (!campaign.liveIntervals.some((interval) => overlaps(interval, start, end))) {
    throw rule(
      'SPEND_PERIOD_NOT_LIVE',
      `Campaign ${campaign.campaignId} was not live at any time from ${periodStart} to ${periodEnd}; report spend only for periods in which it served.`,
    );
  }
  // Billable spend stops at the budget, which the contract allocated, so billable spend never
  // exceeds the contract's value. A completed campaign gave its unspent budget back, so all it can
  // still record is overdelivery. The stream's expected revision serialises concurrent reports.
  const spent = BigInt(campaign.spentMinor);
  const room = campaign.status === 'Completed' ? 0n : BigInt(campaign.budgetMinor) - spent;
  const billable = room <= 0n ? 0n : amount < room ? amount : room;
  const events: CampaignEvent[] = [
    {
      type: 'CampaignSpendReported',
      data: {
        campaignId: campaign.campaignId,
        batchId,
        amountMinor: amount.toString(),
        periodStart,
        periodEnd,
        billableMinor: billable.toString(),
        overdeliveredMinor: (amount - billable).toString(),
      },
    },
  ];
  // The money is already spent by the time it is reported, so it is recorded whatever the budget,
  // and serving is stopped once the budget is used up.
  if (campaign.status === 'Live' && spent + amount >= BigInt(campaign.budgetMinor)) {
    events.push({
      type: 'CampaignPaused',
      data: { campaignId: campaign.campaignId, reason: SPEND_PAUSE_REASONS.budgetExhausted },
    });
  }
  return events;
};

/** Whether [start, end) meets a live interval; one still open runs on without end. */
const overlaps = (interval: LiveInterval, start: number, end: number): boolean =>
  start < (interval.until === undefined ? Infinity : storedMs(interval.until)) && end > storedMs(interval.from);

const suspendCampaignByPolicy = (command: SuspendCampaignByPolicy, state: Campaign): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['service', 'compliance'], 'Suspending a campaign by policy');
  const campaign = existing(state, command.data.campaignId);
  requireOpen(campaign, 'suspend it');
  if (campaign.status === 'PolicySuspended') {
    throw rule('CAMPAIGN_ALREADY_SUSPENDED', 'The campaign is already suspended by policy.');
  }
  const cause = requiredText(command.data.cause, 'CAUSE_REQUIRED', 'Say what causes the suspension.');
  return [{ type: 'CampaignSuspendedByPolicy', data: { campaignId: campaign.campaignId, cause } }];
};

const completeCampaign = (command: CompleteCampaign, state: Campaign): CampaignEvent[] => {
  requireRole(command.metadata.actor, ['sales', 'service'], 'Completing a campaign');
  const campaign = existing(state, command.data.campaignId);
  requireOpen(campaign, 'complete it');
  requireStatus(
    campaign,
    ['Live', 'Paused', 'PolicySuspended'],
    'CAMPAIGN_NOT_LAUNCHED',
    'Only a live, paused or policy-suspended campaign can be completed',
  );
  const spent = BigInt(campaign.spentMinor);
  const unspent = BigInt(campaign.budgetMinor) - spent;
  return [
    {
      type: 'CampaignCompleted',
      data: {
        campaignId: campaign.campaignId,
        spentMinor: spent.toString(),
        unspentMinor: (unspent > 0n ? unspent : 0n).toString(),
        ...optionalReason(command.data.reason),
      },
    },
  ];
};

export const decide = (command: CampaignCommand, state: Campaign, facts: CampaignFacts): CampaignEvent[] => {
  switch (command.type) {
    case 'CreateCampaign':
      return createCampaign(command, state, facts);
    case 'SubmitCampaign':
      return submitCampaign(command, state);
    case 'ApproveCampaign':
      return approveCampaign(command, state, facts);
    case 'RejectCampaign':
      return rejectCampaign(command, state);
    case 'LaunchCampaign':
      return launchCampaign(command, state, facts);
    case 'PauseCampaign':
      return pauseCampaign(command, state);
    case 'ResumeCampaign':
      return resumeCampaign(command, state, facts);
    case 'ChangeCampaignBudget':
      return changeCampaignBudget(command, state);
    case 'ReportCampaignSpend':
      return reportCampaignSpend(command, state);
    case 'SuspendCampaignByPolicy':
      return suspendCampaignByPolicy(command, state);
    case 'CompleteCampaign':
      return completeCampaign(command, state);
  }
};
