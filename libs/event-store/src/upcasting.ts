import type {
  BatchHandler,
  EventStore,
  JsonObject,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAllOptions,
  SubscribeOptions,
  Subscription,
} from './event-store';

/**
 * Turns the data of one stored event type from `fromVersion` into `fromVersion + 1`. Pure and total:
 * it runs on every read of old events, forever, and must never throw on what was once valid. The
 * domain keeps its upcasters beside the events they evolve; this library only applies them.
 */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: JsonObject): JsonObject;
}

/** Events written before schemaVersion existed, or by hand without it, are version 1. */
const versionOf = (event: RecordedEvent): number => {
  const version = event.metadata.schemaVersion;
  return typeof version === 'number' && Number.isInteger(version) && version >= 1 ? version : 1;
};

/** The upcasters of every event type, chained by version: v1 -> v2 -> ... -> current. */
export class UpcasterRegistry {
  private readonly byType = new Map<string, Map<number, Upcaster>>();

  constructor(upcasters: readonly Upcaster[]) {
    for (const upcaster of upcasters) {
      const chain = this.byType.get(upcaster.type) ?? new Map<number, Upcaster>();
      if (chain.has(upcaster.fromVersion)) {
        throw new Error(`two upcasters for ${upcaster.type} version ${upcaster.fromVersion}`);
      }
      chain.set(upcaster.fromVersion, upcaster);
      this.byType.set(upcaster.type, chain);
    }
    for (const [type, chain] of this.byType) {
      for (let version = 1; version < this.currentVersion(type); version++) {
        if (!chain.has(version)) throw new Error(`${type} has no upcaster from version ${version}`);
      }
    }
  }

  /** The version writers stamp on new events of `type` (1 for a type never evolved). */
  currentVersion(type: string): number {
    const chain = this.byType.get(type);
    return chain === undefined ? 1 : Math.max(...chain.keys()) + 1;
  }

  /** The event in its type's current shape; the same object when it already is. */
  upcast(event: RecordedEvent): RecordedEvent {
    const chain = this.byType.get(event.type);
    if (chain === undefined) return event;
    let version = versionOf(event);
    let data = event.data;
    for (let step = chain.get(version); step !== undefined; step = chain.get(version)) {
      data = step.upcast(data);
      version++;
    }
    if (data === event.data) return event;
    // The metadata keeps the stored hash: it proves the stored form, which the audit reads as stored.
    return { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
  }
}

const upcastAll = (registry: UpcasterRegistry, events: readonly RecordedEvent[]): RecordedEvent[] => {
  let changed = false;
  const result = events.map((event) => {
    const upcast = registry.upcast(event);
    if (upcast !== event) changed = true;
    return upcast;
  });
  return changed ? result : (events as RecordedEvent[]);
};

/**
 * The event store as every consumer reads it (command handlers, facts, projections, rebuilds,
 * audit state-as-of): each read method returns events in their current shape, so no consumer
 * deals with old versions. Appends pass through untouched. `stored` is the store itself, for the
 * few readers that must see events exactly as written: the audit log, its export and the
 * hash-chain verification.
 */
export class UpcastingEventStore implements EventStore {
  readonly streamAll?: (options?: StreamAllOptions) => AsyncIterable<readonly RecordedEvent[]>;

  constructor(
    readonly stored: EventStore,
    readonly registry: UpcasterRegistry,
  ) {
    const streamAll = stored.streamAll?.bind(stored);
    if (streamAll !== undefined) {
      this.streamAll = async function* (options?: StreamAllOptions) {
        for await (const batch of streamAll(options)) yield upcastAll(registry, batch);
      };
    }
  }

  append: EventStore['append'] = (streamId, events, expectedRevision) =>
    this.stored.append(streamId, events, expectedRevision);

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return upcastAll(this.registry, await this.stored.readStream(streamId, options));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return upcastAll(this.registry, await this.stored.readAll(options));
  }

  subscribeToAll(options: SubscribeOptions, handler: BatchHandler): Subscription {
    return this.stored.subscribeToAll(options, (events) => handler(upcastAll(this.registry, events)));
  }

  readStreams?: EventStore['readStreams'] =
    this.stored.readStreams === undefined
      ? undefined
      : async (fromRevisions) => {
          const read = await this.stored.readStreams!(fromRevisions);
          return new Map([...read].map(([streamId, events]) => [streamId, upcastAll(this.registry, events)]));
        };

  findEvent?: EventStore['findEvent'] =
    this.stored.findEvent === undefined
      ? undefined
      : async (eventId) => {
          const event = await this.stored.findEvent!(eventId);
          return event === undefined ? undefined : this.registry.upcast(event);
        };

  // The audit's own reads (export rows, integrity scans, stream heads) are of the stored form by
  // definition: they pass through, as does what the store says about its own health.
  streamExportRows?: EventStore['streamExportRows'] = this.stored.streamExportRows?.bind(this.stored);
  integrityScan?: EventStore['integrityScan'] = this.stored.integrityScan?.bind(this.stored);
  streamHeads?: EventStore['streamHeads'] = this.stored.streamHeads?.bind(this.stored);
  permanentFailure?: EventStore['permanentFailure'] = this.stored.permanentFailure?.bind(this.stored);

  headPosition: EventStore['headPosition'] = () => this.stored.headPosition();

  close: EventStore['close'] = () => this.stored.close();
}

/** The store as written, beneath any upcasting: what the audit shows and the hash chain covers. */
export const storedFormOf = (store: EventStore): EventStore =>
  store instanceof UpcastingEventStore ? store.stored : store;
