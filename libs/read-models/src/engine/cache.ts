/** Least recently used entries up to `capacity`; Map keeps insertion order, so the first key is the oldest. */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key)!;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The entries one batch works on, over a cache that outlives the batch. Inside a batch nothing is
 * evicted, however many entries it touches; `keep` hands them to the cache for the next batch.
 * `null` records that a key is known to have no row. Only the projection's single active writer
 * may keep such a cache, and it must drop it after any batch that did not commit.
 */
export class WorkingSet<V> {
  private readonly entries = new Map<string, V | null>();

  constructor(private readonly cache: LruCache<V | null>) {}

  /** Whether the batch or the cache knows the key (present or known absent). */
  known(key: string): boolean {
    if (this.entries.has(key)) return true;
    if (!this.cache.has(key)) return false;
    this.entries.set(key, this.cache.get(key)!);
    return true;
  }

  /** The keys the shell has to read from the database. */
  unknown(keys: Iterable<string>): string[] {
    return [...new Set(keys)].filter((key) => !this.known(key));
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) return value ?? undefined;
    return this.known(key) ? (this.entries.get(key) ?? undefined) : undefined;
  }

  set(key: string, value: V | undefined): void {
    this.entries.set(key, value ?? null);
  }

  keep(): void {
    for (const [key, value] of this.entries) this.cache.set(key, value);
    this.entries.clear();
  }
}
