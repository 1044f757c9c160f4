/**
 * A bounded in-memory cache: least recently used entries go first, and an entry older than its
 * time to live is a miss. Counts hits and misses, so a benchmark or a test can see it pay.
 */
export function createLruCache<V>(options: { capacity: number; ttlMs: number; now?: () => number }) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: V; expiresAt: number }>();
  const stats = { hits: 0, misses: 0 };
  return {
    get(key: string): V | undefined {
      const entry = entries.get(key);
      if (!entry || entry.expiresAt <= now()) {
        if (entry) entries.delete(key);
        stats.misses++;
        return undefined;
      }
      // Most recently used last: the first key is the one to drop.
      entries.delete(key);
      entries.set(key, entry);
      stats.hits++;
      return entry.value;
    },
    set(key: string, value: V): void {
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + options.ttlMs });
      while (entries.size > options.capacity) entries.delete(entries.keys().next().value!);
    },
    clear(): void {
      entries.clear();
    },
    stats: () => ({ ...stats, size: entries.size }),
  };
}

export type LruCache<V> = ReturnType<typeof createLruCache<V>>;
