import { createHash } from 'node:crypto';
import { campaignStreamId, categoryApprovalStreamId, contractStreamId } from '#domain';
import type { DomainEvent } from '../engine/domain-events';

/** What a deadline records when it comes: a contract's expiry, an approval's expiry, a campaign's completion. */
export type DeadlineKind = 'contractExpiry' | 'categoryApprovalExpiry' | 'campaignCompletion';

export type ScheduledCommand =
  | { readonly type: 'ExpireContract'; readonly data: { readonly contractId: string } }
  | {
      readonly type: 'ExpireCategoryApproval';
      readonly data: { readonly advertiserId: string; readonly category: string };
    }
  | { readonly type: 'CompleteCampaign'; readonly data: { readonly campaignId: string } };

/** One row of scheduled_deadlines, as the fold sees it. */
export interface Deadline {
  readonly kind: DeadlineKind;
  readonly subject_id: string;
  /** The subject's own date: the contract's end date, the approval's last valid day, the campaign's end instant. */
  readonly ends: string;
  /** Whether the deadline may fire: the subject is in a state the command accepts. */
  readonly armed: boolean;
}

/**
 * Deadline changes an event makes: `set` replaces fields of (kind, subject); undefined when the
 * event concerns no deadline. Pure: the projection shell loads and writes the rows.
 */
export type DeadlineChange =
  | { readonly kind: DeadlineKind; readonly subjectId: string; readonly ends?: string; readonly armed?: boolean }
  | undefined;

export const SCHEDULER_HANDLED = [
  'ContractDrafted',
  'ContractDraftRevised',
  'ContractAmendmentApproved',
  'ContractSigned',
  'ContractResumed',
  'ContractTerminated',
  'ContractExpired',
  'CategoryApprovalRequested',
  'CategoryApproved',
  'CategoryApprovalRejected',
  'CategoryApprovalRevoked',
  'CategoryApprovalExpired',
  'CampaignCreated',
  'CampaignLaunched',
  'CampaignRejected',
  'CampaignCompleted',
] as const satisfies readonly DomainEvent['type'][];

/** Events that move no deadline: suspensions and pauses leave one armed (the commands accept those states). */
export const SCHEDULER_IGNORED = [
  'LinkPlatformRegistered',
  'LinkPlatformDomainsChanged',
  'LinkPlatformSuspended',
  'LinkPlatformReinstated',
  'LinkEligibleCategoryAdded',
  'LinkEligibleCategoryRemoved',
  'CommercialLoadCapSet',
  'AdvertiserRegistered',
  'AdvertiserVerified',
  'AdvertiserVerificationRejected',
  'KaTierChanged',
  'AdvertiserSuspended',
  'AdvertiserReinstated',
  'ContractSubmitted',
  'ContractApproved',
  'ContractRejected',
  'ContractAmendmentProposed',
  'ContractAmendmentRejected',
  'ExternalLinkEnabled',
  'ExternalLinkDisabled',
  'CampaignBudgetAllocated',
  'CampaignBudgetReleased',
  'ContractSuspended',
  'CampaignSubmitted',
  'CampaignApproved',
  'CampaignPaused',
  'CampaignResumed',
  'CampaignBudgetChanged',
  'CampaignSpendReported',
  'CampaignSuspendedByPolicy',
] as const satisfies readonly DomainEvent['type'][];

const approvalSubject = (advertiserId: string, category: string): string => `${advertiserId}_${category}`;

/** How `event` moves a deadline. Suspensions and pauses leave it armed: the commands accept those states. */
export const deadlineChangeOf = (event: DomainEvent): DeadlineChange => {
  switch (event.type) {
    case 'ContractDrafted':
      return { kind: 'contractExpiry', subjectId: event.data.contractId, ends: event.data.endsOn, armed: false };
    case 'ContractDraftRevised':
      return event.data.endsOn === undefined
        ? undefined
        : { kind: 'contractExpiry', subjectId: event.data.contractId, ends: event.data.endsOn };
    case 'ContractAmendmentApproved':
      return { kind: 'contractExpiry', subjectId: event.data.contractId, ends: event.data.endsOn };
    case 'ContractSigned':
    case 'ContractResumed':
      return { kind: 'contractExpiry', subjectId: event.data.contractId, armed: true };
    case 'ContractTerminated':
    case 'ContractExpired':
      return { kind: 'contractExpiry', subjectId: event.data.contractId, armed: false };
    case 'CategoryApproved':
      return {
        kind: 'categoryApprovalExpiry',
        subjectId: approvalSubject(event.data.advertiserId, event.data.category),
        ends: event.data.validUntil,
        armed: true,
      };
    case 'CategoryApprovalRequested':
    case 'CategoryApprovalRejected':
    case 'CategoryApprovalRevoked':
    case 'CategoryApprovalExpired':
      return {
        kind: 'categoryApprovalExpiry',
        subjectId: approvalSubject(event.data.advertiserId, event.data.category),
        armed: false,
      };
    case 'CampaignCreated':
      return { kind: 'campaignCompletion', subjectId: event.data.campaignId, ends: event.data.endsAt, armed: false };
    case 'CampaignLaunched':
      return { kind: 'campaignCompletion', subjectId: event.data.campaignId, armed: true };
    case 'CampaignRejected':
    case 'CampaignCompleted':
      return { kind: 'campaignCompletion', subjectId: event.data.campaignId, armed: false };
    default:
      return undefined;
  }
};

/** The day after a calendar date, at 00:00 UTC: a date-bound subject may expire from then on. */
export const dayAfter = (date: string): Date => new Date(Date.parse(`${date}T00:00:00.000Z`) + 86_400_000);

/** When the deadline fires: the day after a contract's or approval's last day, a campaign's end instant. */
export const dueAt = (deadline: Pick<Deadline, 'kind' | 'ends'>): Date =>
  deadline.kind === 'campaignCompletion' ? new Date(deadline.ends) : dayAfter(deadline.ends);

export const commandOf = (deadline: Pick<Deadline, 'kind' | 'subject_id'>): ScheduledCommand => {
  switch (deadline.kind) {
    case 'contractExpiry':
      return { type: 'ExpireContract', data: { contractId: deadline.subject_id } };
    case 'categoryApprovalExpiry': {
      const split = deadline.subject_id.indexOf('_');
      return {
        type: 'ExpireCategoryApproval',
        data: { advertiserId: deadline.subject_id.slice(0, split), category: deadline.subject_id.slice(split + 1) },
      };
    }
    case 'campaignCompletion':
      return { type: 'CompleteCampaign', data: { campaignId: deadline.subject_id } };
  }
};

export const targetStreamOf = (command: ScheduledCommand): string => {
  switch (command.type) {
    case 'ExpireContract':
      return contractStreamId(command.data.contractId);
    case 'ExpireCategoryApproval':
      return categoryApprovalStreamId(command.data.advertiserId, command.data.category);
    case 'CompleteCampaign':
      return campaignStreamId(command.data.campaignId);
  }
};

/** Why the scheduler records it: the date that passed. */
export const reasonOf = (deadline: Pick<Deadline, 'kind' | 'ends'>): string => {
  switch (deadline.kind) {
    case 'contractExpiry':
      return `contract ended on ${deadline.ends}`;
    case 'categoryApprovalExpiry':
      return `approval valid until ${deadline.ends}`;
    case 'campaignCompletion':
      return `campaign ended at ${deadline.ends}`;
  }
};

// A fixed namespace, so the same deadline always derives the same command id, in any process.
const NAMESPACE = 'ka-contracting:scheduler';

/**
 * The command id of one deadline: the same subject and date always give the same id, so a tick
 * repeated after a crash, or by a second replica, is recognised by the command executor as a retry.
 * A moved date (an amendment) is a new deadline with a new id.
 */
export const deadlineCommandId = (deadline: Pick<Deadline, 'kind' | 'subject_id' | 'ends'>): string => {
  const bytes = createHash('sha1')
    .update(`${NAMESPACE}\n${deadline.kind}\n${deadline.subject_id}\n${deadline.ends}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
