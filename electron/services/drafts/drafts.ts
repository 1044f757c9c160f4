import type { Draft } from '../../../shared/contract/entities.ts';
import { nowIso, type Db } from '../db/database.ts';

/**
 * Whatever a person is typing (a question, a correction) is saved here as they type, keyed by
 * what it belongs to (`question:<session>`, `evaluation:<log>`), so a crash or a closed window
 * never loses it. The row is removed only when the real record is saved.
 */
export function createDraftService(db: Db) {
  return {
    async get(userId: number, key: string): Promise<Draft | null> {
      const row = await db.selectFrom('drafts').selectAll().where('user_id', '=', userId).where('draft_key', '=', key).executeTakeFirst();
      return row ? { key: row.draft_key, value: JSON.parse(row.value) as unknown, updatedAt: row.updated_at } : null;
    },
    async save(userId: number, key: string, value: unknown): Promise<Draft> {
      const updatedAt = nowIso();
      const json = JSON.stringify(value ?? null);
      await db
        .insertInto('drafts')
        .values({ user_id: userId, draft_key: key, value: json, updated_at: updatedAt })
        .onConflict((oc) => oc.columns(['user_id', 'draft_key']).doUpdateSet({ value: json, updated_at: updatedAt }))
        .execute();
      return { key, value: value ?? null, updatedAt };
    },
    async discard(userId: number, key: string): Promise<{ discarded: boolean }> {
      const result = await db.deleteFrom('drafts').where('user_id', '=', userId).where('draft_key', '=', key).executeTakeFirst();
      return { discarded: Number(result.numDeletedRows) > 0 };
    },
  };
}

export type DraftService = ReturnType<typeof createDraftService>;
