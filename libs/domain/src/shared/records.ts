/**
 * The value stored under `key` in `record` itself, or undefined. Records here are keyed by user-chosen
 * slugs and ids, so a platform called `constructor` or `toString` must not find Object.prototype's.
 */
export const ownValue = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/**
 * Stores `value` under `key` in a record a fold owns, in place. Defined rather than assigned, so a
 * key such as `__proto__` becomes an own entry instead of replacing the record's prototype.
 */
export const putOwn = <V>(record: Readonly<Record<string, V>>, key: string, value: V): void => {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
};

/** Removes `key` from a record a fold owns, in place. */
export const dropOwn = <V>(record: Readonly<Record<string, V>>, key: string): void => {
  if (Object.hasOwn(record, key)) delete (record as Record<string, V>)[key];
};
