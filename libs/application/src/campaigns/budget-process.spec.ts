import {
  campaignDecider,
  contractDecider,
  fold,
  type Actor,
  type Campaign,
  type CampaignCommand,
  type CampaignEvent,
  type Contract,
  type ContractEvent,
  type Event,
  type Recorded,
} from '#domain';
import type { Intent } from '../commands/command-executor';
import { budgetProcess, type BudgetCommand } from './budget-process';

const CAMPAIGN = 'cp1';
const CONTRACT = 'ct1';
const OTHER_CONTRACT = 'ct2';
const sam: Actor = { userId: 'sam', roles: ['sales'] };
const process: Actor = { userId: 'campaign-process', roles: ['service'] };
const AT = '2026-03-01T10:00:00.000Z';

const recorded = <E extends Event>(event: E, by: Actor = sam): Recorded<E> =>
  ({ ...event, metadata: { actor: by, recordedAt: AT } }) as Recorded<E>;

const campaignData = (budgetMinor: string, contractId = CONTRACT) => ({
  campaignId: CAMPAIGN,
  contractId,
  advertiserId: 'adv1',
  category: 'skincare',
  budgetMinor,
  startsAt: '2026-03-01T00:00:00.000Z',
  endsAt: '2026-04-01T00:00:00.000Z',
  adLabel: 'Ad',
});
const created = (budgetMinor = '300000', contractId = CONTRACT) =>
  recorded<CampaignEvent>({ type: 'CampaignCreated', data: campaignData(budgetMinor, contractId) });
const budgetChanged = (previousBudgetMinor: string, budgetMinor: string) =>
  recorded<CampaignEvent>({
    type: 'CampaignBudgetChanged',
    data: { campaignId: CAMPAIGN, budgetMinor, previousBudgetMinor },
  });

const contractEvents = (...events: ContractEvent[]): Recorded<ContractEvent>[] => [
  recorded({
    type: 'ContractDrafted',
    data: {
      contractId: CONTRACT,
      advertiserId: 'adv1',
      channel: 'direct',
      currency: 'EUR',
      totalValueMinor: '1000000',
      startsOn: '2026-01-01',
      endsOn: '2026-12-31',
      categories: ['skincare'],
      platforms: ['taobao'],
    },
  }),
  ...events.map((event) => recorded(event, process)),
];
const allocated = (amountMinor: string): ContractEvent => ({
  type: 'CampaignBudgetAllocated',
  data: { contractId: CONTRACT, campaignId: CAMPAIGN, amountMinor },
});
const released = (amountMinor: string): ContractEvent => ({
  type: 'CampaignBudgetReleased',
  data: { contractId: CONTRACT, campaignId: CAMPAIGN, amountMinor },
});

/** given the campaign's (and the contract's) history / when a command or recorded events / then budget commands. */
const given = (campaignHistory: Recorded<CampaignEvent>[], contractHistory: Recorded<ContractEvent>[] = []) => {
  const campaign: Campaign = fold(campaignDecider, campaignHistory);
  const contract: Contract = fold(contractDecider, contractHistory);
  const then = (issued: BudgetCommand | undefined) => ({
    then: (expected: BudgetCommand | undefined) => expect(issued).toEqual(expected),
  });
  return {
    whenCommand: (intent: Intent<CampaignCommand>) => then(budgetProcess.toTake(CAMPAIGN, intent, campaign)),
    whenRecorded: (events: CampaignEvent[]) => then(budgetProcess.toGiveBack(CAMPAIGN, CONTRACT, events)),
    whenAStepFailed: (contractId = CONTRACT) => then(budgetProcess.toRepair(CAMPAIGN, contractId, campaign, contract)),
  };
};

describe('campaign budget process', () => {
  describe('takes budget before the campaign records it', () => {
    it('allocates the whole budget for a new campaign', () =>
      given([])
        .whenCommand({ type: 'CreateCampaign', data: campaignData('250000') })
        .then({
          type: 'AllocateCampaignBudget',
          data: { contractId: CONTRACT, campaignId: CAMPAIGN, amountMinor: '250000' },
        }));

    it('sets what the campaign holds to its new budget, on the contract the campaign names', () =>
      given([created('300000')])
        .whenCommand({ type: 'ChangeCampaignBudget', data: { campaignId: CAMPAIGN, budgetMinor: '450000' } })
        .then({
          type: 'AdjustCampaignBudget',
          data: { contractId: CONTRACT, campaignId: CAMPAIGN, budgetMinor: '450000' },
        }));

    it('moves nothing for a budget change of a campaign that does not exist (its decider refuses it)', () =>
      given([])
        .whenCommand({ type: 'ChangeCampaignBudget', data: { campaignId: CAMPAIGN, budgetMinor: '450000' } })
        .then(undefined));

    it('moves nothing for commands that do not change the budget', () =>
      given([created()])
        .whenCommand({ type: 'LaunchCampaign', data: { campaignId: CAMPAIGN } })
        .then(undefined));
  });

  describe('gives budget back after the campaign recorded it', () => {
    it('releases the whole budget of a rejected campaign', () =>
      given([created('300000')])
        .whenRecorded([
          { type: 'CampaignRejected', data: { campaignId: CAMPAIGN, reason: 'no', budgetMinor: '300000' } },
        ])
        .then({
          type: 'ReleaseCampaignBudget',
          data: { contractId: CONTRACT, campaignId: CAMPAIGN, amountMinor: '300000' },
        }));

    it('releases what a completed campaign did not spend', () =>
      given([created('300000')])
        .whenRecorded([
          { type: 'CampaignCompleted', data: { campaignId: CAMPAIGN, spentMinor: '120000', unspentMinor: '180000' } },
        ])
        .then({
          type: 'ReleaseCampaignBudget',
          data: { contractId: CONTRACT, campaignId: CAMPAIGN, amountMinor: '180000' },
        }));

    it('releases nothing when a completed campaign spent its whole budget', () =>
      given([created('300000')])
        .whenRecorded([
          { type: 'CampaignCompleted', data: { campaignId: CAMPAIGN, spentMinor: '300000', unspentMinor: '0' } },
        ])
        .then(undefined));

    it('releases nothing for events that keep the budget', () =>
      given([created()])
        .whenRecorded([{ type: 'CampaignLaunched', data: { campaignId: CAMPAIGN } }])
        .then(undefined));
  });

  describe('repairs the contract after a failed step', () => {
    it('gives back a take whose campaign was never recorded', () =>
      given([], contractEvents(allocated('300000')))
        .whenAStepFailed()
        .then({
          type: 'ReleaseCampaignBudget',
          data: { contractId: CONTRACT, campaignId: CAMPAIGN, amountMinor: '300000' },
        }));

    it('brings a raise the campaign did not record back to the recorded budget', () =>
      given([created('300000')], contractEvents(allocated('300000'), allocated('150000')))
        .whenAStepFailed()
        .then({
          type: 'AdjustCampaignBudget',
          data: { contractId: CONTRACT, campaignId: CAMPAIGN, budgetMinor: '300000' },
        }));

    it('keeps a take the campaign did record, even though the step reported a failure', () =>
      given(
        [created('300000'), budgetChanged('300000', '450000')],
        contractEvents(allocated('300000'), allocated('150000')),
      )
        .whenAStepFailed()
        .then(undefined));

    it('restores budget the campaign recorded but the contract no longer holds', () =>
      given([created('300000')], contractEvents(allocated('300000'), released('300000')))
        .whenAStepFailed()
        .then({
          type: 'AdjustCampaignBudget',
          data: { contractId: CONTRACT, campaignId: CAMPAIGN, budgetMinor: '300000' },
        }));

    it('owes a contract nothing for a campaign recorded under another contract (the same id raced there)', () =>
      given([created('300000', OTHER_CONTRACT)], contractEvents(allocated('300000')))
        .whenAStepFailed()
        .then({
          type: 'ReleaseCampaignBudget',
          data: { contractId: CONTRACT, campaignId: CAMPAIGN, amountMinor: '300000' },
        }));
  });
});
