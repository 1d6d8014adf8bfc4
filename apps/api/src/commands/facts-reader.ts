import { Inject, Injectable } from '@nestjs/common';
import {
  PLATFORM_POLICY_STREAM,
  advertiserDecider,
  advertiserStanding,
  advertiserStreamId,
  categoryApprovalDecider,
  categoryApprovalStreamId,
  categoryStanding,
  contractDecider,
  contractStanding,
  contractStreamId,
  fold,
  linkPolicyOf,
  platformPolicyDecider,
  type AdvertiserStanding,
  type CategoryStanding,
  type ContractStanding,
  type Command,
  type Decider,
  type Event,
  type LinkPolicy,
} from '#domain';
import type { EventStore } from '#event-store';
import { EVENT_STORE } from '../infrastructure/tokens';
import { toDomainEvent } from './command-executor';

/**
 * Cross-aggregate facts for decisions, folded from the event store itself: a read model may lag,
 * and a decision taken on a stale "approved" would be a compliance incident.
 */
@Injectable()
export class FactsReader {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async state<E extends Event, S>(decider: Decider<Command, E, S, unknown>, streamId: string): Promise<S> {
    return (await this.stateWithRevision(decider, streamId))[0];
  }

  /** The folded state and the stream's revision (undefined when the stream does not exist), for ETags. */
  async stateWithRevision<E extends Event, S>(
    decider: Decider<Command, E, S, unknown>,
    streamId: string,
  ): Promise<[S, bigint | undefined]> {
    const events = await this.store.readStream(streamId);
    return [
      fold(
        decider,
        events.map((event) => toDomainEvent<E>(event)),
      ),
      events[events.length - 1]?.revision,
    ];
  }

  async advertiser(advertiserId: string): Promise<AdvertiserStanding> {
    return advertiserStanding(await this.state(advertiserDecider, advertiserStreamId(advertiserId)), advertiserId);
  }

  async linkPolicy(): Promise<LinkPolicy> {
    return linkPolicyOf(await this.state(platformPolicyDecider, PLATFORM_POLICY_STREAM));
  }

  async category(advertiserId: string, category: string, now: string): Promise<CategoryStanding> {
    const state = await this.state(categoryApprovalDecider, categoryApprovalStreamId(advertiserId, category));
    return categoryStanding(state, now, { advertiserId, category });
  }

  /** Always names `contractId`, so a decision about a contract that does not exist sees status None, not a bug. */
  async contract(contractId: string): Promise<ContractStanding> {
    return { ...contractStanding(await this.state(contractDecider, contractStreamId(contractId))), contractId };
  }

  categoriesFor(advertiserId: string, categories: readonly string[], now: string): Promise<CategoryStanding[]> {
    return Promise.all(categories.map((category) => this.category(advertiserId, category, now)));
  }
}
