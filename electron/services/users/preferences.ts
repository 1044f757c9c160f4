import type { UserPreferences } from '../../../shared/contract/prompts.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';

const defaults: UserPreferences = { preferredModelId: null, temperature: null, maxTokens: null, useDocuments: true, language: null };

/**
 * Seed 003's user_llm_preferences: one row per user, written on the first change. Applied in the
 * main process when the user starts a chat session (sessions.start: explicit input > these > the
 * workspace's settings); the renderer preselects the preferred model and speaks the language.
 */
export function createPreferenceService(db: Db) {
  async function get(userId: number): Promise<UserPreferences> {
    const row = await db.selectFrom('user_preferences').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row ? { preferredModelId: row.preferred_model_id, temperature: row.temperature, maxTokens: row.max_tokens, useDocuments: row.use_documents === 1, language: row.language } : { ...defaults };
  }
  return {
    get,
    async update(userId: number, patch: Partial<UserPreferences>): Promise<UserPreferences> {
      const next = { ...(await get(userId)), ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) } as UserPreferences;
      // Checked before anything is written: a refused change saves none of its fields. A removed
      // model (kept only for the history of its answers) cannot be preferred either.
      if (patch.preferredModelId != null && !(await db.selectFrom('models').select('id').where('id', '=', patch.preferredModelId).where('removed_at', 'is', null).executeTakeFirst())) {
        throw new ApiError('NOT_FOUND', `Model ${patch.preferredModelId} does not exist.`, { entity: 'model', id: patch.preferredModelId, field: 'preferredModelId' });
      }
      const values = { preferred_model_id: next.preferredModelId, temperature: next.temperature, max_tokens: next.maxTokens, use_documents: next.useDocuments ? 1 : 0, language: next.language, updated_at: nowIso() };
      await db.insertInto('user_preferences').values({ user_id: userId, ...values }).onConflict((oc) => oc.column('user_id').doUpdateSet(values)).execute();
      return get(userId);
    },
  };
}
