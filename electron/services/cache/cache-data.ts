import { nowIso, type Db } from '../db/database.ts';

/**
 * Seed 000's cache_data (migration 027): cached values that must survive a restart, each with an
 * expiry; an expired row is a miss and is purged in the background. Values are bytes (a vector)
 * or JSON text; a namespace per kind of value.
 */
export function createCacheData(db: Db, options: { now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    async get(namespace: string, key: string): Promise<Uint8Array | null> {
      const row = await db.selectFrom('cache_data').select(['value', 'expires_at']).where('namespace', '=', namespace).where('key', '=', key).executeTakeFirst();
      if (!row || row.expires_at <= iso(now())) return null;
      return row.value;
    },
    async set(namespace: string, key: string, value: Uint8Array, ttlMs: number): Promise<void> {
      await db
        .insertInto('cache_data')
        .values({ namespace, key, value, created_at: nowIso(), expires_at: iso(now() + ttlMs) })
        .onConflict((oc) => oc.columns(['namespace', 'key']).doUpdateSet({ value, created_at: nowIso(), expires_at: iso(now() + ttlMs) }))
        .execute();
    },
    /** Removes every expired row; returns how many. */
    async purgeExpired(): Promise<number> {
      const result = await db.deleteFrom('cache_data').where('expires_at', '<=', iso(now())).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async clear(namespace?: string): Promise<void> {
      let query = db.deleteFrom('cache_data');
      if (namespace !== undefined) query = query.where('namespace', '=', namespace);
      await query.execute();
    },
  };
}

export type CacheData = ReturnType<typeof createCacheData>;
