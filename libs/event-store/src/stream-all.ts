import { START, type EventStore, type RecordedEvent, type StreamAllOptions } from './event-store';

export const STREAM_ALL_BATCH_SIZE = 1_000;

/**
 * The log from `from` (exclusive) to `through` (inclusive, capped at the head when the read begins),
 * in batches: through the adapter's streamAll when it has one, otherwise with readAll page by page.
 */
export async function* streamAllOf(
  store: EventStore,
  options: StreamAllOptions = {},
): AsyncGenerator<readonly RecordedEvent[]> {
  if (store.streamAll !== undefined) {
    yield* store.streamAll(options);
    return;
  }
  const head = await store.headPosition();
  const through = options.through !== undefined && options.through < head ? options.through : head;
  const batchSize = options.batchSize ?? STREAM_ALL_BATCH_SIZE;
  let from = options.from ?? START;
  while (from < through) {
    const page = await store.readAll({
      from,
      maxCount: batchSize,
      ...(options.filter ? { filter: options.filter } : {}),
    });
    const last = page[page.length - 1];
    const within =
      last !== undefined && last.position > through ? page.filter((event) => event.position <= through) : page;
    if (within.length > 0) yield within;
    if (last === undefined || page.length < batchSize || within.length < page.length) return;
    from = last.position;
  }
}
