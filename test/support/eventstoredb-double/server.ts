/**
 * TEST DOUBLE — not EventStoreDB. An in-memory gRPC server that speaks the protocol of an
 * EventStoreDB node as @eventstore/db-client 6.2.1 uses it, built on the generated stubs the client
 * ships. It checks the adapter against our reading of the server's documented semantics, not
 * against the server itself; README.md in this folder lists what it implements and what it does not.
 * Dev and test only: production code never imports it.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as ProtoEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { GossipService } from '@eventstore/db-client/generated/gossip_grpc_pb';
import { ClusterInfo, EndPoint, MemberInfo } from '@eventstore/db-client/generated/gossip_pb';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import * as shared from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  DeleteReq,
  DeleteResp,
  ReadReq,
  ReadResp,
  TombstoneReq,
  TombstoneResp,
} from '@eventstore/db-client/generated/streams_pb';
import { DoubleLog, sizeOnDisk, type AppendOutcome, type Expected, type ProposedEvent, type StoredEvent } from './log';

/** EventStoreDB's default --max-append-size. */
export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;
/** The server's default filter search window when the client sends none. */
const DEFAULT_SEARCH_WINDOW = 32;

export type DoubleFault = 'access-denied' | 'unavailable' | 'not-leader' | 'timeout' | 'unknown';
export type DoubleOperation = 'append' | 'read-stream' | 'read-all' | 'subscribe';

export interface DoubleStats {
  /** Events written into read and subscription responses: what reached the client over the wire. */
  eventsSent: number;
  /** Write calls that reached the node, whatever their outcome. */
  writeRequests: number;
  /** Writes this node applied to the log. */
  appends: number;
  /** Read calls (streams and $all), refused ones included. */
  reads: number;
  /** Subscription calls, refused ones included. */
  subscriptions: number;
}

interface Fault {
  readonly fault: DoubleFault;
  remaining: number;
}

type ServiceError = Partial<grpc.StatusObject>;

const metadataOf = (entries: Record<string, string>): grpc.Metadata => {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) metadata.set(key, value);
  return metadata;
};

const rpcError = (code: grpc.status, details: string, trailers: Record<string, string> = {}): ServiceError => ({
  code,
  details,
  metadata: metadataOf(trailers),
});

/** Status codes and trailers as the server's RpcExceptions send them. */
const errors = {
  accessDenied: () => rpcError(grpc.status.PERMISSION_DENIED, 'Access Denied', { exception: 'access-denied' }),
  notReady: () => rpcError(grpc.status.UNAVAILABLE, 'Server Is Not Ready'),
  timeout: () => rpcError(grpc.status.ABORTED, 'Operation timed out'),
  unknown: () => rpcError(grpc.status.UNKNOWN, 'Unexpected error (double)'),
  notLeader: (leader: Endpoint) =>
    rpcError(grpc.status.NOT_FOUND, 'Leader info available', {
      exception: 'not-leader',
      'leader-endpoint-host': leader.host,
      'leader-endpoint-port': String(leader.port),
    }),
  streamDeleted: (streamName: string) =>
    rpcError(grpc.status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, {
      exception: 'stream-deleted',
      'stream-name': streamName,
    }),
  maxAppendSize: (max: number) =>
    rpcError(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${max} Exceeded.`, {
      exception: 'maximum-append-size-exceeded',
      'maximum-append-size': String(max),
    }),
  wrongExpectedVersion: (streamName: string, expected: Expected, actual: bigint | 'no_stream') =>
    rpcError(grpc.status.FAILED_PRECONDITION, `WrongExpectedVersion. Stream: ${streamName}`, {
      exception: 'wrong-expected-version',
      'stream-name': streamName,
      'expected-version': String(typeof expected === 'bigint' ? expected : expected === 'no_stream' ? -1 : -2),
      'actual-version': actual === 'no_stream' ? '' : String(actual),
    }),
  unimplemented: (what: string) => rpcError(grpc.status.UNIMPLEMENTED, `${what} is not implemented by the double`),
};

const packed = (code: Code, message: string, detail: { serializeBinary(): Uint8Array }, typeName: string): Status => {
  const details = new Any();
  details.pack(detail.serializeBinary(), `event_store.client.${typeName}`);
  return new Status().setCode(code).setMessage(message).setDetails(details);
};

const streamName = (identifier: shared.StreamIdentifier | undefined): string =>
  Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');

const identifierOf = (name: string): shared.StreamIdentifier =>
  new shared.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));

const uuidString = (uuid: shared.UUID | undefined): string => {
  if (uuid === undefined) return randomUUID();
  if (uuid.hasString()) return uuid.getString().toLowerCase();
  const structured = uuid.getStructured()!;
  const hex = (value: string): string => BigInt.asUintN(64, BigInt(value)).toString(16).padStart(16, '0');
  const all = hex(structured.getMostSignificantBits()) + hex(structured.getLeastSignificantBits());
  return `${all.slice(0, 8)}-${all.slice(8, 12)}-${all.slice(12, 16)}-${all.slice(16, 20)}-${all.slice(20)}`;
};

const proposed = (message: AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage): ProposedEvent => {
  const metadata = message.getMetadataMap();
  return {
    id: uuidString(message.getId()),
    type: metadata.get('type') ?? '',
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
};

const recorded = (event: StoredEvent): ReadResp.ReadEvent => {
  const record = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new shared.UUID().setString(event.id))
    .setStreamIdentifier(identifierOf(event.streamId))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.commit.toString())
    .setPreparePosition(event.prepare.toString())
    .setData(event.data)
    .setCustomMetadata(event.metadata);
  record
    .getMetadataMap()
    .set('type', event.type)
    .set('content-type', event.contentType)
    .set('created', event.createdTicks.toString());
  return new ReadResp.ReadEvent().setEvent(record).setCommitPosition(event.commit.toString());
};

interface LogFilter {
  readonly matches: (event: StoredEvent) => boolean;
  readonly checkpointEvery: number;
}

const filterOf = (options: ReadReq.Options): LogFilter | undefined => {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter()!;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier()! : filter.getEventType()!;
  const regex = expression.getRegex() === '' ? undefined : new RegExp(expression.getRegex());
  const prefixes = expression.getPrefixList();
  const field = (event: StoredEvent): string => (onStream ? event.streamId : event.type);
  const window = filter.hasMax() ? filter.getMax() : DEFAULT_SEARCH_WINDOW;
  return {
    matches: (event) =>
      regex !== undefined ? regex.test(field(event)) : prefixes.some((prefix) => field(event).startsWith(prefix)),
    checkpointEvery: Math.max(1, filter.getCheckpointintervalmultiplier() * window),
  };
};

const expectedOf = (
  options: AppendReq.Options | BatchAppendReq.Options | DeleteReq.Options | TombstoneReq.Options,
): Expected => {
  if (options.hasAny()) return 'any';
  if (options.hasNoStream()) return 'no_stream';
  if (options.hasStreamExists()) return 'stream_exists';
  return BigInt(options instanceof BatchAppendReq.Options ? options.getStreamPosition() : options.getRevision());
};

interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface EventStoreDbDoubleOptions {
  /** Another node's log, to form a cluster whose nodes see the same data. */
  readonly log?: DoubleLog;
  readonly maxAppendSize?: number;
  /** Whether the server advertises BatchAppend (servers from 21.10 do; the client then appends through it). */
  readonly batchAppend?: boolean;
}

/** One node of the double: a gRPC server on a free loopback port. */
export class EventStoreDbDouble {
  readonly stats: DoubleStats = { eventsSent: 0, writeRequests: 0, appends: 0, reads: 0, subscriptions: 0 };
  readonly log: DoubleLog;
  readonly maxAppendSize: number;
  private readonly batchAppend: boolean;
  private readonly server = new grpc.Server();
  private readonly faults = new Map<DoubleOperation, Fault>();
  private readonly openCalls = new Map<grpc.ServerWritableStream<ReadReq, ReadResp>, AbortController>();
  private endpointValue: Endpoint | undefined;
  /** Undefined while this node is the leader; otherwise where the leader is. */
  private leader: EventStoreDbDouble | undefined;
  private members: readonly EventStoreDbDouble[] = [this];

  private constructor(options: EventStoreDbDoubleOptions) {
    this.log = options.log ?? new DoubleLog();
    this.maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
    this.batchAppend = options.batchAppend ?? true;
    this.server.addService(StreamsService, {
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => void this.read(call),
      append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) =>
        this.append(call, callback),
      batchAppend: (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => this.batchAppendCall(call),
      delete: (call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>, callback: grpc.sendUnaryData<DeleteResp>) =>
        this.remove(call, callback, false),
      tombstone: (
        call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>,
        callback: grpc.sendUnaryData<TombstoneResp>,
      ) => this.remove(call, callback, true),
    });
    this.server.addService(ServerFeaturesService, {
      getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<SupportedMethods>) =>
        callback(null, this.supportedMethods()),
    });
    this.server.addService(GossipService, {
      read: (_call: unknown, callback: grpc.sendUnaryData<ClusterInfo>) => callback(null, this.clusterInfo()),
    });
  }

  static async start(options: EventStoreDbDoubleOptions = {}): Promise<EventStoreDbDouble> {
    const node = new EventStoreDbDouble(options);
    const port = await new Promise<number>((resolve, reject) =>
      node.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    node.endpointValue = { host: '127.0.0.1', port };
    return node;
  }

  get endpoint(): Endpoint {
    return this.endpointValue!;
  }

  /** A connection string for this single node (no TLS: the double speaks plain HTTP/2). */
  get connectionString(): string {
    return `esdb://${this.endpoint.host}:${this.endpoint.port}?tls=false`;
  }

  get isLeader(): boolean {
    return this.leader === undefined;
  }

  /** Makes the next `times` calls of an operation fail with the fault (Infinity: until cleared). */
  fail(operation: DoubleOperation, fault: DoubleFault, times = 1): void {
    this.faults.set(operation, { fault, remaining: times });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Ends every open read and subscription with UNAVAILABLE, as a node going away does. */
  dropConnections(): void {
    for (const [call, closed] of this.openCalls) {
      closed.abort();
      call.emit('error', errors.notReady());
    }
    this.openCalls.clear();
  }

  /** Joins nodes sharing one log into a cluster led by `leader` (gossip then reports them all). */
  static formCluster(nodes: readonly EventStoreDbDouble[], leader: EventStoreDbDouble): void {
    for (const node of nodes) {
      node.members = nodes;
      node.leader = node === leader ? undefined : leader;
    }
  }

  async stop(): Promise<void> {
    this.dropConnections();
    // Clients keep their BatchAppend call open for the next append; a graceful shutdown would wait for it.
    this.server.forceShutdown();
    await Promise.resolve();
  }

  private takeFault(operation: DoubleOperation): DoubleFault | undefined {
    const fault = this.faults.get(operation);
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.delete(operation);
    return fault.fault;
  }

  private faultError(fault: DoubleFault): ServiceError {
    switch (fault) {
      case 'access-denied':
        return errors.accessDenied();
      case 'unavailable':
        return errors.notReady();
      case 'timeout':
        return errors.timeout();
      case 'unknown':
        return errors.unknown();
      case 'not-leader':
        return errors.notLeader(this.leader?.endpoint ?? this.endpoint);
    }
  }

  /** Writes on a follower: refused with the leader's address when the client requires the leader, else forwarded. */
  private notLeader(metadata: grpc.Metadata): ServiceError | undefined {
    if (this.leader === undefined) return undefined;
    return metadata.get('requires-leader')[0] === 'true' ? errors.notLeader(this.leader.endpoint) : undefined;
  }

  private supportedMethods(): SupportedMethods {
    const methods = ['Read', 'Append', 'Delete', 'Tombstone', ...(this.batchAppend ? ['BatchAppend'] : [])].map(
      (name) => new SupportedMethod().setServiceName('event_store.client.streams.Streams').setMethodName(name),
    );
    return new SupportedMethods().setMethodsList(methods).setEventStoreServerVersion('24.10.0-double');
  }

  private clusterInfo(): ClusterInfo {
    return new ClusterInfo().setMembersList(
      this.members.map((node) =>
        new MemberInfo()
          .setInstanceId(new shared.UUID().setString(randomUUID()))
          .setTimeStamp(String(Date.now()))
          .setState(node.isLeader ? MemberInfo.VNodeState.LEADER : MemberInfo.VNodeState.FOLLOWER)
          .setIsAlive(true)
          .setHttpEndPoint(new EndPoint().setAddress(node.endpoint.host).setPort(node.endpoint.port)),
      ),
    );
  }

  // ---- reads and subscriptions -------------------------------------------------------------

  private async read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
    const options = call.request.getOptions();
    if (options === undefined) return void call.emit('error', rpcError(grpc.status.INVALID_ARGUMENT, 'no options'));
    const operation: DoubleOperation = options.hasSubscription()
      ? 'subscribe'
      : options.hasAll()
        ? 'read-all'
        : 'read-stream';
    if (operation === 'subscribe') this.stats.subscriptions += 1;
    else this.stats.reads += 1;
    const fault = this.takeFault(operation);
    if (fault !== undefined) return void call.emit('error', this.faultError(fault));
    if (options.hasStream() && options.hasSubscription()) {
      return void call.emit('error', errors.unimplemented('subscribing to one stream'));
    }
    const closed = new AbortController();
    this.openCalls.set(call, closed);
    call.on('cancelled', () => closed.abort());
    const send = async (response: ReadResp): Promise<boolean> => {
      if (closed.signal.aborted) return false;
      if (response.hasEvent()) this.stats.eventsSent += 1;
      if (!call.write(response)) await Promise.race([once(call, 'drain'), once(closed.signal, 'abort')]);
      return !closed.signal.aborted;
    };
    try {
      if (options.hasStream()) await this.readStream(options, send, call);
      else if (options.hasSubscription()) await this.subscribe(options, send, closed.signal);
      else await this.readAll(options, send);
      if (!closed.signal.aborted) call.end();
    } catch (error) {
      if (!closed.signal.aborted) call.emit('error', rpcError(grpc.status.INTERNAL, (error as Error).message));
    } finally {
      this.openCalls.delete(call);
    }
  }

  private async readStream(
    options: ReadReq.Options,
    send: (response: ReadResp) => Promise<boolean>,
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
  ): Promise<void> {
    const stream = options.getStream()!;
    const name = streamName(stream.getStreamIdentifier());
    const from = stream.hasRevision() ? BigInt(stream.getRevision()) : stream.hasEnd() ? 'end' : 'start';
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const outcome = this.log.readStream(name, from, backwards, BigInt(options.getCount() || '0'));
    if (outcome.kind === 'deleted') {
      call.emit('error', errors.streamDeleted(name));
      return;
    }
    if (outcome.kind === 'not-found') {
      await send(
        new ReadResp().setStreamNotFound(new ReadResp.StreamNotFound().setStreamIdentifier(identifierOf(name))),
      );
      return;
    }
    for (const event of outcome.events) if (!(await send(new ReadResp().setEvent(recorded(event))))) return;
  }

  /** Index in $all where a read or subscription starts. */
  private startIndex(all: ReadReq.Options.AllOptions): number {
    if (all.hasStart()) return 0;
    if (all.hasEnd()) return this.log.all.length;
    const position = all.getPosition()!;
    return this.log.indexAtOrAfter({
      commit: BigInt(position.getCommitPosition()),
      prepare: BigInt(position.getPreparePosition()),
    });
  }

  /**
   * $all from a position: forwards includes the event at the position, backwards returns the ones
   * before it. With a filter, `count` bounds the matching events and the server does the scanning.
   */
  private async readAll(options: ReadReq.Options, send: (response: ReadResp) => Promise<boolean>): Promise<void> {
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const filter = filterOf(options);
    let remaining = Number(BigInt(options.getCount() || '0') > 1_000_000n ? 1_000_000n : BigInt(options.getCount()));
    const all = this.log.all;
    let index = this.startIndex(options.getAll()!);
    if (backwards) index -= 1;
    while (remaining > 0 && index >= 0 && index < all.length) {
      const event = all[index]!;
      index += backwards ? -1 : 1;
      if (filter !== undefined && !filter.matches(event)) continue;
      remaining -= 1;
      if (!(await send(new ReadResp().setEvent(recorded(event))))) return;
    }
  }

  /**
   * A catch-up subscription to $all: confirmation, the events after the position (exclusive), a
   * caught-up marker, then live events as they are written, until the client cancels. A filtered
   * subscription also reports checkpoints while it scans.
   */
  private async subscribe(
    options: ReadReq.Options,
    send: (response: ReadResp) => Promise<boolean>,
    closed: AbortSignal,
  ): Promise<void> {
    const all = options.getAll()!;
    const filter = filterOf(options);
    let index = this.startIndex(all);
    if (all.hasPosition()) {
      const at = this.log.all[index];
      const position = all.getPosition()!;
      if (
        at !== undefined &&
        at.commit === BigInt(position.getCommitPosition()) &&
        at.prepare === BigInt(position.getPreparePosition())
      ) {
        index += 1;
      }
    }
    const confirmation = new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID());
    if (!(await send(new ReadResp().setConfirmation(confirmation)))) return;
    let wake: (() => void) | undefined;
    const unlisten = this.log.onWrite(() => wake?.());
    const onClose = (): void => wake?.();
    closed.addEventListener('abort', onClose);
    let caughtUp = false;
    let scanned = 0;
    try {
      while (!closed.aborted) {
        while (index < this.log.all.length) {
          const event = this.log.all[index]!;
          index += 1;
          scanned += 1;
          if (filter === undefined || filter.matches(event)) {
            if (!(await send(new ReadResp().setEvent(recorded(event))))) return;
          }
          if (filter !== undefined && scanned % filter.checkpointEvery === 0) {
            const checkpoint = new ReadResp.Checkpoint()
              .setCommitPosition(event.commit.toString())
              .setPreparePosition(event.prepare.toString());
            if (!(await send(new ReadResp().setCheckpoint(checkpoint)))) return;
          }
        }
        if (!caughtUp) {
          caughtUp = true;
          if (!(await send(new ReadResp().setCaughtUp(new ReadResp.CaughtUp())))) return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (closed.aborted || index < this.log.all.length) resolve();
        });
        wake = undefined;
      }
    } finally {
      unlisten();
      closed.removeEventListener('abort', onClose);
    }
  }

  // ---- writes --------------------------------------------------------------------------------

  private append(
    call: grpc.ServerReadableStream<AppendReq, AppendResp>,
    callback: grpc.sendUnaryData<AppendResp>,
  ): void {
    let options: AppendReq.Options | undefined;
    const events: ProposedEvent[] = [];
    let size = 0;
    let answered = false;
    this.stats.writeRequests += 1;
    const answer = (error: ServiceError | null, response?: AppendResp): void => {
      if (answered) return;
      answered = true;
      callback(error, response);
    };
    call.on('data', (request: AppendReq) => {
      if (request.hasOptions()) options = request.getOptions();
      if (!request.hasProposedMessage()) return;
      const event = proposed(request.getProposedMessage()!);
      size += sizeOnDisk(event);
      if (size > this.maxAppendSize) answer(errors.maxAppendSize(this.maxAppendSize));
      events.push(event);
    });
    call.on('end', () => {
      if (answered) return;
      if (options === undefined) return answer(rpcError(grpc.status.INVALID_ARGUMENT, 'no options'));
      const refusal = this.refuseWrite(call.metadata);
      if (refusal !== undefined) return answer(refusal);
      const name = streamName(options.getStreamIdentifier());
      const expected = expectedOf(options);
      const outcome = this.writeEvents(name, events, expected);
      switch (outcome.kind) {
        case 'stream-deleted':
          return answer(errors.streamDeleted(name));
        case 'wrong-expected-version': {
          const wrong = new AppendResp.WrongExpectedVersion();
          if (outcome.current === 'no_stream') wrong.setCurrentNoStream(new shared.Empty());
          else wrong.setCurrentRevision(outcome.current.toString());
          if (expected === 'any') wrong.setExpectedAny(new shared.Empty());
          else if (expected === 'no_stream') wrong.setExpectedNoStream(new shared.Empty());
          else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new shared.Empty());
          else wrong.setExpectedRevision(expected.toString());
          return answer(null, new AppendResp().setWrongExpectedVersion(wrong));
        }
        case 'idempotent':
          return answer(
            null,
            new AppendResp().setSuccess(
              new AppendResp.Success()
                .setCurrentRevision(outcome.revision.toString())
                .setNoPosition(new shared.Empty()),
            ),
          );
        case 'written': {
          const position = new AppendResp.Position()
            .setCommitPosition(outcome.last.commit.toString())
            .setPreparePosition(outcome.last.prepare.toString());
          return answer(
            null,
            new AppendResp().setSuccess(
              new AppendResp.Success().setCurrentRevision(outcome.last.revision.toString()).setPosition(position),
            ),
          );
        }
      }
    });
  }

  /** A fault or a follower's NotLeader that ends a write before it is looked at. */
  private refuseWrite(metadata: grpc.Metadata): ServiceError | undefined {
    const fault = this.takeFault('append');
    if (fault !== undefined) return this.faultError(fault);
    return this.notLeader(metadata);
  }

  private writeEvents(name: string, events: readonly ProposedEvent[], expected: Expected): AppendOutcome {
    this.stats.appends += 1;
    return this.log.append(name, events, expected);
  }

  /**
   * BatchAppend: requests carry a correlation id; a write may span several requests and ends with
   * is_final. Results and most failures come back in-band as google.rpc.Status details; NotLeader
   * and an unavailable node end the whole call.
   */
  private batchAppendCall(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    const pending = new Map<string, { options: BatchAppendReq.Options; events: ProposedEvent[]; size: number }>();
    call.on('data', (request: BatchAppendReq) => {
      const correlation = uuidString(request.getCorrelationId());
      if (request.hasOptions()) {
        this.stats.writeRequests += 1;
        pending.set(correlation, { options: request.getOptions()!, events: [], size: 0 });
      }
      const write = pending.get(correlation);
      if (write === undefined) return;
      const name = streamName(write.options.getStreamIdentifier());
      const reply = (response: BatchAppendResp): void => {
        call.write(response.setCorrelationId(request.getCorrelationId()).setStreamIdentifier(identifierOf(name)));
      };
      for (const message of request.getProposedMessagesList()) {
        const event = proposed(message);
        write.size += sizeOnDisk(event);
        write.events.push(event);
      }
      if (write.size > this.maxAppendSize) {
        pending.delete(correlation);
        const detail = new shared.MaximumAppendSizeExceeded().setMaxappendsize(this.maxAppendSize);
        reply(
          new BatchAppendResp().setError(
            packed(Code.INVALID_ARGUMENT, 'Maximum Append Size Exceeded', detail, 'MaximumAppendSizeExceeded'),
          ),
        );
        return;
      }
      if (!request.getIsFinal()) return;
      pending.delete(correlation);
      const fault = this.takeFault('append');
      const leader = this.notLeader(call.metadata);
      if (fault === 'unavailable' || fault === 'not-leader' || leader !== undefined) {
        call.emit('error', leader ?? this.faultError(fault!));
        return;
      }
      if (fault !== undefined) {
        reply(new BatchAppendResp().setError(this.inBandFault(fault)));
        return;
      }
      const expected = expectedOf(write.options);
      const outcome = this.writeEvents(name, write.events, expected);
      reply(this.batchResult(outcome, expected));
    });
    call.on('end', () => call.end());
  }

  private inBandFault(fault: Exclude<DoubleFault, 'unavailable' | 'not-leader'>): Status {
    switch (fault) {
      case 'access-denied':
        return packed(Code.PERMISSION_DENIED, 'Access Denied', new shared.AccessDenied(), 'AccessDenied');
      case 'timeout':
        return packed(Code.DEADLINE_EXCEEDED, 'Timeout', new shared.Timeout(), 'Timeout');
      case 'unknown':
        return packed(Code.UNKNOWN, 'Unknown', new shared.Unknown(), 'Unknown');
    }
  }

  private batchResult(outcome: AppendOutcome, expected: Expected): BatchAppendResp {
    switch (outcome.kind) {
      case 'stream-deleted':
        return new BatchAppendResp().setError(
          packed(Code.FAILED_PRECONDITION, 'Stream Deleted', new shared.StreamDeleted(), 'StreamDeleted'),
        );
      case 'wrong-expected-version': {
        const detail = new shared.WrongExpectedVersion();
        if (outcome.current === 'no_stream') detail.setCurrentNoStream(new ProtoEmpty());
        else detail.setCurrentStreamRevision(outcome.current.toString());
        if (expected === 'any') detail.setExpectedAny(new ProtoEmpty());
        else if (expected === 'no_stream') detail.setExpectedNoStream(new ProtoEmpty());
        else if (expected === 'stream_exists') detail.setExpectedStreamExists(new ProtoEmpty());
        else detail.setExpectedStreamPosition(expected.toString());
        return new BatchAppendResp().setError(
          packed(Code.FAILED_PRECONDITION, 'Wrong Expected Version', detail, 'WrongExpectedVersion'),
        );
      }
      case 'idempotent':
        return new BatchAppendResp().setSuccess(
          new BatchAppendResp.Success().setCurrentRevision(outcome.revision.toString()).setNoPosition(new ProtoEmpty()),
        );
      case 'written':
        return new BatchAppendResp().setSuccess(
          new BatchAppendResp.Success()
            .setCurrentRevision(outcome.last.revision.toString())
            .setPosition(
              new shared.AllStreamPosition()
                .setCommitPosition(outcome.last.commit.toString())
                .setPreparePosition(outcome.last.prepare.toString()),
            ),
        );
    }
  }

  private remove(
    call: grpc.ServerUnaryCall<DeleteReq | TombstoneReq, DeleteResp | TombstoneResp>,
    callback: grpc.sendUnaryData<DeleteResp | TombstoneResp>,
    hard: boolean,
  ): void {
    this.stats.writeRequests += 1;
    const refusal = this.refuseWrite(call.metadata);
    if (refusal !== undefined) return callback(refusal);
    const options = call.request.getOptions()!;
    const name = streamName(options.getStreamIdentifier());
    const expected = expectedOf(options);
    const outcome = hard ? this.log.tombstone(name, expected) : this.log.delete(name, expected);
    if (outcome.kind === 'stream-deleted') return callback(errors.streamDeleted(name));
    if (outcome.kind === 'wrong-expected-version') {
      return callback(errors.wrongExpectedVersion(name, expected, outcome.current));
    }
    if (outcome.kind !== 'written') return callback(errors.unknown());
    const commit = outcome.last.commit.toString();
    const prepare = outcome.last.prepare.toString();
    callback(
      null,
      hard
        ? new TombstoneResp().setPosition(
            new TombstoneResp.Position().setCommitPosition(commit).setPreparePosition(prepare),
          )
        : new DeleteResp().setPosition(new DeleteResp.Position().setCommitPosition(commit).setPreparePosition(prepare)),
    );
  }
}
