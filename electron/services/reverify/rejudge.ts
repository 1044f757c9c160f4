import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { RejudgeItem } from '../../../shared/contract/reverify.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { Db } from '../db/database.ts';
import type { EvaluationService } from '../evaluation/evaluations.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { VersionService } from '../versions/versions.ts';
import { versionRefs } from '../versions/version-refs.ts';

/**
 * Re-judging a run side by side (issue 13): the earlier answer with its verdict, the expert's
 * correction and the new answer. Judging the new answer applies the loop's rules:
 * - a trained item (status 2) judged 1 on a version becomes verified (status 3) by that version;
 *   judging that answer otherwise later takes the verified state back;
 * - an item that was good before (verdict 1) and is judged 2 or 3 is a regression, linked to the
 *   earlier answer's version and to the run's. Regressions are read from the verdicts, so they
 *   can never disagree with them.
 */
export function createRejudgeService(db: Db, deps: { evaluations: EvaluationService; versions: Pick<VersionService, 'get'>; models: Pick<ModelRegistry, 'get'> }) {
  async function runRow(runId: number) {
    const run = await db.selectFrom('batch_runs').selectAll().where('id', '=', runId).executeTakeFirst();
    if (!run) throw new ApiError('NOT_FOUND', `Run ${runId} does not exist.`, { entity: 'run', id: runId });
    return run;
  }

  async function items(runId: number, userId: number, onlyItemId?: number): Promise<RejudgeItem[]> {
    const run = await runRow(runId);
    const suggestionSource = run.assist === 'judge' ? 'judge' : 'embedding';
    let query = db
      .selectFrom('batch_run_items as r')
      .innerJoin('question_set_items as q', 'q.id', 'r.item_id')
      .leftJoin('conversation_logs as now', 'now.id', 'r.log_id')
      .leftJoin('conversation_logs as before', 'before.id', 'q.source_log_id')
      .leftJoin('sessions as beforeSession', 'beforeSession.id', 'before.session_id')
      .leftJoin('evaluations as source', 'source.id', 'q.source_evaluation_id')
      .leftJoin('evaluations as mine', (join) => join.onRef('mine.log_id', '=', 'r.log_id').on('mine.evaluator_id', '=', userId))
      .select([
        'r.item_id',
        'r.position',
        'r.log_id',
        'r.suggested_verdict',
        'r.suggested_reason',
        'r.suggestion_score',
        'q.question',
        'q.expected_answer',
        'q.tags',
        'q.origin',
        'q.source_log_id',
        'q.source_verdict',
        'now.answer as nowAnswer',
        'now.stop_reason as nowStop',
        'before.answer as beforeAnswer',
        'before.model_id as beforeModel',
        'beforeSession.version_id as beforeVersion',
        'source.status as sourceStatus',
        'source.verified_log_id as verifiedLog',
        'mine.evaluation as myVerdict',
        'mine.reason as myReason',
        'mine.correct_answer as myCorrect',
        'mine.priority as myPriority',
      ])
      .where('r.run_id', '=', runId);
    if (onlyItemId !== undefined) query = query.where('r.item_id', '=', onlyItemId);
    const rows = await query.orderBy('r.position').execute();
    // Names looked up once per listing; the base alone has versionName null (labelled by the screen).
    const versionRef = versionRefs(db);
    return Promise.all(
      rows.map(async (row): Promise<RejudgeItem> => ({
        itemId: row.item_id,
        position: row.position,
        question: row.question,
        expectedAnswer: row.expected_answer,
        tags: JSON.parse(row.tags) as string[],
        origin: row.origin,
        earlier:
          row.source_log_id !== null && row.beforeAnswer !== null
            ? { ...(await versionRef(row.beforeModel!, row.beforeVersion ?? null)), logId: row.source_log_id, answer: row.beforeAnswer, verdict: row.source_verdict, status: row.sourceStatus ?? null }
            : null,
        current: row.log_id !== null ? { logId: row.log_id, answer: row.nowAnswer ?? '', stopReason: row.nowStop! } : null,
        judged: row.myVerdict ? { evaluation: row.myVerdict, reason: row.myReason ?? null, correctAnswer: row.myCorrect ?? null, priority: row.myPriority ?? null } : null,
        suggestion: row.suggested_verdict !== null ? { source: suggestionSource, verdict: row.suggested_verdict, reason: row.suggested_reason, score: row.suggestion_score } : null,
        verified: row.log_id !== null && row.verifiedLog === row.log_id,
        regression: row.source_verdict === 1 && (row.myVerdict === 2 || row.myVerdict === 3),
      })),
    );
  }

  return {
    items,

    async save(input: ParsedInput<'rejudge.save'>, userId: number): Promise<RejudgeItem> {
      await runRow(input.runId);
      const item = await db
        .selectFrom('batch_run_items as r')
        .innerJoin('question_set_items as q', 'q.id', 'r.item_id')
        .select(['r.log_id', 'q.source_evaluation_id'])
        .where('r.run_id', '=', input.runId)
        .where('r.item_id', '=', input.itemId)
        .executeTakeFirst();
      if (!item) throw new ApiError('NOT_FOUND', `Question ${input.itemId} is not part of run ${input.runId}.`, { entity: 'runItem', id: input.itemId });
      if (item.log_id === null) throw new ApiError('CONFLICT', 'This question has not been answered in this run yet; resume the run first.', { reason: 'not_answered' });
      await deps.evaluations.save({ logId: item.log_id, evaluation: input.evaluation, reason: input.reason ?? null, correctAnswer: input.correctAnswer ?? null, priority: input.priority ?? null, memo: input.memo ?? null }, userId);
      if (item.source_evaluation_id !== null) {
        const run = await runRow(input.runId);
        const newLog = item.log_id;
        await db.transaction().execute(async (trx) => {
          if (input.evaluation === 1 && run.version_id !== null) {
            // Only a trained item is verified; the version that answered it well is recorded.
            await trx.updateTable('evaluations').set({ status: 3, verified_version_id: run.version_id, verified_log_id: newLog }).where('id', '=', item.source_evaluation_id!).where('status', '=', 2).execute();
          } else {
            // This answer no longer verifies the item: back to trained.
            await trx.updateTable('evaluations').set({ status: 2, verified_version_id: null, verified_log_id: null }).where('id', '=', item.source_evaluation_id!).where('verified_log_id', '=', newLog).execute();
          }
        });
      }
      return (await items(input.runId, userId, input.itemId))[0]!;
    },
  };
}

export type RejudgeService = ReturnType<typeof createRejudgeService>;
