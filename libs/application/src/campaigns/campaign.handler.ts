import { Logger } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  NotFound,
  campaignDecider,
  campaignFactsNeeded,
  campaignStreamId,
  contractDecider,
  contractStreamId,
  heldBy,
  type Actor,
  type Campaign,
  type CampaignCommand,
  type CampaignEvent,
  type CampaignFacts,
} from '#domain';
import { WrongExpectedRevision } from '#event-store';
import { commandIdFor, type CommandContext } from '../command-context';
import { CommandExecutor, type Execution, type Intent, type WriteResult } from '../commands/command-executor';
import { FactsReader } from '../commands/facts-reader';
import { StreamCache } from '../commands/stream-cache';
import { ExecuteContractCommand } from '../contracts/contract.handler';
import { ConcurrentModification, StaleRevision } from '../errors';
import { budgetProcess, type BudgetCommand } from './budget-process';

export class ExecuteCampaignCommand extends Command<WriteResult> {
  constructor(
    readonly campaignId: string,
    readonly intent: Intent<CampaignCommand>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

type CampaignIntent<T extends CampaignCommand['type']> = Extract<Intent<CampaignCommand>, { type: T }>;
type CampaignExecution = Execution<CampaignCommand, CampaignEvent, Campaign, CampaignFacts>;

/** The contract decider lets `service` move budget: the system acting for the campaign, not the caller. */
const CAMPAIGN_PROCESS: Actor = { userId: 'campaign-process', roles: ['service'] };

/** Rounds of the executor's own bounded retries a give-back gets before it is left to a retry of the request. */
const GIVE_BACK_ROUNDS = 10;

/** Takes a command may make before it stops: each one after the first follows a repaired failure. */
const MAX_TAKES = 5;

/**
 * Runs a step that gives budget back until no concurrent writer gets in its way. A conflict means
 * another append to the contract went through, so the step converges under any finite load; a
 * random pause spreads out writers that keep colliding.
 */
const givingBack = async <T>(step: () => Promise<T>): Promise<T> => {
  for (let round = 1; ; round++) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision) || round >= GIVE_BACK_ROUNDS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * round));
    }
  }
};

/** RFC 9562 v5 id of one step of a campaign command: the same command always names the same step. */
const stepCommandId = (context: CommandContext, step: string): string =>
  commandIdFor(context.commandId, `campaign-budget:${step}`);

/**
 * Every campaign command, and the budget the campaign holds on its contract: the handler reads and
 * writes the two streams, and the budget process (budget-process.ts) decides what moves.
 */
@CommandHandler(ExecuteCampaignCommand)
export class CampaignHandler implements ICommandHandler<ExecuteCampaignCommand> {
  private readonly logger = new Logger('CampaignHandler');

  constructor(
    private readonly executor: CommandExecutor,
    private readonly commandBus: CommandBus,
    private readonly facts: FactsReader,
    private readonly cache: StreamCache,
  ) {}

  execute({ campaignId, intent, context }: ExecuteCampaignCommand): Promise<WriteResult> {
    switch (intent.type) {
      case 'CreateCampaign':
      case 'ChangeCampaignBudget':
        return this.takeThenRecord(campaignId, intent, context);
      case 'RejectCampaign':
      case 'CompleteCampaign':
        return this.recordThenGiveBack(campaignId, intent, context);
      default:
        return this.executor.execute(this.campaignStep(campaignId, intent, context));
    }
  }

  /**
   * Takes budget on the contract, then records the campaign command; if that fails, brings what the
   * contract holds for the campaign back in line with the campaign. A preview decides the campaign
   * command first, so a refused command appends to neither stream.
   */
  private async takeThenRecord(
    campaignId: string,
    intent: CampaignIntent<'CreateCampaign' | 'ChangeCampaignBudget'>,
    context: CommandContext,
  ): Promise<WriteResult> {
    const preview = await this.executor.preview(this.campaignStep(campaignId, intent, context));
    // Recorded by an earlier run, which took the budget too: answer as it did.
    if (preview.replayed !== undefined) return preview.replayed;
    const take = budgetProcess.toTake(campaignId, intent, preview.state);
    if (take === undefined) return this.executor.execute(this.campaignStep(campaignId, intent, context));
    const contractId = take.data.contractId;
    // Changing the budget sets what the campaign holds, so two changes must not interleave between
    // the contract and the campaign stream: the change is recorded only at the revision it was read at.
    const pinned =
      intent.type === 'ChangeCampaignBudget' && context.expectedRevision === undefined
        ? { ...context, expectedRevision: preview.revision }
        : context;
    const attempt = await this.takeBudget(contractId, take, context);
    try {
      return await this.executor.execute(this.campaignStep(campaignId, intent, pinned));
    } catch (error) {
      await this.reconcile(campaignId, contractId, context, attempt);
      if (pinned !== context && error instanceof StaleRevision) {
        throw new ConcurrentModification(
          `campaign ${campaignId} changed while its budget was being moved; retry the request`,
        );
      }
      throw error;
    }
  }

  /**
   * Takes the budget under the step id `take#<attempt>` and returns the attempt. A take this command
   * already recorded is recognised by the store; it still holds unless a repair gave it back since,
   * in which case the next attempt takes afresh (a retry after a repaired failure).
   */
  private async takeBudget(contractId: string, take: BudgetCommand, context: CommandContext): Promise<number> {
    const wanted = BigInt(take.type === 'AdjustCampaignBudget' ? take.data.budgetMinor : take.data.amountMinor);
    for (let attempt = 0; ; attempt++) {
      const taken = await this.contractStep(contractId, take, context, `take#${attempt}`, context.commandId);
      if (!taken.replayed) return attempt;
      const contract = await this.facts.state(contractDecider, contractStreamId(contractId));
      if (contract.status !== 'None' && heldBy(contract, take.data.campaignId) === wanted) return attempt;
      if (attempt + 1 >= MAX_TAKES) {
        throw new ConcurrentModification(`the budget of campaign ${take.data.campaignId} kept moving; retry later`);
      }
    }
  }

  private async reconcile(campaignId: string, contractId: string, context: CommandContext, attempt: number) {
    try {
      await givingBack(async () => {
        const [campaign, contract] = await Promise.all([
          this.facts.state(campaignDecider, campaignStreamId(campaignId)),
          this.facts.state(contractDecider, contractStreamId(contractId)),
        ]);
        const repair = budgetProcess.toRepair(campaignId, contractId, campaign, contract);
        if (repair !== undefined) {
          await this.contractStep(contractId, repair, context, `reconcile#${attempt}`, context.commandId);
        }
      });
    } catch (error) {
      // The budget stays reserved, never overbooked; a retry of the command repairs it.
      this.logger.error(
        `could not reconcile the budget of campaign ${campaignId} on contract ${contractId}`,
        (error as Error)?.stack ?? String(error),
      );
    }
  }

  /**
   * Records the rejection or completion, then gives back to the contract what the campaign will not
   * spend. A retry of the command replays the first step and finishes the second.
   */
  private async recordThenGiveBack(
    campaignId: string,
    intent: CampaignIntent<'RejectCampaign' | 'CompleteCampaign'>,
    context: CommandContext,
  ): Promise<WriteResult> {
    const result = await this.executor.execute(this.campaignStep(campaignId, intent, context));
    // The campaign's contract never changes, so what this process last folded names it.
    const campaign = this.cache.peek(campaignDecider, campaignStreamId(campaignId)).state;
    if (campaign.status === 'None') return result;
    const { contractId } = campaign;
    const giveBack = budgetProcess.toGiveBack(campaignId, contractId, result.recorded);
    const closing = result.recorded.find(({ type }) => type === 'CampaignRejected' || type === 'CampaignCompleted');
    if (giveBack === undefined || closing === undefined) return result;
    const release = await givingBack(() =>
      this.contractStep(contractId, giveBack, context, 'release', closing.eventId),
    );
    // X-Event-Position must cover everything the command wrote, so a reader that waits for it also
    // sees the released budget on the contract.
    const later =
      release.position !== undefined && (result.position === undefined || release.position > result.position);
    return later ? { ...result, position: release.position } : result;
  }

  private campaignStep(
    campaignId: string,
    intent: Intent<CampaignCommand>,
    context: CommandContext,
  ): CampaignExecution {
    return {
      id: campaignId,
      streamId: campaignStreamId(campaignId),
      decider: campaignDecider,
      intent,
      facts: (state, command) => this.factsFor(state, command),
      context,
    };
  }

  /** The contract side of a campaign command, under its own derived command id so a retry moves budget once. */
  private contractStep(
    contractId: string,
    intent: BudgetCommand,
    context: CommandContext,
    step: string,
    causationId: string,
  ): Promise<WriteResult> {
    return this.commandBus.execute(
      new ExecuteContractCommand(contractId, intent, {
        actor: CAMPAIGN_PROCESS,
        commandId: stepCommandId(context, step),
        correlationId: context.correlationId,
        causationId,
        // If-Match names a campaign revision; the contract step relies on the executor's retries.
        expectedRevision: undefined,
      }),
    );
  }

  /** Reads only the facts the decider asks for, about the campaign's own contract and category. */
  private async factsFor(state: Campaign, command: CampaignCommand): Promise<CampaignFacts> {
    const needed = campaignFactsNeeded(command);
    const subject = command.type === 'CreateCampaign' ? command.data : state.status === 'None' ? undefined : state;
    // Without a subject the campaign does not exist, and the decider refuses before it reads a fact.
    if (subject === undefined || needed.length === 0) return {};
    const { contractId, advertiserId, category } = subject;
    const [contract, categoryStanding, policy] = await Promise.all([
      needed.includes('contract') ? this.facts.contract(contractId) : undefined,
      needed.includes('category') ? this.facts.category(advertiserId, category, command.metadata.now) : undefined,
      needed.includes('policy') ? this.facts.linkPolicy() : undefined,
    ]);
    if (command.type === 'CreateCampaign' && contract?.status === 'None') {
      throw new NotFound(
        'CONTRACT_NOT_FOUND',
        `There is no contract ${contractId}; create the campaign under an existing one.`,
      );
    }
    return { contract, category: categoryStanding, policy };
  }
}
