/**
 * The value stored under `key` in `record` itself, or undefined. Records here are keyed by user-chosen
 * slugs and ids, so a platform called `constructor` or `toString` must not find Object.prototype's.
 */
export const ownValue = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;
