import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Command } from '@nestjs/cqrs';
import { PLATFORM_POLICY_STREAM, platformPolicyDecider, type PlatformPolicyCommand } from '#domain';
import { CommandExecutor, type Intent, type WriteResult } from '../commands/command-executor';
import type { CommandContext } from '../command-context';

export class ExecutePlatformPolicyCommand extends Command<WriteResult> {
  constructor(
    readonly id: string,
    readonly intent: Intent<PlatformPolicyCommand>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The platform policy is one stream; its decisions need no other aggregate. */
@CommandHandler(ExecutePlatformPolicyCommand)
export class PlatformPolicyHandler implements ICommandHandler<ExecutePlatformPolicyCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ id, intent, context }: ExecutePlatformPolicyCommand): Promise<WriteResult> {
    return this.executor.execute({
      id,
      streamId: PLATFORM_POLICY_STREAM,
      decider: platformPolicyDecider,
      intent,
      facts: async () => undefined,
      context,
    });
  }
}
