import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { Verdict } from '../../../shared/contract/entities.ts';
import type { Adjudication, AgreementReport, QueueEntry, ReviewQueue } from '../../../shared/contract/reviews.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { cohenKappa, krippendorffAlpha } from '../../../shared/agreement.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { LogService } from '../logs/logs.ts';

/** Blank text is "not given", as for evaluations. */
const text = (value: string | null | undefined) => (value === undefined || value === null || value.trim() === '' ? null : value);

/**
 * Several evaluators per answer (issue 14): review queues assign each answer to N evaluators,
 * agreement is measured over the verdicts they saved (Krippendorff's alpha, ordinal, with
 * missing verdicts; Cohen's kappa per pair), and a manager settles disputed answers.
 */
export function createReviewService(db: Db, logs: Pick<LogService, 'matching'>) {
  async function queueRow(id: number) {
    const row = await db.selectFrom('review_queues').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Review queue ${id} does not exist.`, { entity: 'review_queue', id });
    return row;
  }

  async function toQueue(row: Awaited<ReturnType<typeof queueRow>>): Promise<ReviewQueue> {
    const progress = await db
      .selectFrom('review_assignments as a')
      .innerJoin('users as u', 'u.id', 'a.evaluator_id')
      .leftJoin('evaluations as e', (join) => join.onRef('e.log_id', '=', 'a.log_id').onRef('e.evaluator_id', '=', 'a.evaluator_id'))
      .select((eb) => ['u.id', 'u.username', 'u.display_name', eb.fn.countAll<number>().as('assigned'), eb.fn.count<number>('e.id').as('done')])
      .where('a.queue_id', '=', row.id)
      .groupBy('u.id')
      .orderBy('u.display_name')
      .execute();
    const items = await db.selectFrom('review_assignments').select((eb) => eb.fn.count<number>('log_id').distinct().as('n')).where('queue_id', '=', row.id).executeTakeFirstOrThrow();
    return {
      id: row.id,
      workspaceId: row.workspace_id,
      name: row.name,
      evaluatorsPerItem: row.evaluators_per_item,
      items: Number(items.n),
      createdAt: row.created_at,
      progress: progress.map((p) => ({ evaluatorId: p.id, username: p.username, displayName: p.display_name, assigned: Number(p.assigned), done: Number(p.done) })),
    };
  }

  /**
   * The answers a queue covers: a run's, the ones named, the ones the log browser's filters select
   * (as `viewerId` sees them: the verdict filters read their own verdicts), or the workspace's newest.
   */
  async function scopeLogs(workspaceId: number, scope: ParsedInput<'reviews.createQueue'>['scope'], viewerId: number): Promise<number[]> {
    let query = db.selectFrom('conversation_logs as l').select('l.id').where('l.workspace_id', '=', workspaceId).where('l.stop_reason', 'not in', ['answering', 'interrupted', 'error']);
    if (scope.runId !== undefined) query = query.where('l.id', 'in', db.selectFrom('batch_run_items').select('log_id').where('run_id', '=', scope.runId).where('log_id', 'is not', null).$narrowType<{ log_id: number }>());
    if (scope.logIds) query = query.where('l.id', 'in', [0, ...scope.logIds]);
    // The log service's own filter SQL, pinned to the queue's workspace.
    if (scope.filters) query = query.where('l.id', 'in', (await logs.matching({ ...scope.filters, workspaceId }, viewerId)).select('l.id'));
    const rows = await query.orderBy('l.id', 'desc').limit(scope.logIds ? scope.logIds.length : scope.limit).execute();
    return rows.map((row) => row.id).reverse();
  }

  return {
    async createQueue(input: ParsedInput<'reviews.createQueue'>, createdBy: number): Promise<ReviewQueue> {
      const evaluatorIds = [...new Set(input.evaluatorIds)];
      if (input.evaluatorsPerItem > evaluatorIds.length) {
        throw new ApiError('VALIDATION', `Each answer cannot go to ${input.evaluatorsPerItem} evaluators when ${evaluatorIds.length} are chosen.`, { field: 'evaluatorsPerItem', reason: 'too_few_evaluators', evaluators: evaluatorIds.length });
      }
      // Every evaluator must be a member of the workspace: a queue must not open a workspace to anyone.
      const members = await db.selectFrom('workspace_members').select('user_id').where('workspace_id', '=', input.workspaceId).where('user_id', 'in', evaluatorIds).execute();
      const outsiders = evaluatorIds.filter((id) => !members.some((member) => member.user_id === id));
      if (outsiders.length > 0) throw new ApiError('VALIDATION', 'Every evaluator of a queue must be a member of its workspace.', { field: 'evaluatorIds', reason: 'not_member', userId: outsiders[0]! });
      const logIds = await scopeLogs(input.workspaceId, input.scope, createdBy);
      if (logIds.length === 0) throw new ApiError('EMPTY_INPUT', 'No answer matches: the queue would be empty.', { reason: 'empty_queue' });
      const id = await db.transaction().execute(async (trx) => {
        const queue = await trx.insertInto('review_queues').values({ workspace_id: input.workspaceId, name: input.name, evaluators_per_item: input.evaluatorsPerItem, created_by: createdBy, created_at: nowIso() }).returning('id').executeTakeFirstOrThrow();
        // Round robin: answer i goes to evaluators i, i+1, … (mod n), so the work is spread evenly.
        const rows = logIds.flatMap((logId, index) => Array.from({ length: input.evaluatorsPerItem }, (_, k) => ({ queue_id: queue.id, log_id: logId, evaluator_id: evaluatorIds[(index + k) % evaluatorIds.length]!, position: index })));
        for (let start = 0; start < rows.length; start += 500) await trx.insertInto('review_assignments').values(rows.slice(start, start + 500)).execute();
        return queue.id;
      });
      return toQueue(await queueRow(id));
    },

    async queues(workspaceId: number): Promise<ReviewQueue[]> {
      const rows = await db.selectFrom('review_queues').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').execute();
      return Promise.all(rows.map(toQueue));
    },

    async myQueue(queueId: number, userId: number): Promise<{ queue: ReviewQueue; entries: QueueEntry[]; done: number; total: number }> {
      const queue = await toQueue(await queueRow(queueId));
      const rows = await db
        .selectFrom('review_assignments as a')
        .innerJoin('conversation_logs as l', 'l.id', 'a.log_id')
        .leftJoin('evaluations as e', (join) => join.onRef('e.log_id', '=', 'a.log_id').onRef('e.evaluator_id', '=', 'a.evaluator_id'))
        .select(['a.log_id', 'a.position', 'l.question', 'e.id as evaluation_id'])
        .where('a.queue_id', '=', queueId)
        .where('a.evaluator_id', '=', userId)
        .orderBy('a.position')
        .execute();
      const entries = rows.map((row) => ({ logId: row.log_id, position: row.position, question: row.question, done: row.evaluation_id !== null }));
      return { queue, entries, done: entries.filter((entry) => entry.done).length, total: entries.length };
    },

    /** Agreement over the workspace's answers (or a queue's, or a run's) that two evaluators or more judged. */
    async agreement(input: ParsedInput<'reviews.agreement'>): Promise<AgreementReport> {
      let query = db
        .selectFrom('evaluations as e')
        .innerJoin('conversation_logs as l', 'l.id', 'e.log_id')
        .innerJoin('users as u', 'u.id', 'e.evaluator_id')
        .leftJoin('adjudications as a', 'a.log_id', 'e.log_id')
        .select(['e.log_id', 'e.evaluator_id', 'e.evaluation', 'u.display_name', 'l.question', 'a.evaluation as final_verdict'])
        .where('l.workspace_id', '=', input.workspaceId);
      if (input.queueId !== undefined) query = query.where('e.log_id', 'in', db.selectFrom('review_assignments').select('log_id').where('queue_id', '=', input.queueId));
      if (input.runId !== undefined) query = query.where('e.log_id', 'in', db.selectFrom('batch_run_items').select('log_id').where('run_id', '=', input.runId).where('log_id', 'is not', null).$narrowType<{ log_id: number }>());
      const rows = await query.orderBy('e.log_id').orderBy('e.evaluator_id').execute();

      const byLog = new Map<number, typeof rows>();
      const names = new Map<number, string>();
      for (const row of rows) {
        byLog.set(row.log_id, [...(byLog.get(row.log_id) ?? []), row]);
        names.set(row.evaluator_id, row.display_name);
      }
      const alpha = krippendorffAlpha([...byLog.values()].map((verdicts) => verdicts.map((v) => v.evaluation)), { level: 'ordinal' });
      const evaluatorIds = [...names.keys()].sort((a, b) => a - b);
      const pairs: AgreementReport['pairs'] = [];
      for (let i = 0; i < evaluatorIds.length; i++) {
        for (let j = i + 1; j < evaluatorIds.length; j++) {
          const [first, second] = [evaluatorIds[i]!, evaluatorIds[j]!];
          const both: Array<[number, number]> = [];
          for (const verdicts of byLog.values()) {
            const a = verdicts.find((v) => v.evaluator_id === first);
            const b = verdicts.find((v) => v.evaluator_id === second);
            if (a && b) both.push([a.evaluation, b.evaluation]);
          }
          const kappa = cohenKappa(both);
          pairs.push({ first: { id: first, name: names.get(first)! }, second: { id: second, name: names.get(second)! }, kappa: kappa.kappa, items: kappa.items });
        }
      }
      const disagreements = [...byLog.entries()]
        .filter(([, verdicts]) => new Set(verdicts.map((v) => v.evaluation)).size > 1)
        .map(([logId, verdicts]) => ({
          logId,
          question: verdicts[0]!.question,
          verdicts: verdicts.map((v) => ({ evaluatorId: v.evaluator_id, name: v.display_name, verdict: v.evaluation as Verdict })),
          finalVerdict: (verdicts[0]!.final_verdict ?? null) as Verdict | null,
        }));
      return {
        items: [...byLog.values()].filter((verdicts) => verdicts.length >= 2).length,
        judgedItems: byLog.size,
        evaluators: evaluatorIds.length,
        alpha: alpha.alpha,
        alphaPairableValues: alpha.pairableValues,
        pairs,
        disagreements,
        adjudicated: disagreements.filter((item) => item.finalVerdict !== null).length,
      };
    },

    async adjudicate(input: ParsedInput<'reviews.adjudicate'>, adjudicatorId: number): Promise<{ before: Adjudication | null; after: Adjudication }> {
      const reason = text(input.reason);
      const correctAnswer = text(input.correctAnswer);
      const priority = input.priority ?? null;
      if (input.evaluation === 1 && (reason !== null || correctAnswer !== null || priority !== null)) {
        throw new ApiError('VALIDATION', 'A reason, correct answer or priority can only be given for verdicts 2 and 3.', { field: reason !== null ? 'reason' : correctAnswer !== null ? 'correctAnswer' : 'priority' });
      }
      const log = await db.selectFrom('conversation_logs').select('id').where('id', '=', input.logId).executeTakeFirst();
      if (!log) throw new ApiError('NOT_FOUND', `Log ${input.logId} does not exist.`, { entity: 'log', id: input.logId });
      const toAdjudication = (row: { log_id: number; evaluation: 1 | 2 | 3; reason: string | null; correct_answer: string | null; priority: 1 | 2 | 3 | null; adjudicator_id: number; decided_at: string }): Adjudication => ({
        logId: row.log_id,
        evaluation: row.evaluation,
        reason: row.reason,
        correctAnswer: row.correct_answer,
        priority: row.priority,
        adjudicatorId: row.adjudicator_id,
        decidedAt: row.decided_at,
      });
      const before = await db.selectFrom('adjudications').selectAll().where('log_id', '=', input.logId).executeTakeFirst();
      const values = { evaluation: input.evaluation, reason, correct_answer: correctAnswer, priority, adjudicator_id: adjudicatorId, decided_at: nowIso() };
      const row = await db
        .insertInto('adjudications')
        .values({ log_id: input.logId, ...values })
        .onConflict((oc) => oc.column('log_id').doUpdateSet(values))
        .returningAll()
        .executeTakeFirstOrThrow();
      return { before: before ? toAdjudication(before) : null, after: toAdjudication(row) };
    },
  };
}

export type ReviewService = ReturnType<typeof createReviewService>;
