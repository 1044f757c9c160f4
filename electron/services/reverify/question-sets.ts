import type { Selectable } from 'kysely';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { ImportPreview, ImportProblem, QuestionOrigin, QuestionSet, QuestionSetItem } from '../../../shared/contract/reverify.ts';
import { requireConfirmedProblems } from '../files/import-source.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { QuestionSetItemsTable, QuestionSetsTable } from '../db/schema.ts';
import { sessionsOfVersion } from '../logs/logs.ts';
import type { WorkspaceService } from '../workspaces/workspaces.ts';
import { readQuestions } from './question-import.ts';
import { seededFraction } from '../../../shared/seeded-fraction.ts';

type CreateInput = ParsedInput<'questionSets.create'>;
type NewItem = Omit<QuestionSetItemsTable, 'id' | 'set_id' | 'position'>;

export function toItem(row: Selectable<QuestionSetItemsTable>): QuestionSetItem {
  return {
    id: row.id,
    setId: row.set_id,
    position: row.position,
    question: row.question,
    expectedAnswer: row.expected_answer,
    tags: JSON.parse(row.tags) as string[],
    origin: row.origin,
    sourceLogId: row.source_log_id,
    sourceEvaluationId: row.source_evaluation_id,
    sourceVerdict: row.source_verdict,
  };
}

/**
 * Question sets (issue 13): the questions to replay on a new version, each with the expert's
 * correction where one exists. Made from evaluations ("every correction trained into v3" plus a
 * seeded guard sample of earlier good answers), typed in, or imported from CSV/TSV/JSONL.
 */
export function createQuestionSetService(db: Db, deps: { workspaces: Pick<WorkspaceService, 'get'> }) {
  async function getRow(id: number): Promise<Selectable<QuestionSetsTable>> {
    const row = await db.selectFrom('question_sets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Question set ${id} does not exist.`, { entity: 'questionSet', id });
    return row;
  }

  async function toSet(row: Selectable<QuestionSetsTable>): Promise<QuestionSet> {
    const origins = await db.selectFrom('question_set_items').select(['origin', (eb) => eb.fn.countAll<number>().as('count')]).where('set_id', '=', row.id).groupBy('origin').execute();
    return {
      id: row.id,
      workspaceId: row.workspace_id,
      name: row.name,
      description: row.description,
      status: row.status,
      itemCount: origins.reduce((sum, entry) => sum + Number(entry.count), 0),
      origins: Object.fromEntries(origins.map((entry) => [entry.origin, Number(entry.count)])) as Partial<Record<QuestionOrigin, number>>,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** Evaluations of the workspace matching the selection, one per answer (the earliest verdict). */
  async function fromEvaluations(workspaceId: number, selection: NonNullable<CreateInput['fromEvaluations']>): Promise<NewItem[]> {
    let query = db
      .selectFrom('evaluations as e')
      .innerJoin('conversation_logs as l', 'l.id', 'e.log_id')
      .select(['e.id as evaluationId', 'e.evaluation', 'e.status', 'e.correct_answer', 'l.id as logId', 'l.question', 'l.answer'])
      .where('l.workspace_id', '=', workspaceId)
      .where('l.stop_reason', 'not in', ['answering', 'error'])
      // A log judged by several evaluators becomes one question.
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('evaluations as earlier').select('earlier.id').whereRef('earlier.log_id', '=', 'e.log_id').whereRef('earlier.id', '<', 'e.id'))));
    if (selection.evaluations) query = query.where('e.evaluation', 'in', selection.evaluations);
    if (selection.statuses) query = query.where('e.status', 'in', selection.statuses);
    if (selection.priorities) query = query.where('e.priority', 'in', selection.priorities);
    if (selection.trainedVersionId !== undefined) query = query.where('e.trained_version_id', '=', selection.trainedVersionId);
    if (selection.answeredByVersionId !== undefined) query = query.where('l.session_id', 'in', sessionsOfVersion(db, selection.answeredByVersionId));
    const rows = await query.orderBy('e.id').limit(selection.limit ?? 100_000).execute();
    return rows.map((row) => ({
      question: row.question,
      // The correction where the expert wrote one; a good answer is its own expected answer.
      expected_answer: row.correct_answer ?? (row.evaluation === 1 ? row.answer : null),
      tags: '[]',
      origin: row.status === 2 ? 'trained' : 'evaluation',
      source_log_id: row.logId,
      source_evaluation_id: row.evaluationId,
      source_verdict: row.evaluation,
    }));
  }

  /** `count` earlier verdict-1 answers drawn with `seed`, leaving out the logs already chosen. */
  async function guardSample(workspaceId: number, guard: NonNullable<CreateInput['guard']>, taken: Set<number>): Promise<NewItem[]> {
    const good = await fromEvaluations(workspaceId, { evaluations: [1] });
    return good
      .filter((item) => !taken.has(item.source_log_id!))
      .map((item) => ({ item, order: seededFraction(guard.seed, item.source_evaluation_id!) }))
      .sort((a, b) => a.order - b.order)
      .slice(0, guard.count)
      .map(({ item }) => ({ ...item, origin: 'guard' as const }));
  }

  async function appendItems(setId: number, items: NewItem[]): Promise<void> {
    if (items.length === 0) return;
    const last = await db.selectFrom('question_set_items').select((eb) => eb.fn.max('position').as('last')).where('set_id', '=', setId).executeTakeFirst();
    let position = last?.last === null || last?.last === undefined ? 0 : Number(last.last) + 1;
    await db.transaction().execute(async (trx) => {
      // SQLite caps the variables of one statement: insert in slices.
      for (let start = 0; start < items.length; start += 500) {
        await trx
          .insertInto('question_set_items')
          .values(items.slice(start, start + 500).map((item) => ({ ...item, set_id: setId, position: position++ })))
          .execute();
      }
      await trx.updateTable('question_sets').set({ updated_at: nowIso() }).where('id', '=', setId).execute();
    });
  }

  const typed = (items: CreateInput['items'], origin: 'typed' | 'imported'): NewItem[] =>
    items.map((item) => ({ question: item.question, expected_answer: item.expectedAnswer?.trim() ? item.expectedAnswer : null, tags: JSON.stringify(item.tags), origin, source_log_id: null, source_evaluation_id: null, source_verdict: null }));

  return {
    async list(workspaceId: number): Promise<QuestionSet[]> {
      const rows = await db.selectFrom('question_sets').selectAll().where('workspace_id', '=', workspaceId).orderBy('id', 'desc').execute();
      return Promise.all(rows.map(toSet));
    },

    async get(id: number): Promise<{ set: QuestionSet; items: QuestionSetItem[] }> {
      const set = await toSet(await getRow(id));
      const items = await db.selectFrom('question_set_items').selectAll().where('set_id', '=', id).orderBy('position').execute();
      return { set, items: items.map(toItem) };
    },

    async create(input: CreateInput, userId: number): Promise<QuestionSet> {
      await deps.workspaces.get(input.workspaceId);
      const taken = await db.selectFrom('question_sets').select('id').where('workspace_id', '=', input.workspaceId).where('name', '=', input.name).executeTakeFirst();
      if (taken) throw new ApiError('CONFLICT', `This workspace already has a question set named "${input.name}".`, { field: 'name', reason: 'set_name_taken' });
      const selected = input.fromEvaluations ? await fromEvaluations(input.workspaceId, input.fromEvaluations) : [];
      const guards = input.guard ? await guardSample(input.workspaceId, input.guard, new Set(selected.map((item) => item.source_log_id!))) : [];
      const items = [...selected, ...guards, ...typed(input.items, 'typed')];
      // A set with no source is made empty on purpose (to import into or type questions later);
      // a source that matches nothing would make one by mistake.
      const hasSource = input.fromEvaluations !== undefined || input.guard !== undefined || input.items.length > 0;
      if (hasSource && items.length === 0) throw new ApiError('EMPTY_INPUT', 'No question matches: the set would be empty. Change the filters or add questions.', { reason: 'empty_question_set' });
      const now = nowIso();
      const { id } = await db
        .insertInto('question_sets')
        .values({ workspace_id: input.workspaceId, name: input.name, description: input.description, status: 'active', created_by: userId, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await appendItems(id, items);
      return toSet(await getRow(id));
    },

    async addItems(setId: number, items: CreateInput['items']): Promise<QuestionSet> {
      await getRow(setId);
      await appendItems(setId, typed(items, 'typed'));
      return toSet(await getRow(setId));
    },

    async update(id: number, patch: ParsedInput<'questionSets.update'>['patch']): Promise<QuestionSet> {
      const row = await getRow(id);
      if (patch.name !== undefined && patch.name !== row.name) {
        const taken = await db.selectFrom('question_sets').select('id').where('workspace_id', '=', row.workspace_id).where('name', '=', patch.name).executeTakeFirst();
        if (taken) throw new ApiError('CONFLICT', `This workspace already has a question set named "${patch.name}".`, { field: 'name', reason: 'set_name_taken' });
      }
      await db
        .updateTable('question_sets')
        .set({ ...(patch.name !== undefined && { name: patch.name }), ...(patch.description !== undefined && { description: patch.description }), ...(patch.status && { status: patch.status }), updated_at: nowIso() })
        .where('id', '=', id)
        .execute();
      return toSet(await getRow(id));
    },

    /** Deleting a set deletes its runs' links, never the answers: the logs stay in the log browser. */
    async remove(id: number): Promise<{ deleted: boolean }> {
      await getRow(id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('batch_runs').where('set_id', '=', id).execute();
        await trx.deleteFrom('question_sets').where('id', '=', id).execute();
      });
      return { deleted: true };
    },

    previewImport(input: ParsedInput<'questionSets.previewImport'>): ImportPreview {
      return readQuestions(input, input.mapping ?? null).preview;
    },

    /** Imports the readable lines; with problems only when the user has seen and accepted them. */
    async import(input: ParsedInput<'questionSets.import'>): Promise<{ set: QuestionSet; imported: number; problems: ImportProblem[] }> {
      await getRow(input.setId);
      const { questions, problems } = readQuestions(input, input.mapping);
      requireConfirmedProblems(problems, questions.length, input.acceptProblems);
      if (questions.length === 0) throw new ApiError('EMPTY_INPUT', 'The file holds no question that can be imported.', { reason: 'empty_import' });
      await appendItems(input.setId, typed(questions.map((q) => ({ question: q.question, expectedAnswer: q.expectedAnswer, tags: q.tags })), 'imported'));
      return { set: await toSet(await getRow(input.setId)), imported: questions.length, problems };
    },
  };
}

export type QuestionSetService = ReturnType<typeof createQuestionSetService>;
