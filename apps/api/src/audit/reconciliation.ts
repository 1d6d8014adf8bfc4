import { Inject, Injectable } from '@nestjs/common';
import { toDomainEvent } from '#application';
import {
  campaignDecider,
  campaignStreamId,
  contractDecider,
  contractStreamId,
  epochMs,
  fold,
  type CampaignEvent,
  type ContractEvent,
} from '#domain';
import type { EventStore, RecordedEvent } from '#event-store';
import { ProblemException } from '../http/problem';
import { EVENT_STORE } from '../infrastructure/tokens';
import { actorOf, recordedAtOf } from './audit-event';

/** Inclusive bounds on the spend periods, as given (UTC instants) and in epoch milliseconds. */
export interface SpendWindow {
  readonly from?: { readonly text: string; readonly ms: number };
  readonly to?: { readonly text: string; readonly ms: number };
}

export interface ValueChange {
  readonly type: string;
  /** The terms version it set (1 until an amendment is approved). */
  readonly version: number;
  readonly totalValueMinor: string;
  readonly recordedAt: string | null;
  readonly actor: string | null;
  readonly position: string;
}

export interface SpendBatch {
  readonly batchId: string;
  /** What ad serving delivered: billableMinor + overdeliveredMinor. */
  readonly amountMinor: string;
  /** Within the campaign's budget. A report recorded before spend was split is billable in full. */
  readonly billableMinor: string;
  /** Beyond the budget: recorded, never billed. */
  readonly overdeliveredMinor: string;
  /** Recorded after the campaign had stopped serving (paused, suspended by policy or completed). */
  readonly lateRecorded: boolean;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly recordedAt: string | null;
  readonly position: string;
}

export interface CampaignReconciliation {
  readonly campaignId: string;
  /** Null when no campaign of this contract was recorded under the id (a creation that lost a race). */
  readonly status: string | null;
  readonly grossAllocatedMinor: string;
  readonly releasedMinor: string;
  /** Allocated net of releases: what the campaign holds on the contract. */
  readonly allocatedMinor: string;
  /** Billable spend reported for periods inside the window. */
  readonly spentMinor: string;
  /** Overdelivery (beyond the budget, not billable) reported for periods inside the window. */
  readonly overdeliveredMinor: string;
  /** Of the spend (billable and overdelivered) inside the window, what was recorded late. */
  readonly lateRecordedMinor: string;
  /** Spend (billable and overdelivered) reported for periods outside the window, or straddling one of its bounds. */
  readonly spentOutsideWindowMinor: string;
  /** allocatedMinor - spentMinor */
  readonly varianceMinor: string;
  readonly spend: SpendBatch[];
}

export interface PeriodSpend {
  readonly periodStart: string;
  readonly periodEnd: string;
  /** Billable. */
  readonly spentMinor: string;
  readonly overdeliveredMinor: string;
  readonly lateRecordedMinor: string;
  readonly campaigns: number;
}

export interface Reconciliation {
  readonly contractId: string;
  readonly advertiserId: string;
  readonly status: string;
  readonly currency: string;
  readonly window: { readonly from: string | null; readonly to: string | null };
  /** The latest position among the events this answer was computed from. */
  readonly position: string;
  readonly contractValueMinor: string;
  /** The draft's value, each revision of it before approval, and each approved amendment. */
  readonly valueHistory: ValueChange[];
  readonly grossAllocatedMinor: string;
  readonly releasedMinor: string;
  readonly allocatedMinor: string;
  /** Billable spend inside the window: never more than the campaigns' budgets. */
  readonly spentMinor: string;
  readonly overdeliveredMinor: string;
  readonly lateRecordedMinor: string;
  readonly spentOutsideWindowMinor: string;
  readonly campaigns: CampaignReconciliation[];
  /** Spend inside the window grouped by reported period, across campaigns, in period order. */
  readonly periods: PeriodSpend[];
  readonly variance: {
    /** allocatedMinor - spentMinor: budget held but not (yet) reported as spent in the window. */
    readonly allocatedMinusSpentMinor: string;
    /** contractValueMinor - allocatedMinor: contract value not held by any campaign. */
    readonly valueMinusAllocatedMinor: string;
  };
}

const sum = (amounts: Iterable<bigint>): bigint => {
  let total = 0n;
  for (const amount of amounts) total += amount;
  return total;
};

const amountOf = (event: RecordedEvent): bigint => BigInt(String(event.data.amountMinor));

/** Whether a campaign event starts (true) or stops (false) serving; undefined when it does neither. */
const SERVING_AFTER: Readonly<Record<string, boolean>> = {
  CampaignLaunched: true,
  CampaignResumed: true,
  CampaignPaused: false,
  CampaignSuspendedByPolicy: false,
  CampaignCompleted: false,
};

/**
 * The campaign's spend reports in stream order, each marked late when the campaign had stopped
 * serving before it was recorded (a report and the pause it triggers are recorded in that order).
 */
const spendOf = (events: readonly RecordedEvent[]): SpendBatch[] => {
  const spend: SpendBatch[] = [];
  let serving = false;
  for (const event of events) {
    serving = SERVING_AFTER[event.type] ?? serving;
    if (event.type !== 'CampaignSpendReported') continue;
    const { data } = event;
    const amountMinor = String(data.amountMinor);
    spend.push({
      batchId: String(data.batchId),
      amountMinor,
      // Reports recorded before spend was split carry neither part and were billable in full.
      billableMinor: data.billableMinor === undefined ? amountMinor : String(data.billableMinor),
      overdeliveredMinor: data.overdeliveredMinor === undefined ? '0' : String(data.overdeliveredMinor),
      lateRecorded: !serving,
      periodStart: String(data.periodStart),
      periodEnd: String(data.periodEnd),
      recordedAt: recordedAtOf(event),
      position: event.position.toString(),
    });
  }
  return spend;
};

const totals = (batches: readonly SpendBatch[]) => ({
  billable: sum(batches.map((batch) => BigInt(batch.billableMinor))),
  overdelivered: sum(batches.map((batch) => BigInt(batch.overdeliveredMinor))),
  late: sum(batches.filter((batch) => batch.lateRecorded).map((batch) => BigInt(batch.amountMinor))),
  amount: sum(batches.map((batch) => BigInt(batch.amountMinor))),
});

/** Contract streams name their campaigns in the allocations; a handful are read at a time. */
const CAMPAIGN_READS_AT_ONCE = 8;

@Injectable()
export class ReconciliationService {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async reconcile(contractId: string, window: SpendWindow): Promise<Reconciliation> {
    const contractEvents = await this.store.readStream(contractStreamId(contractId));
    if (contractEvents.length === 0) throw new ProblemException(404, 'CONTRACT_NOT_FOUND', `no contract ${contractId}`);
    const contract = fold(
      contractDecider,
      contractEvents.map((event) => toDomainEvent<ContractEvent>(event)),
    );
    if (contract.status === 'None') throw new ProblemException(404, 'CONTRACT_NOT_FOUND', `no contract ${contractId}`);

    const allocated = new Map<string, bigint>();
    const released = new Map<string, bigint>();
    const valueHistory: ValueChange[] = [];
    let version = 1;
    for (const event of contractEvents) {
      const { data } = event;
      if (event.type === 'CampaignBudgetAllocated' || event.type === 'CampaignBudgetReleased') {
        const totals = event.type === 'CampaignBudgetAllocated' ? allocated : released;
        const campaignId = String(data.campaignId);
        totals.set(campaignId, (totals.get(campaignId) ?? 0n) + amountOf(event));
        if (!allocated.has(campaignId)) allocated.set(campaignId, 0n);
        continue;
      }
      if (event.type === 'ContractAmendmentApproved') version = Number(data.version);
      const valueSetting = ['ContractDrafted', 'ContractDraftRevised', 'ContractAmendmentApproved'].includes(
        event.type,
      );
      if (valueSetting && typeof data.totalValueMinor === 'string') {
        valueHistory.push({
          type: event.type,
          version,
          totalValueMinor: data.totalValueMinor,
          recordedAt: recordedAtOf(event),
          actor: actorOf(event),
          position: event.position.toString(),
        });
      }
    }

    const campaignIds = [...allocated.keys()];
    const campaignStreams: RecordedEvent[][] = [];
    for (let start = 0; start < campaignIds.length; start += CAMPAIGN_READS_AT_ONCE) {
      campaignStreams.push(
        ...(await Promise.all(
          campaignIds
            .slice(start, start + CAMPAIGN_READS_AT_ONCE)
            .map((campaignId) => this.store.readStream(campaignStreamId(campaignId))),
        )),
      );
    }

    // The campaign decider only records periods that are UTC instants; anything else counts as outside.
    const inWindow = (batch: SpendBatch): boolean =>
      (epochMs(batch.periodStart) ?? NaN) >= (window.from?.ms ?? -Infinity) &&
      (epochMs(batch.periodEnd) ?? NaN) <= (window.to?.ms ?? Infinity);
    const campaigns = campaignIds.map((campaignId, index): CampaignReconciliation => {
      const events = campaignStreams[index]!;
      // The same id may name a campaign recorded under another contract: its spend is not ours.
      const ours = events[0]?.type === 'CampaignCreated' && events[0].data.contractId === contractId;
      const spend = ours ? spendOf(events) : [];
      const inside = totals(spend.filter(inWindow));
      const outside = totals(spend.filter((batch) => !inWindow(batch)));
      const held = allocated.get(campaignId)! - (released.get(campaignId) ?? 0n);
      return {
        campaignId,
        status: ours
          ? fold(
              campaignDecider,
              events.map((event) => toDomainEvent<CampaignEvent>(event)),
            ).status
          : null,
        grossAllocatedMinor: allocated.get(campaignId)!.toString(),
        releasedMinor: (released.get(campaignId) ?? 0n).toString(),
        allocatedMinor: held.toString(),
        spentMinor: inside.billable.toString(),
        overdeliveredMinor: inside.overdelivered.toString(),
        lateRecordedMinor: inside.late.toString(),
        spentOutsideWindowMinor: outside.amount.toString(),
        varianceMinor: (held - inside.billable).toString(),
        spend,
      };
    });

    const periods = new Map<
      string,
      { periodStart: string; periodEnd: string; batches: SpendBatch[]; campaigns: Set<string> }
    >();
    for (const campaign of campaigns) {
      for (const batch of campaign.spend.filter(inWindow)) {
        const key = `${batch.periodStart}/${batch.periodEnd}`;
        const period = periods.get(key) ?? {
          periodStart: batch.periodStart,
          periodEnd: batch.periodEnd,
          batches: [],
          campaigns: new Set<string>(),
        };
        period.batches.push(batch);
        period.campaigns.add(campaign.campaignId);
        periods.set(key, period);
      }
    }

    const value = BigInt(contract.terms.totalValueMinor);
    const held = sum(campaigns.map((campaign) => BigInt(campaign.allocatedMinor)));
    const spent = sum(campaigns.map((campaign) => BigInt(campaign.spentMinor)));
    const latest = [contractEvents, ...campaignStreams]
      .flat()
      .reduce((max, event) => (event.position > max ? event.position : max), 0n);
    return {
      contractId,
      advertiserId: contract.advertiserId,
      status: contract.status,
      currency: contract.terms.currency,
      window: { from: window.from?.text ?? null, to: window.to?.text ?? null },
      position: latest.toString(),
      contractValueMinor: value.toString(),
      valueHistory,
      grossAllocatedMinor: sum(allocated.values()).toString(),
      releasedMinor: sum(released.values()).toString(),
      allocatedMinor: held.toString(),
      spentMinor: spent.toString(),
      overdeliveredMinor: sum(campaigns.map((campaign) => BigInt(campaign.overdeliveredMinor))).toString(),
      lateRecordedMinor: sum(campaigns.map((campaign) => BigInt(campaign.lateRecordedMinor))).toString(),
      spentOutsideWindowMinor: sum(campaigns.map((campaign) => BigInt(campaign.spentOutsideWindowMinor))).toString(),
      campaigns,
      periods: [...periods.values()]
        .sort(
          (a, b) =>
            (epochMs(a.periodStart) ?? 0) - (epochMs(b.periodStart) ?? 0) ||
            (epochMs(a.periodEnd) ?? 0) - (epochMs(b.periodEnd) ?? 0),
        )
        .map((period) => {
          const spent = totals(period.batches);
          return {
            periodStart: period.periodStart,
            periodEnd: period.periodEnd,
            spentMinor: spent.billable.toString(),
            overdeliveredMinor: spent.overdelivered.toString(),
            lateRecordedMinor: spent.late.toString(),
            campaigns: period.campaigns.size,
          };
        }),
      variance: {
        allocatedMinusSpentMinor: (held - spent).toString(),
        valueMinusAllocatedMinor: (value - held).toString(),
      },
    };
  }
}
