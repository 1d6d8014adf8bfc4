import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError, type Actor } from '#domain';
import type { ReactionOutcome, ScheduledDispatcher } from '#read-models';
import { ExecuteCampaignCommand } from '../campaigns/campaign.handler';
import { ExecuteCategoryApprovalCommand } from '../category-approvals/category-approval.handler';
import { ExecuteContractCommand } from '../contracts/contract.handler';
import type { CommandContext } from '../command-context';

/** The system recording what the calendar decides; `service` may expire and complete. */
export const SCHEDULER_ACTOR: Actor = { userId: 'system:scheduler', roles: ['service'] };

/**
 * Refusals that mean the deadline's goal already holds or no longer applies (the subject ended
 * otherwise meanwhile): recorded as already done, not retried. Anything else is reported.
 */
const ALREADY_DONE: ReadonlySet<string> = new Set(['CONTRACT_NOT_IN_FORCE', 'CAMPAIGN_CLOSED']);

/**
 * Issues the scheduler's commands through the same handlers HTTP commands go through, under the
 * deadline's derived command id (the executor recognises a repeat by it), as system:scheduler, with
 * the date that passed as the reason the event records.
 */
@Injectable()
export class SchedulerCommands {
  constructor(private readonly commandBus: CommandBus) {}

  readonly dispatch: ScheduledDispatcher = async (command, scheduled): Promise<ReactionOutcome> => {
    const context: CommandContext = {
      actor: SCHEDULER_ACTOR,
      commandId: scheduled.commandId,
      correlationId: scheduled.correlationId,
      causationId: scheduled.causationId,
      expectedRevision: undefined,
    };
    const { reason } = scheduled;
    try {
      switch (command.type) {
        case 'ExpireContract':
          await this.commandBus.execute(
            new ExecuteContractCommand(
              command.data.contractId,
              { type: command.type, data: { ...command.data, reason } },
              context,
            ),
          );
          break;
        case 'ExpireCategoryApproval':
          await this.commandBus.execute(
            new ExecuteCategoryApprovalCommand(
              command.data.advertiserId,
              command.data.category,
              { type: command.type, data: { ...command.data, reason } },
              context,
            ),
          );
          break;
        case 'CompleteCampaign':
          await this.commandBus.execute(
            new ExecuteCampaignCommand(
              command.data.campaignId,
              { type: command.type, data: { ...command.data, reason } },
              context,
            ),
          );
          break;
      }
      return { outcome: 'done' };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (ALREADY_DONE.has(error.code)) return { outcome: 'already-done', code: error.code };
      return { outcome: 'refused', code: error.code, detail: error.message };
    }
  };
}
