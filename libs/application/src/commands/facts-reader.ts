import { Injectable } from '@nestjs/common';
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
import { StreamCache } from './stream-cache';

/**
 * Cross-aggregate facts for decisions, folded from the event store itself: a read model may lag,
 * and a decision taken on a stale "approved" would be a compliance incident. Each fact is the
 * cached fold brought up to the store's head (one read of the newer events), never the cache alone:
 * no append checks another aggregate's revision.
 */
@Injectable()
export class FactsReader {
  constructor(private readonly cache: StreamCache) {}

  async state<E extends Event, S>(decider: Decider<Command, E, S, unknown>, streamId: string): Promise<S> {
    return (await this.stateWithRevision(decider, streamId))[0];
  }

  /** The folded state and the stream's revision (undefined when the stream does not exist), for ETags. */
  async stateWithRevision<E extends Event, S>(
    decider: Decider<Command, E, S, unknown>,
    streamId: string,
  ): Promise<[S, bigint | undefined]> {
    const { state, revision } = await this.cache.refresh(decider, streamId);
    return [state, revision];
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
