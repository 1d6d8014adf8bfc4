import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError, type Actor } from '#domain';
import type { CascadeCommand, ReactionContext, ReactionOutcome } from '#read-models';
import { contextOf, inSpan, linkToActive } from '#runtime';
import { ExecuteCampaignCommand } from '../campaigns/campaign.handler';
import { ExecuteContractCommand } from '../contracts/contract.handler';
import type { CommandContext } from '../command-context';

/** The system acting on its own; the contract and campaign deciders let `service` withdraw links and campaigns. */
export const REACTOR_ACTOR: Actor = { userId: 'system:reactor', roles: ['service'] };

/**
 * Refusals that mean the cascade's goal already holds: the link is not enabled (any more), the
 * campaign is already suspended or closed. Anything else the deciders refuse is reported.
 */
const ALREADY_DONE: ReadonlySet<string> = new Set([
  'LINK_NOT_ENABLED',
  'CAMPAIGN_ALREADY_SUSPENDED',
  'CAMPAIGN_CLOSED',
]);

/**
 * Issues the cascade's commands through the same handlers HTTP commands go through, under the
 * reactor's derived command id (the executor recognises a replay by it) and with the causing
 * event as causation.
 */
@Injectable()
export class CascadeCommands {
  constructor(private readonly commandBus: CommandBus) {}

  /**
   * Traced as part of the request that caused it: its span's parent is the causing event's stored
   * trace context, with a link to the projector batch it runs in.
   */
  readonly dispatch = (command: CascadeCommand, reaction: ReactionContext): Promise<ReactionOutcome> =>
    inSpan(
      `reactor ${command.type}`,
      () => ({ 'ka.command_id': reaction.commandId, 'ka.causation_id': reaction.causationId }),
      () => this.issue(command, reaction),
      { parent: contextOf(reaction.traceparent), links: linkToActive() },
    );

  private readonly issue = async (command: CascadeCommand, reaction: ReactionContext): Promise<ReactionOutcome> => {
    const context: CommandContext = {
      actor: REACTOR_ACTOR,
      commandId: reaction.commandId,
      correlationId: reaction.correlationId,
      causationId: reaction.causationId,
      expectedRevision: undefined,
    };
    try {
      if (command.type === 'DisableExternalLink') {
        await this.commandBus.execute(new ExecuteContractCommand(command.data.contractId, command, context));
      } else {
        await this.commandBus.execute(new ExecuteCampaignCommand(command.data.campaignId, command, context));
      }
      return { outcome: 'done' };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (ALREADY_DONE.has(error.code)) return { outcome: 'already-done', code: error.code };
      return { outcome: 'refused', code: error.code, detail: error.message };
    }
  };
}
