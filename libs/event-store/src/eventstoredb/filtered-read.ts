import {
  EVENT_TYPE,
  STREAM_NAME,
  type EventStoreDBClient,
  type Filter,
  type ReadPosition,
} from '@eventstore/db-client';
import type { AllStreamResolvedEvent, StreamingRead } from '@eventstore/db-client';
import { ReadStream } from '@eventstore/db-client/dist/streams/utils/ReadStream';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils/convertGrpcEvent';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ReadReq, type ReadResp } from '@eventstore/db-client/generated/streams_pb';
import type { ClientReadableStream, Metadata, CallOptions } from '@grpc/grpc-js';

/**
 * The parts of the client (6.2.1, pinned) that run a call over its own channel, so that discovery,
 * reconnection and NotLeader handling apply to this call as to its own. They are protected in the
 * typings, hence this view.
 */
interface ClientInternals {
  GRPCStreamCreator(
    client: typeof StreamsClient,
    debugName: string,
    creator: (client: StreamsClient) => ClientReadableStream<ReadResp>,
  ): () => Promise<ClientReadableStream<ReadResp>>;
  callArguments(options: object, callOptions?: Partial<CallOptions>): [Metadata, Partial<CallOptions>];
}

export interface FilteredReadOptions {
  readonly backwards: boolean;
  readonly fromPosition: ReadPosition;
  /** Matching events to return at most. */
  readonly maxCount: number;
  readonly filter: Filter;
}

/**
 * Reads $all with a server-side filter. The server has filtered $all reads (the same ReadReq
 * filter options as subscriptions), but client 6.2.1's readAll always sends "no filter", which
 * would make the adapter fetch every event of the log and drop the unwanted ones itself. This
 * builds the request the client would build, with the filter set, and runs it through the client.
 */
export const readAllFiltered = (
  client: EventStoreDBClient,
  { backwards, fromPosition, maxCount, filter }: FilteredReadOptions,
): StreamingRead<AllStreamResolvedEvent> => {
  const all = new ReadReq.Options.AllOptions();
  if (fromPosition === 'start') all.setStart(new Empty());
  else if (fromPosition === 'end') all.setEnd(new Empty());
  else {
    all.setPosition(
      new ReadReq.Options.Position()
        .setCommitPosition(fromPosition.commit.toString())
        .setPreparePosition(fromPosition.prepare.toString()),
    );
  }
  const expression = new ReadReq.Options.FilterOptions.Expression();
  if ('regex' in filter) expression.setRegex(filter.regex);
  if ('prefixes' in filter) expression.setPrefixList(filter.prefixes);
  const filterOptions = new ReadReq.Options.FilterOptions()
    .setCount(new Empty())
    .setCheckpointintervalmultiplier(filter.checkpointInterval);
  if (filter.filterOn === STREAM_NAME) filterOptions.setStreamIdentifier(expression);
  else if (filter.filterOn === EVENT_TYPE) filterOptions.setEventType(expression);
  const options = new ReadReq.Options()
    .setAll(all)
    .setReadDirection(backwards ? ReadReq.Options.ReadDirection.BACKWARDS : ReadReq.Options.ReadDirection.FORWARDS)
    .setResolveLinks(false)
    .setCount(maxCount.toString(10))
    .setUuidOption(new ReadReq.Options.UUIDOption().setString(new Empty()))
    .setFilter(filterOptions);
  const request = new ReadReq().setOptions(options);
  const internals = client as unknown as ClientInternals;
  const create = internals.GRPCStreamCreator(StreamsClient, 'readAll', (grpc) =>
    grpc.read(request, ...internals.callArguments({}, { deadline: Infinity })),
  );
  return new ReadStream(create, convertGrpcEvent, {}) as unknown as StreamingRead<AllStreamResolvedEvent>;
};
