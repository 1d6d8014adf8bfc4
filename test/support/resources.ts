/**
 * What a test file opened and has not closed yet. A `beforeAll` that times out leaves its start
 * running; if it later succeeds, nobody holds the handle. cleanup.ts (run after every file's own
 * hooks) waits for such starts and closes what is still open, so no database or server outlives its file.
 */
const starting = new Set<Promise<unknown>>();
const open = new Set<() => Promise<void>>();

/** Registers a start in progress, so cleanup can wait for it. */
export const starts = <T>(start: Promise<T>): Promise<T> => {
  starting.add(start);
  void start.then(
    () => starting.delete(start),
    () => starting.delete(start),
  );
  return start;
};

/** Registers a close; the returned function closes once, however often it is called. */
export const closes = (close: () => Promise<void>): (() => Promise<void>) => {
  let closing: Promise<void> | undefined;
  const once = () => {
    open.delete(once);
    closing ??= close();
    return closing;
  };
  open.add(once);
  return once;
};

export const closeEverything = async (): Promise<void> => {
  await Promise.allSettled([...starting]);
  const failures: unknown[] = [];
  for (const close of [...open].reverse()) await close().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw new AggregateError(failures, 'closing what a test file left open failed');
};
