import { performance } from 'node:perf_hooks';
import { campaignDecider, contractDecider, fold, type CampaignEvent, type ContractEvent, type Recorded } from '#domain';

/*
 * How long folding one stream takes as it grows: a contract with N campaign allocations (and as
 * many releases), and a campaign with N spend reports. Linear folds take ~10x as long for 10x the
 * events; a fold that copies its maps per event takes ~100x.
 */

const actor = { userId: 'bench', roles: ['service' as const] };
const recordedAt = '2026-01-01T00:00:00.000Z';
const rec = <E extends ContractEvent | CampaignEvent>(event: E): Recorded<E> => ({
  ...event,
  metadata: { actor, recordedAt },
});

const contractHistory = (campaigns: number): Recorded<ContractEvent>[] => {
  const contractId = 'k';
  const history: Recorded<ContractEvent>[] = [
    rec({
      type: 'ContractDrafted',
      data: {
        contractId,
        advertiserId: 'a',
        channel: 'direct',
        currency: 'CNY',
        totalValueMinor: '100000000000',
        startsOn: '2026-01-01',
        endsOn: '2026-12-31',
        categories: ['beauty'],
        platforms: ['taobao'],
      },
    }),
  ];
  for (let n = 0; n < campaigns; n++) {
    history.push(
      rec({ type: 'CampaignBudgetAllocated', data: { contractId, campaignId: `c${n}`, amountMinor: '100' } }),
    );
  }
  for (let n = 0; n < campaigns; n += 2) {
    history.push(
      rec({ type: 'CampaignBudgetReleased', data: { contractId, campaignId: `c${n}`, amountMinor: '100' } }),
    );
  }
  return history;
};

const campaignHistory = (reports: number): Recorded<CampaignEvent>[] => {
  const campaignId = 'c';
  const history: Recorded<CampaignEvent>[] = [
    rec({
      type: 'CampaignCreated',
      data: {
        campaignId,
        contractId: 'k',
        advertiserId: 'a',
        category: 'beauty',
        budgetMinor: '100000000',
        startsAt: recordedAt,
        endsAt: '2026-12-31T00:00:00.000Z',
        adLabel: 'Ad',
      },
    }),
    rec({ type: 'CampaignLaunched', data: { campaignId } }),
  ];
  for (let n = 0; n < reports; n++) {
    history.push(
      rec({
        type: 'CampaignSpendReported',
        data: {
          campaignId,
          batchId: `b${n}`,
          amountMinor: '1',
          periodStart: recordedAt,
          periodEnd: '2026-01-01T01:00:00.000Z',
          billableMinor: '1',
          overdeliveredMinor: '0',
        },
      }),
    );
  }
  return history;
};

/** Median milliseconds of `runs` folds, after one unmeasured fold. */
const timeFold = (run: () => unknown, runs: number): number => {
  run();
  const samples: number[] = [];
  for (let n = 0; n < runs; n++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
};

const sizes = [1_000, 10_000, 100_000];
console.log('stream                     events    median fold ms   µs/event');
for (const size of sizes) {
  const contract = contractHistory(size);
  const ms = timeFold(() => fold(contractDecider, contract), 9);
  console.log(
    `contract, ${String(size).padStart(6)} campaigns ${String(contract.length).padStart(8)} ${ms.toFixed(2).padStart(16)} ${((ms * 1000) / contract.length).toFixed(3).padStart(10)}`,
  );
}
for (const size of sizes) {
  const campaign = campaignHistory(size);
  const ms = timeFold(() => fold(campaignDecider, campaign), 9);
  console.log(
    `campaign, ${String(size).padStart(6)} reports   ${String(campaign.length).padStart(8)} ${ms.toFixed(2).padStart(16)} ${((ms * 1000) / campaign.length).toFixed(3).padStart(10)}`,
  );
}
