import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  categoryApprovalDecider,
  categoryApprovalStreamId,
  type CategoryApprovalCommand,
  type CategoryApprovalFacts,
} from '#domain';
import { CommandExecutor, type Intent, type WriteResult } from '../commands/command-executor';
import { FactsReader } from '../commands/facts-reader';
import type { CommandContext } from '../command-context';

export class ExecuteCategoryApprovalCommand extends Command<WriteResult> {
  constructor(
    readonly advertiserId: string,
    readonly category: string,
    readonly intent: Intent<CategoryApprovalCommand>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The resource id is the category: it is what names the approval under its advertiser's URL. */
@CommandHandler(ExecuteCategoryApprovalCommand)
export class CategoryApprovalHandler implements ICommandHandler<ExecuteCategoryApprovalCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly facts: FactsReader,
  ) {}

  execute({ advertiserId, category, intent, context }: ExecuteCategoryApprovalCommand): Promise<WriteResult> {
    return this.executor.execute({
      id: category,
      streamId: categoryApprovalStreamId(advertiserId, category),
      decider: categoryApprovalDecider,
      intent,
      facts: () => this.factsFor(advertiserId),
      context,
    });
  }

  private async factsFor(advertiserId: string): Promise<CategoryApprovalFacts> {
    const [advertiser, policy] = await Promise.all([this.facts.advertiser(advertiserId), this.facts.linkPolicy()]);
    return { advertiser, linkEligibleCategories: policy.linkEligibleCategories };
  }
}
