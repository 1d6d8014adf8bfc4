import type { ClientBase } from 'pg';
import type { EventStore, Migration, RecordedEvent } from '#event-store';
import type { DomainEvent } from '../engine/domain-events';
import { silentLogger, type BatchApplier, type Projection, type ProjectorLogger } from '../engine/projection';
import type { RowWrite } from '../engine/rows';
import {
  CASCADE_EVENTS,
  cascadeSubjectOf,
  causeOf,
  evolveCascadeCampaign,
  evolveCascadeContract,
  reactionCommandId,
  reactionsTo,
  undoes,
  type CascadeCampaign,
  type CascadeCommand,
  type CascadeContract,
  type Cause,
  type Reaction,
} from './cascade';

export const CASCADE_REACTOR = 'cascade_reactor';

/** Ids and causation for one compensating command. */
export interface ReactionContext {
  readonly commandId: string;
  readonly causationId: string;
  readonly correlationId: string;
  /** The causing event's stored trace context, if it has one: the command's span continues that trace. */
  readonly traceparent: unknown;
}

/**
 * How a command ended: recorded, found already in effect (a link already disabled, a campaign
 * already suspended or closed), or refused by another business rule. Failures that may pass
 * (store unavailable) are thrown instead, and the batch is retried.
 */
export type ReactionOutcome =
  | { readonly outcome: 'done' }
  | { readonly outcome: 'already-done'; readonly code: string }
  | { readonly outcome: 'refused'; readonly code: string; readonly detail: string };

/** Issues a cascade command through the application's command handlers. */
export type CascadeDispatcher = (command: CascadeCommand, context: ReactionContext) => Promise<ReactionOutcome>;

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'cascade state and reactions',
    sql: `
      CREATE TABLE cascade_contracts (
        contract_id text PRIMARY KEY,
        advertiser_id text NOT NULL,
        status text NOT NULL,
        enabled_links jsonb NOT NULL
      );
      CREATE INDEX ON cascade_contracts (advertiser_id);
      CREATE TABLE cascade_campaigns (
        campaign_id text PRIMARY KEY,
        contract_id text NOT NULL,
        advertiser_id text NOT NULL,
        category text NOT NULL,
        link_platform text,
        status text NOT NULL
      );
      CREATE INDEX ON cascade_campaigns (contract_id);
      CREATE INDEX ON cascade_campaigns (advertiser_id, category);
      CREATE INDEX ON cascade_campaigns (link_platform);
      CREATE TABLE cascade_reactions (
        command_id text PRIMARY KEY,
        cause_event_id text NOT NULL,
        cause_type text NOT NULL,
        cause_position numeric(40,0) NOT NULL,
        target_stream text NOT NULL,
        command_type text NOT NULL,
        outcome text NOT NULL,
        code text,
        decided_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ON cascade_reactions (cause_event_id);
    `,
  },
];

const domainEvent = (event: RecordedEvent): DomainEvent => ({ type: event.type, data: event.data }) as DomainEvent;

const contractOf = (row: Record<string, unknown>): CascadeContract => ({
  contractId: row.contract_id as string,
  advertiserId: row.advertiser_id as string,
  status: row.status as CascadeContract['status'],
  enabledLinks: row.enabled_links as CascadeContract['enabledLinks'],
});

const campaignOf = (row: Record<string, unknown>): CascadeCampaign => ({
  campaignId: row.campaign_id as string,
  contractId: row.contract_id as string,
  advertiserId: row.advertiser_id as string,
  category: row.category as string,
  linkPlatform: row.link_platform as string | null,
  status: row.status as CascadeCampaign['status'],
});

/** The contracts and campaigns one batch works on, written back once at the end of the batch. */
class CascadeState {
  private readonly contracts = new Map<string, CascadeContract | undefined>();
  private readonly campaigns = new Map<string, CascadeCampaign | undefined>();
  private readonly dirtyContracts = new Set<string>();
  private readonly dirtyCampaigns = new Set<string>();

  constructor(private readonly client: ClientBase) {}

  async prefetch(events: readonly DomainEvent[]): Promise<void> {
    const contracts = new Set<string>();
    const campaigns = new Set<string>();
    for (const event of events) {
      const subject = cascadeSubjectOf(event);
      if (subject?.kind === 'contract') contracts.add(subject.id);
      if (subject?.kind === 'campaign') campaigns.add(subject.id);
    }
    if (contracts.size + campaigns.size === 0) return;
    for (const id of contracts) this.contracts.set(id, undefined);
    for (const id of campaigns) this.campaigns.set(id, undefined);
    const { rows } = await this.client.query<{ kind: string; row: Record<string, unknown> }>(
      `SELECT 'contract' AS kind, to_jsonb(c) AS row FROM cascade_contracts c WHERE c.contract_id = ANY($1::text[])
       UNION ALL
       SELECT 'campaign', to_jsonb(m) FROM cascade_campaigns m WHERE m.campaign_id = ANY($2::text[])`,
      [[...contracts], [...campaigns]],
    );
    for (const { kind, row } of rows) {
      if (kind === 'contract') this.contracts.set(row.contract_id as string, contractOf(row));
      else this.campaigns.set(row.campaign_id as string, campaignOf(row));
    }
  }

  apply(event: DomainEvent): void {
    const subject = cascadeSubjectOf(event);
    if (subject?.kind === 'contract') {
      const next = evolveCascadeContract(this.contracts.get(subject.id), event);
      if (next !== this.contracts.get(subject.id)) {
        this.contracts.set(subject.id, next);
        this.dirtyContracts.add(subject.id);
      }
    } else if (subject?.kind === 'campaign') {
      const next = evolveCascadeCampaign(this.campaigns.get(subject.id), event);
      if (next !== this.campaigns.get(subject.id)) {
        this.campaigns.set(subject.id, next);
        this.dirtyCampaigns.add(subject.id);
      }
    }
  }

  /** The rows this batch changed, to be written once at its end. */
  changes(): RowWrite[] {
    const contracts = [...this.dirtyContracts].map((id) => this.contracts.get(id)).filter((c) => c !== undefined);
    const campaigns = [...this.dirtyCampaigns].map((id) => this.campaigns.get(id)).filter((c) => c !== undefined);
    return [
      {
        table: 'cascade_contracts',
        key: ['contract_id'],
        rows: contracts.map((contract) => ({
          contract_id: contract.contractId,
          advertiser_id: contract.advertiserId,
          status: contract.status,
          enabled_links: contract.enabledLinks,
        })),
      },
      {
        table: 'cascade_campaigns',
        key: ['campaign_id'],
        rows: campaigns.map((campaign) => ({
          campaign_id: campaign.campaignId,
          contract_id: campaign.contractId,
          advertiser_id: campaign.advertiserId,
          category: campaign.category,
          link_platform: campaign.linkPlatform,
          status: campaign.status,
        })),
      },
    ];
  }

  /**
   * Contracts and campaigns that may depend on the cause (a superset; reactionsTo decides): the
   * committed rows, overlaid with what this batch has folded so far. Nothing is written before the
   * commands go out, so the transaction does not hold back the event store's read horizon (which
   * a transaction does from its first write) while they run.
   */
  async candidates(cause: Cause): Promise<{ contracts: CascadeContract[]; campaigns: CascadeCampaign[] }> {
    const [contractWhere, campaignWhere, parameter] =
      cause.kind === 'category'
        ? ['advertiser_id = $1', 'advertiser_id = $1 AND category = $2', [cause.advertiserId, cause.category]]
        : cause.kind === 'platform'
          ? ['enabled_links ? $1', 'link_platform = $1', [cause.platform]]
          : cause.kind === 'advertiser'
            ? ['advertiser_id = $1', 'advertiser_id = $1', [cause.advertiserId]]
            : ['contract_id = $1', 'contract_id = $1', [cause.contractId]];
    const contracts = await this.client.query(`SELECT * FROM cascade_contracts WHERE ${contractWhere}`, [parameter[0]]);
    const campaigns = await this.client.query(`SELECT * FROM cascade_campaigns WHERE ${campaignWhere}`, parameter);
    const contractsById = new Map(contracts.rows.map((row) => [row.contract_id as string, contractOf(row)]));
    const campaignsById = new Map(campaigns.rows.map((row) => [row.campaign_id as string, campaignOf(row)]));
    for (const [id, contract] of this.contracts) if (contract !== undefined) contractsById.set(id, contract);
    for (const [id, campaign] of this.campaigns) if (campaign !== undefined) campaignsById.set(id, campaign);
    return { contracts: [...contractsById.values()], campaigns: [...campaignsById.values()] };
  }
}

interface Decided {
  readonly commandId: string;
  readonly reaction: Reaction;
  readonly outcome: 'done' | 'already-done' | 'refused' | 'superseded';
  readonly code: string | null;
}

export interface CascadeReactorOptions {
  readonly store: EventStore;
  readonly dispatch: CascadeDispatcher;
  readonly logger?: ProjectorLogger;
}

/**
 * The cascade on the projection runner: its state and its checkpoint move in one transaction, and
 * the commands it issues carry ids derived from the cause, so a batch replayed after a crash issues
 * each command again under the same id, which the command executor answers without recording twice.
 */
export const cascadeReactor = (options: CascadeReactorOptions): Projection => {
  const { store, dispatch } = options;
  const logger = options.logger ?? silentLogger;

  const alreadyRecorded = async (commandId: string, reaction: Reaction): Promise<boolean> =>
    (await store.readStream(reaction.targetStream)).some((event) => event.metadata.commandId === commandId);

  /** A link compliance enabled again after the cause is theirs to keep. */
  const linkReenabledSince = async (cause: RecordedEvent, reaction: Reaction): Promise<boolean> => {
    if (reaction.command.type !== 'DisableExternalLink') return false;
    const { platform } = reaction.command.data;
    return (await store.readStream(reaction.targetStream)).some(
      (event) =>
        event.type === 'ExternalLinkEnabled' && event.data.platform === platform && event.position > cause.position,
    );
  };

  const react = async (cause: RecordedEvent, reactions: readonly Reaction[]): Promise<Decided[]> => {
    const causeEvent = domainEvent(cause);
    const later = await store.readStream(cause.streamId, { fromRevision: cause.revision + 1n });
    const undone = later.some((event) => undoes(causeEvent, domainEvent(event)));
    const decided: Decided[] = [];
    for (const reaction of reactions) {
      const commandId = reactionCommandId(CASCADE_REACTOR, cause.eventId, reaction);
      if (undone || (await linkReenabledSince(cause, reaction))) {
        // Recorded before a crash, then the cause was withdrawn: it still happened.
        const done = await alreadyRecorded(commandId, reaction);
        decided.push({ commandId, reaction, outcome: done ? 'done' : 'superseded', code: null });
        continue;
      }
      const correlationId =
        typeof cause.metadata.correlationId === 'string' ? cause.metadata.correlationId : cause.eventId;
      const result = await dispatch(reaction.command, {
        commandId,
        causationId: cause.eventId,
        correlationId,
        traceparent: cause.metadata.traceparent,
      });
      if (result.outcome === 'refused') {
        logger.warn(
          `${CASCADE_REACTOR}: ${reaction.command.type} on ${reaction.targetStream} for ${cause.type} ${cause.eventId} was refused (${result.code}: ${result.detail})`,
        );
      }
      decided.push({
        commandId,
        reaction,
        outcome: result.outcome,
        code: result.outcome === 'done' ? null : result.code,
      });
    }
    return decided;
  };

  const apply: BatchApplier = async (client, recorded) => {
    const events = recorded.map(domainEvent);
    const state = new CascadeState(client);
    await state.prefetch(events);
    const decisions: Record<string, unknown>[] = [];
    for (const [index, event] of events.entries()) {
      const cause = causeOf(event);
      if (cause !== undefined) {
        const { contracts, campaigns } = await state.candidates(cause);
        const reactions = reactionsTo(cause, contracts, campaigns);
        const causing = recorded[index]!;
        for (const decision of reactions.length === 0 ? [] : await react(causing, reactions)) {
          decisions.push({
            command_id: decision.commandId,
            cause_event_id: causing.eventId,
            cause_type: causing.type,
            cause_position: causing.position.toString(),
            target_stream: decision.reaction.targetStream,
            command_type: decision.reaction.command.type,
            outcome: decision.outcome,
            code: decision.code,
          });
        }
      }
      state.apply(event);
    }
    return [...state.changes(), { table: 'cascade_reactions', key: ['command_id'], rows: decisions }];
  };

  return {
    name: CASCADE_REACTOR,
    version: 1,
    component: 'reactor:cascade',
    migrations: MIGRATIONS,
    events: CASCADE_EVENTS,
    tables: [
      { name: 'cascade_contracts', key: ['contract_id'] },
      { name: 'cascade_campaigns', key: ['campaign_id'] },
      { name: 'cascade_reactions', key: ['command_id'] },
    ],
    applier: () => apply,
  };
};
