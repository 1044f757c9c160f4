import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { Evaluation } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';

/** Blank text is "not given": a correct answer of only spaces must never become a training target. */
function text(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value;
}

export function createEvaluationService(db: Db) {
  return {
    /**
     * Saves the evaluator's verdict on a log (one per log and evaluator; saving again updates it).
     * Seed 001: reason, correct answer and priority belong to verdicts 2 and 3. A 2 or 3 without a
     * correct answer is a draft verdict: kept, but never exported as a training target.
     */
    async save(input: ParsedInput<'evaluations.save'>, evaluatorId: number): Promise<Evaluation> {
      const reason = text(input.reason);
      const correctAnswer = text(input.correctAnswer);
      const priority = input.priority ?? null;
      if (input.evaluation === 1 && (reason !== null || correctAnswer !== null || priority !== null)) {
        throw new ApiError('VALIDATION', 'A reason, correct answer or priority can only be given for verdicts 2 (insufficient) and 3 (wrong).', {
          field: reason !== null ? 'reason' : correctAnswer !== null ? 'correctAnswer' : 'priority',
        });
      }
      const log = await db.selectFrom('conversation_logs').select(['id', 'stop_reason']).where('id', '=', input.logId).executeTakeFirst();
      if (!log) throw new ApiError('NOT_FOUND', `Log ${input.logId} does not exist, so it cannot be evaluated.`, { entity: 'log', id: input.logId });
      if (log.stop_reason === 'answering') throw new ApiError('CONFLICT', 'The model is still answering; judge the answer once it is complete.', { logId: input.logId });
      const now = nowIso();
      const fields = { evaluation: input.evaluation, reason, correct_answer: correctAnswer, priority, memo: text(input.memo), updated_at: now };
      const row = await db
        .insertInto('evaluations')
        .values({ ...fields, log_id: input.logId, evaluator_id: evaluatorId, status: 1, trained_dataset_id: null, created_at: now })
        .onConflict((oc) => oc.columns(['log_id', 'evaluator_id']).doUpdateSet(fields))
        .returningAll()
        .executeTakeFirstOrThrow();
      return fromRow('evaluations', row);
    },
  };
}

export type EvaluationService = ReturnType<typeof createEvaluationService>;
