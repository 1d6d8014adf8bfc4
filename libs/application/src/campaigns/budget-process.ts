import {
  heldBy,
  type Campaign,
  type CampaignCommand,
  type CampaignEvent,
  type Contract,
  type ContractCommand,
  type Event,
} from '#domain';
import type { Intent } from '../commands/command-executor';

/** A command the budget process issues to the campaign's contract. */
export type BudgetCommand = Extract<
  Intent<ContractCommand>,
  { type: 'AllocateCampaignBudget' | 'AdjustCampaignBudget' | 'ReleaseCampaignBudget' }
>;

/**
 * The campaign budget process: what a campaign holds of its contract's value follows what the
 * campaign records. Allocations are contract events, so the contract stream's optimistic concurrency
 * is what keeps concurrent campaigns from overbooking it. Budget is taken before the campaign records
 * a change (creation, a raise) and given back after it (rejection, completion), so a failure in
 * between over-reserves until it is repaired but never overbooks. Pure: the handler reads the
 * streams and issues what these functions decide.
 */
export const budgetProcess = {
  /** Budget the contract must give before the campaign may record the command. */
  toTake(campaignId: string, intent: Intent<CampaignCommand>, campaign: Campaign): BudgetCommand | undefined {
    switch (intent.type) {
      case 'CreateCampaign':
        return {
          type: 'AllocateCampaignBudget',
          data: { contractId: intent.data.contractId, campaignId, amountMinor: intent.data.budgetMinor },
        };
      case 'ChangeCampaignBudget':
        // A campaign that does not exist is refused by its own decider before any budget moves.
        return campaign.status === 'None'
          ? undefined
          : {
              type: 'AdjustCampaignBudget',
              data: { contractId: campaign.contractId, campaignId, budgetMinor: intent.data.budgetMinor },
            };
      default:
        return undefined;
    }
  },

  /** Budget the contract gets back once the campaign has recorded these events: what it will not spend. */
  toGiveBack(campaignId: string, contractId: string, recorded: readonly Event[]): BudgetCommand | undefined {
    const closing = (recorded as readonly CampaignEvent[]).find(
      (event) => event.type === 'CampaignRejected' || event.type === 'CampaignCompleted',
    );
    const amountMinor =
      closing?.type === 'CampaignRejected'
        ? closing.data.budgetMinor
        : closing?.type === 'CampaignCompleted'
          ? closing.data.unspentMinor
          : '0';
    if (BigInt(amountMinor) === 0n) return undefined;
    return { type: 'ReleaseCampaignBudget', data: { contractId, campaignId, amountMinor } };
  },

  /**
   * After a failed step: what makes the contract hold for the campaign exactly the budget the
   * campaign recorded (nothing if it was never created, or was created under another contract).
   * It compares both streams rather than trusting the failed step to have recorded nothing: an
   * append can succeed and still report an error, and giving that budget back would overbook.
   */
  toRepair(campaignId: string, contractId: string, campaign: Campaign, contract: Contract): BudgetCommand | undefined {
    const held = contract.status === 'None' ? 0n : heldBy(contract, campaignId);
    const budget = campaign.status !== 'None' && campaign.contractId === contractId ? BigInt(campaign.budgetMinor) : 0n;
    if (held === budget) return undefined;
    const data = { contractId, campaignId };
    return budget === 0n
      ? { type: 'ReleaseCampaignBudget', data: { ...data, amountMinor: held.toString() } }
      : { type: 'AdjustCampaignBudget', data: { ...data, budgetMinor: budget.toString() } };
  },
};
