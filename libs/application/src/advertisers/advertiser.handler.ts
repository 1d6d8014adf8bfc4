import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { advertiserDecider, advertiserStreamId, type AdvertiserCommand } from '#domain';
import { CommandExecutor, type Intent, type WriteResult } from '../commands/command-executor';
import type { CommandContext } from '../command-context';

export class ExecuteAdvertiserCommand extends Command<WriteResult> {
  constructor(
    readonly advertiserId: string,
    readonly intent: Intent<AdvertiserCommand>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteAdvertiserCommand)
export class AdvertiserHandler implements ICommandHandler<ExecuteAdvertiserCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ advertiserId, intent, context }: ExecuteAdvertiserCommand): Promise<WriteResult> {
    return this.executor.execute({
      id: advertiserId,
      streamId: advertiserStreamId(advertiserId),
      decider: advertiserDecider,
      intent,
      facts: async () => undefined,
      context,
    });
  }
}
