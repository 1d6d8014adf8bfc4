import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  contractDecider,
  contractFactsNeeded,
  contractStreamId,
  type Contract,
  type ContractCommand,
  type ContractFacts,
} from '#domain';
import { CommandExecutor, type Intent, type WriteResult } from '../commands/command-executor';
import { FactsReader } from '../commands/facts-reader';
import type { CommandContext } from '../command-context';

/**
 * Every contract command, from a route or from another feature: the campaign process moves budget
 * (Allocate/Release/AdjustCampaignBudget) and reactors withdraw links through this same message.
 */
export class ExecuteContractCommand extends Command<WriteResult> {
  constructor(
    readonly contractId: string,
    readonly intent: Intent<ContractCommand>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteContractCommand)
export class ContractHandler implements ICommandHandler<ExecuteContractCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly facts: FactsReader,
  ) {}

  execute({ contractId, intent, context }: ExecuteContractCommand): Promise<WriteResult> {
    return this.executor.execute({
      id: contractId,
      streamId: contractStreamId(contractId),
      decider: contractDecider,
      intent,
      facts: (state, command) => this.factsFor(state, command),
      context,
    });
  }

  /** Reads only what the decider says this command needs, about the contract's own advertiser. */
  private async factsFor(state: Contract, command: ContractCommand): Promise<ContractFacts> {
    const needed = contractFactsNeeded(command);
    // The advertiser comes from the command only when drafting; after that it is the contract's own.
    const advertiserId =
      command.type === 'DraftContract'
        ? command.data.advertiserId
        : state.status === 'None'
          ? undefined
          : state.advertiserId;
    // Without an advertiser the contract does not exist, and the decider refuses before it reads a fact.
    if (advertiserId === undefined) return {};
    const [advertiser, policy, categoryApprovals] = await Promise.all([
      needed.includes('advertiser') ? this.facts.advertiser(advertiserId) : undefined,
      needed.includes('policy') ? this.facts.linkPolicy() : undefined,
      needed.includes('categoryApprovals')
        ? this.facts.categoriesFor(advertiserId, categoriesNamedBy(command), command.metadata.now)
        : undefined,
    ]);
    return { advertiser, policy, categoryApprovals };
  }
}

const categoriesNamedBy = (command: ContractCommand): readonly string[] => {
  switch (command.type) {
    case 'DraftContract':
    case 'EnableExternalLink':
      return command.data.categories;
    case 'ReviseContractDraft':
    case 'ProposeAmendment':
      return command.data.changes.categories ?? [];
    default:
      return [];
  }
};
