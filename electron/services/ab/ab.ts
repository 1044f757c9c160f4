import crypto from 'node:crypto';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { AbChoice, AbReveal, AbRound, AbTally } from '../../../shared/contract/ab.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { ChatService } from '../chat/chat-service.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { SessionService } from '../sessions/sessions.ts';
import type { VersionService } from '../versions/versions.ts';
import { versionRefs } from '../versions/version-refs.ts';

/**
 * Blind A/B between two versions of one base (issue 12): the same question answered by both on
 * the loaded base, shown as A and B in an order drawn at random, the identities revealed only
 * after the choice. Each answer is an ordinary log of a session of its version, so it can also
 * be judged 1/2/3 with a correction; the comparison keeps both logs and which version was A.
 */
export function createAbService(db: Db, deps: { chat: ChatService; sessions: SessionService; versions: Pick<VersionService, 'get'>; models: Pick<ModelRegistry, 'get'> }) {
  return {
    async ask(input: ParsedInput<'ab.ask'>, userId: number, onText: (requestId: string, text: string) => void): Promise<AbRound> {
      if (input.first === input.second) throw new ApiError('VALIDATION', 'Compare two different versions.', { field: 'second' });
      // Sessions check that each version belongs to this base and can run on it.
      const sessions = await Promise.all([input.first, input.second].map((versionId) => deps.sessions.start(userId, input.workspaceId, input.modelId, { versionId })));
      // Which version is shown as A is drawn here and told to nobody until the choice.
      const swap = crypto.randomInt(2) === 1;
      const [sideOfFirst, sideOfSecond] = swap ? (['b', 'a'] as const) : (['a', 'b'] as const);
      const request = (sessionId: number, side: 'a' | 'b') => ({ sessionId, userId, question: input.question, requestId: `${input.requestId}:${side}`, onText: (text: string) => onText(`${input.requestId}:${side}`, text) });
      // Both versions answer at once, each on a context of the loaded base with its own adapters;
      // the first version keeps the chat's context, so repeated rounds switch no context at all.
      const [firstLog, secondLog] = await deps.chat.askPair(request(sessions[0]!.id, sideOfFirst), request(sessions[1]!.id, sideOfSecond));
      const [sessionA, sessionB] = swap ? [sessions[1]!, sessions[0]!] : [sessions[0]!, sessions[1]!];
      const [a, b] = swap ? [secondLog, firstLog] : [firstLog, secondLog];
      const row = await db
        .insertInto('ab_comparisons')
        .values({ workspace_id: input.workspaceId, model_id: input.modelId, evaluator_id: userId, question: input.question, version_a: sessionA.versionId, version_b: sessionB.versionId, log_a: a.id, log_b: b.id, choice: null, created_at: nowIso(), decided_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { comparisonId: row.id, question: input.question, a, b };
    },

    async choose(comparisonId: number, choice: AbChoice, userId: number): Promise<AbReveal> {
      const row = await db.selectFrom('ab_comparisons').selectAll().where('id', '=', comparisonId).executeTakeFirst();
      // Another evaluator's comparison does not exist for this one: blind means blind.
      if (!row || row.evaluator_id !== userId) throw new ApiError('NOT_FOUND', `Comparison ${comparisonId} does not exist.`, { entity: 'comparison', id: comparisonId });
      if (row.choice !== null) throw new ApiError('CONFLICT', 'This comparison was already decided; a blind choice is made once.', { comparisonId });
      await db.updateTable('ab_comparisons').set({ choice, decided_at: nowIso() }).where('id', '=', comparisonId).execute();
      // Names, not labels: the screen says "base" in its reader's language.
      const refOf = versionRefs(db);
      return { comparisonId, choice, a: await refOf(row.model_id, row.version_a), b: await refOf(row.model_id, row.version_b) };
    },

    /** Per pair of versions: wins of each, ties and "both bad", over the decided comparisons. */
    async tally(workspaceId: number): Promise<AbTally[]> {
      const rows = await db.selectFrom('ab_comparisons').select(['model_id', 'version_a', 'version_b', 'choice']).where('workspace_id', '=', workspaceId).where('choice', 'is not', null).execute();
      const pairs = new Map<string, { modelId: number; first: number | null; second: number | null; firstWins: number; secondWins: number; ties: number; bothBad: number }>();
      // The base (null) sorts first, then versions by id: a pair is counted the same whichever side was A.
      const rank = (v: number | null) => (v === null ? -1 : v);
      for (const row of rows) {
        const [first, second] = rank(row.version_a) <= rank(row.version_b) ? [row.version_a, row.version_b] : [row.version_b, row.version_a];
        const key = `${row.model_id}:${first}:${second}`;
        const pair = pairs.get(key) ?? { modelId: row.model_id, first, second, firstWins: 0, secondWins: 0, ties: 0, bothBad: 0 };
        const winner = row.choice === 'a' ? row.version_a : row.choice === 'b' ? row.version_b : undefined;
        if (row.choice === 'tie') pair.ties++;
        else if (row.choice === 'both_bad') pair.bothBad++;
        else if (winner === first) pair.firstWins++;
        else pair.secondWins++;
        pairs.set(key, pair);
      }
      const refOf = versionRefs(db);
      return Promise.all(
        [...pairs.values()].map(async (pair) => ({
          first: await refOf(pair.modelId, pair.first),
          second: await refOf(pair.modelId, pair.second),
          firstWins: pair.firstWins,
          secondWins: pair.secondWins,
          ties: pair.ties,
          bothBad: pair.bothBad,
        })),
      );
    },
  };
}

export type AbService = ReturnType<typeof createAbService>;
