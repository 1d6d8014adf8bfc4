import { Inject, Logger } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  NotFound,
  campaignDecider,
  campaignFactsNeeded,
  campaignStreamId,
  contractDecider,
  contractStreamId,
  fold,
  ownValue,
  type Actor,
  type Campaign,
  type CampaignCommand,
  type CampaignEvent,
  type CampaignFacts,
  type Command as DomainCommand,
  type ContractCommand,
  type Decider,
  type Event,
} from '#domain';
import { WrongExpectedRevision, type EventStore } from '#event-store';
import {
  CommandExecutor,
  toDomainEvent,
  type Execution,
  type Intent,
  type WriteResult,
} from '../commands/command-executor';
import { FactsReader } from '../commands/facts-reader';
import { ExecuteContractCommand } from '../contracts/contract.handler';
import { ProblemException } from '../http/problem';
import { commandIdFor, type WriteContext } from '../http/write-context';
import { EVENT_STORE } from '../infrastructure/tokens';

export class ExecuteCampaignCommand extends Command<WriteResult> {
  constructor(
    readonly campaignId: string,
    readonly intent: Intent<CampaignCommand>,
    readonly context: WriteContext,
  ) {
    super();
  }
}

type CampaignIntent<T extends CampaignCommand['type']> = Extract<Intent<CampaignCommand>, { type: T }>;
type CampaignExecution = Execution<CampaignCommand, CampaignEvent, Campaign, CampaignFacts>;

/** The contract decider lets `service` move budget: the system acting for the campaign, not the caller. */
const CAMPAIGN_PROCESS: Actor = { userId: 'campaign-process', roles: ['service'] };

/** Decides without recording anything: the executor appends nothing for a decision with no events. */
const dryRun = <C extends DomainCommand, E extends Event, S, F>(decider: Decider<C, E, S, F>): Decider<C, E, S, F> => ({
  ...decider,
  decide: (command, state, facts) => {
    decider.decide(command, state, facts);
    return [];
  },
});

/** Rounds of the executor's own bounded retries a give-back gets before it is left to a retry of the request. */
const GIVE_BACK_ROUNDS = 10;

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
const stepCommandId = (context: WriteContext, step: string): string =>
  commandIdFor(context.commandId, `campaign-budget:${step}`);

/**
 * The campaign process: every campaign command, and the budget the campaign holds on its contract.
 * Allocations are contract events, so the contract stream's optimistic concurrency is what keeps
 * concurrent campaigns from overbooking it. Budget is taken (allocated, raised) before the campaign
 * records the change and given back (rejection, completion) after it, so a failure in between
 * over-reserves until it is repaired but never overbooks.
 */
@CommandHandler(ExecuteCampaignCommand)
export class CampaignHandler implements ICommandHandler<ExecuteCampaignCommand> {
  private readonly logger = new Logger('CampaignHandler');

  constructor(
    private readonly executor: CommandExecutor,
    private readonly commandBus: CommandBus,
    private readonly facts: FactsReader,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  execute({ campaignId, intent, context }: ExecuteCampaignCommand): Promise<WriteResult> {
    switch (intent.type) {
      case 'CreateCampaign': {
        const { contractId, budgetMinor } = intent.data;
        return this.takeBudgetThenRecord(campaignId, contractId, intent, context, {
          type: 'AllocateCampaignBudget',
          data: { contractId, campaignId, amountMinor: budgetMinor },
        });
      }
      case 'ChangeCampaignBudget':
        return this.changeBudget(campaignId, intent, context);
      case 'RejectCampaign':
      case 'CompleteCampaign':
        return this.recordThenRelease(campaignId, intent, context);
      default:
        return this.executor.execute(this.campaignStep(campaignId, intent, context));
    }
  }

  private async changeBudget(
    campaignId: string,
    intent: CampaignIntent<'ChangeCampaignBudget'>,
    context: WriteContext,
  ): Promise<WriteResult> {
    const [campaign, revision] = await this.facts.stateWithRevision(campaignDecider, campaignStreamId(campaignId));
    // Without a campaign the preview refuses with the decider's answer before the contract is touched.
    const contractId = campaign.status === 'None' ? '' : campaign.contractId;
    const adjust: Intent<ContractCommand> = {
      type: 'AdjustCampaignBudget',
      data: { contractId, campaignId, budgetMinor: intent.data.budgetMinor },
    };
    // Adjusting sets what the campaign holds, so two budget changes must not interleave between the
    // contract and the campaign stream: the change is recorded only at the revision it was read at.
    const pinned = { ...context, expectedRevision: context.expectedRevision ?? revision };
    try {
      return await this.takeBudgetThenRecord(campaignId, contractId, intent, pinned, adjust);
    } catch (error) {
      if (context.expectedRevision === undefined && error instanceof ProblemException && error.status === 412) {
        throw new ProblemException(
          409,
          'CONCURRENT_MODIFICATION',
          `campaign ${campaignId} changed while its budget was being moved; retry the request`,
        );
      }
      throw error;
    }
  }

  /**
   * Takes budget on the contract, then records the campaign command; if that fails, brings what the
   * contract holds for the campaign back in line with the campaign. A preview decides the campaign
   * command first, so a refused command appends to neither stream.
   */
  private async takeBudgetThenRecord(
    campaignId: string,
    contractId: string,
    intent: CampaignIntent<'CreateCampaign' | 'ChangeCampaignBudget'>,
    context: WriteContext,
    take: Intent<ContractCommand>,
  ): Promise<WriteResult> {
    const step = this.campaignStep(campaignId, intent, context);
    const preview = await this.executor.execute({ ...step, decider: dryRun(campaignDecider) });
    // Recorded by an earlier attempt, which took the budget too: answer as it did.
    if (preview.replayed) return this.executor.execute(step);
    const attempt = await this.attemptOf(contractId, context);
    await this.contractStep(contractId, take, context, `take#${attempt}`, context.commandId);
    try {
      return await this.executor.execute(step);
    } catch (error) {
      await this.reconcile(campaignId, contractId, context, attempt);
      throw error;
    }
  }

  /**
   * How many earlier attempts of this command had their budget given back. Concurrent retries share
   * one attempt's take (the executor dedupes it by command id); a retry after a repaired failure
   * takes afresh instead of replaying a take that no longer holds.
   */
  private async attemptOf(contractId: string, context: WriteContext): Promise<number> {
    const commandIds = new Set(
      (await this.store.readStream(contractStreamId(contractId))).map((event) => event.metadata.commandId),
    );
    let attempt = 0;
    while (commandIds.has(stepCommandId(context, `reconcile#${attempt}`))) attempt++;
    return attempt;
  }

  /**
   * Makes the contract hold for the campaign exactly the budget the campaign recorded (nothing if it
   * was never created). It reads both streams rather than assuming the failed step recorded nothing:
   * an append can succeed and still report an error, and giving that budget back would overbook.
   */
  private async reconcile(campaignId: string, contractId: string, context: WriteContext, attempt: number) {
    try {
      await givingBack(() => this.reconcileOnce(campaignId, contractId, context, attempt));
    } catch (error) {
      // The budget stays reserved, never overbooked; a retry under the same Idempotency-Key reuses it.
      this.logger.error(
        `could not reconcile the budget of campaign ${campaignId} on contract ${contractId}`,
        (error as Error)?.stack ?? String(error),
      );
    }
  }

  private async reconcileOnce(campaignId: string, contractId: string, context: WriteContext, attempt: number) {
    const [campaign, contract] = await Promise.all([
      this.facts.state(campaignDecider, campaignStreamId(campaignId)),
      this.facts.state(contractDecider, contractStreamId(contractId)),
    ]);
    const held = BigInt(contract.status === 'None' ? '0' : (ownValue(contract.allocations, campaignId) ?? '0'));
    // A campaign created under another contract (the same id raced there) owes this one nothing.
    const budget = campaign.status !== 'None' && campaign.contractId === contractId ? BigInt(campaign.budgetMinor) : 0n;
    if (held === budget) return;
    const data = { contractId, campaignId };
    const repair: Intent<ContractCommand> =
      budget === 0n
        ? { type: 'ReleaseCampaignBudget', data: { ...data, amountMinor: held.toString() } }
        : { type: 'AdjustCampaignBudget', data: { ...data, budgetMinor: budget.toString() } };
    await this.contractStep(contractId, repair, context, `reconcile#${attempt}`, context.commandId);
  }

  /**
   * Records the rejection or completion, then gives back to the contract what the campaign did not
   * spend. A retry under the same Idempotency-Key replays the first step and finishes the second.
   */
  private async recordThenRelease(
    campaignId: string,
    intent: CampaignIntent<'RejectCampaign' | 'CompleteCampaign'>,
    context: WriteContext,
  ): Promise<WriteResult> {
    const result = await this.executor.execute(this.campaignStep(campaignId, intent, context));
    const events = await this.store.readStream(campaignStreamId(campaignId));
    const campaign = fold(
      campaignDecider,
      events.map((event) => toDomainEvent<CampaignEvent>(event)),
    );
    const closing = events
      .filter((event) => event.metadata.commandId === context.commandId)
      .map((event) => ({ eventId: event.eventId, event: toDomainEvent<CampaignEvent>(event) }))
      .find(({ event }) => event.type === 'CampaignRejected' || event.type === 'CampaignCompleted');
    if (closing === undefined || campaign.status === 'None') return result;
    const { event } = closing;
    const amountMinor =
      event.type === 'CampaignRejected'
        ? event.data.budgetMinor
        : event.type === 'CampaignCompleted'
          ? event.data.unspentMinor
          : '0';
    if (BigInt(amountMinor) === 0n) return result;
    const { contractId } = campaign;
    const release = await givingBack(() =>
      this.contractStep(
        contractId,
        { type: 'ReleaseCampaignBudget', data: { contractId, campaignId, amountMinor } },
        context,
        'release',
        closing.eventId,
      ),
    );
    // X-Event-Position must cover everything the command wrote, so a reader that waits for it also
    // sees the released budget on the contract.
    const later =
      release.position !== undefined && (result.position === undefined || release.position > result.position);
    return later ? { ...result, position: release.position } : result;
  }

  private campaignStep(campaignId: string, intent: Intent<CampaignCommand>, context: WriteContext): CampaignExecution {
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
    intent: Intent<ContractCommand>,
    context: WriteContext,
    step: string,
    causationId: string,
  ): Promise<WriteResult> {
    return this.commandBus.execute(
      new ExecuteContractCommand(contractId, intent, {
        actor: CAMPAIGN_PROCESS,
        commandId: stepCommandId(context, step),
        idempotencyKey: undefined,
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
