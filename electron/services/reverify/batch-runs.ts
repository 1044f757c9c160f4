import type { Selectable } from 'kysely';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { BatchRun } from '../../../shared/contract/reverify.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { BatchRunsTable } from '../db/schema.ts';
import type { ChatService } from '../chat/chat-service.ts';
import type { Job, JobRegistry } from '../jobs/jobs.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { SessionService } from '../sessions/sessions.ts';
import type { VersionService } from '../versions/versions.ts';
import { versionRefs } from '../versions/version-refs.ts';
import type { JudgingAssistant } from './assist.ts';

type StartInput = ParsedInput<'runs.start'>;

/** The id under which a run's job reports progress and is cancelled. */
export const runJobId = (runId: number) => `run:${runId}`;


/**
 * Batch runs (issue 13): a question set answered by one version of a base, each answer an
 * ordinary log of the run's session, linked to its item in the transaction that completes it.
 * An item is answered exactly when that link exists, so resuming after a cancel, a crash or
 * kill -9 asks precisely the questions that have no answer yet: none twice, none skipped.
 */
export function createBatchRunService(
  db: Db,
  deps: {
    chat: Pick<ChatService, 'runBatch'>;
    sessions: Pick<SessionService, 'start' | 'get'>;
    versions: Pick<VersionService, 'get' | 'checkRunnable'>;
    models: Pick<ModelRegistry, 'get' | 'loadRequest'>;
    jobs: JobRegistry;
    defaultParallelism: () => Promise<number>;
    /** Suggests verdicts once a run's answers are in (assist 'judge' or 'embedding'). */
    assistant?: Pick<JudgingAssistant, 'suggestPending'>;
  },
) {
  /** Runs started or resumed, so one run never executes twice at once. */
  const executing = new Map<number, Promise<void>>();

  async function getRow(id: number): Promise<Selectable<BatchRunsTable>> {
    const row = await db.selectFrom('batch_runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Run ${id} does not exist.`, { entity: 'run', id });
    return row;
  }

  async function toRun(row: Selectable<BatchRunsTable>): Promise<BatchRun> {
    const counts = await db
      .selectFrom('batch_run_items as i')
      .select((eb) => [
        eb.fn.count<number>('i.log_id').as('answered'),
        eb.fn.count<number>(eb.selectFrom('evaluations as e').select('e.log_id').whereRef('e.log_id', '=', 'i.log_id').limit(1)).as('judged'),
        eb.fn.count<number>('i.suggested_at').as('suggested'),
      ])
      .where('i.run_id', '=', row.id)
      .executeTakeFirstOrThrow();
    const set = await db.selectFrom('question_sets').select('name').where('id', '=', row.set_id).executeTakeFirst();
    // Names, not labels: the base alone has versionName null and each screen names it in its language.
    const version = await versionRefs(db)(row.model_id, row.version_id);
    return {
      id: row.id,
      setId: row.set_id,
      setName: set?.name ?? '',
      workspaceId: row.workspace_id,
      modelId: row.model_id,
      modelName: version.modelName,
      versionId: row.version_id,
      versionName: version.versionName,
      sessionId: row.session_id,
      parallelism: row.parallelism,
      temperature: row.temperature,
      seed: row.seed,
      assist: row.assist,
      judgeModelId: row.judge_model_id,
      status: row.status,
      error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
      total: row.total,
      answered: Number(counts.answered),
      judged: Number(counts.judged),
      suggested: Number(counts.suggested),
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      jobId: runJobId(row.id),
    };
  }

  async function setStatus(id: number, status: BatchRunsTable['status'], error: { code: string; message: string } | null, finished = false): Promise<void> {
    await db
      .updateTable('batch_runs')
      .set({ status, error_code: error?.code ?? null, error_message: error?.message ?? null, ...(finished && { finished_at: nowIso() }) })
      .where('id', '=', id)
      .execute();
  }

  /** Answers the run's unanswered items, `parallelism` at a time on as many context sequences. */
  async function answerPending(row: Selectable<BatchRunsTable>, job: Job): Promise<void> {
    const pending = await db.selectFrom('batch_run_items as r').innerJoin('question_set_items as q', 'q.id', 'r.item_id').select(['r.item_id', 'q.question']).where('r.run_id', '=', row.id).where('r.log_id', 'is', null).orderBy('r.position').execute();
    let answered = row.total - pending.length;
    job.progress(row.total ? answered / row.total : 1, `${answered}/${row.total}`);
    if (pending.length === 0) return;
    const workers = Math.min(row.parallelism, pending.length);
    let next = 0;
    // The first failure stops the others: a run fails as a whole, and resumes as a whole.
    const failure = new AbortController();
    const signal = AbortSignal.any([job.signal, failure.signal]);
    let firstError: unknown = null;
    const session = await deps.sessions.get(row.session_id);
    await deps.chat.runBatch(`batch:${row.id}`, signal, async (answerOne) => {
      const worker = async (slot: number) => {
        // A pipeline of one question per stage on this sequence: while an answer is generated,
        // the next question is prepared (retrieval, prompt tokens) and the previous one is
        // logged, so neither the JavaScript before an answer nor the database work after it
        // keeps the sequence idle.
        let previous: { done: Promise<unknown>; outcome: Promise<boolean> } | undefined;
        while (next < pending.length && !signal.aborted) {
          const item = pending[next++]!;
          let generating!: () => void;
          let generated!: () => void;
          const started = new Promise<void>((resolve) => (generating = resolve));
          const sequenceFree = new Promise<void>((resolve) => (generated = resolve));
          const waitFor: Promise<unknown> | undefined = previous?.done;
          const answer: Promise<boolean> = answerOne(
            { sessionId: row.session_id, userId: row.created_by, question: item.question, requestId: `run:${row.id}:${item.item_id}`, onText: () => {} },
            {
              slot,
              sequences: row.parallelism,
              session,
              ...(waitFor && { after: waitFor }),
              onGenerating: generating,
              onGenerated: generated,
              link: async (trx, logId) => {
                await trx.updateTable('batch_run_items').set({ log_id: logId }).where('run_id', '=', row.id).where('item_id', '=', item.item_id).where('log_id', 'is', null).execute();
              },
            },
          ).then(
            (log) => {
              if (log.stopReason === 'stopped' || signal.aborted) return false;
              answered++;
              job.progress(answered / row.total, `${answered}/${row.total}`);
              return true;
            },
            (error: unknown) => {
              firstError ??= error;
              failure.abort();
              return false;
            },
          );
          // Logged in order: the previous answer's outcome decides whether this worker goes on.
          const previousOk = previous ? await previous.outcome : true;
          // The sequence is free once this answer has generated, or once it ended without generating.
          previous = { done: Promise.race([sequenceFree, answer]), outcome: answer };
          if (!previousOk) break;
          await Promise.race([started, answer]);
        }
        await previous?.outcome;
      };
      await Promise.all(Array.from({ length: workers }, (_, slot) => worker(slot)));
    });
    if (firstError) throw firstError;
    job.throwIfCancelled();
  }

  async function execute(runId: number): Promise<void> {
    const row = await getRow(runId);
    if (row.status === 'completed') return;
    await db.updateTable('batch_runs').set({ status: 'running', error_code: null, error_message: null, started_at: row.started_at ?? nowIso(), finished_at: null }).where('id', '=', runId).execute();
    try {
      await deps.jobs.run('batch-run', runJobId(runId), async (job) => {
        await answerPending(row, job);
        // Suggestions come after all answers: a judge model loaded beside the run's model then
        // takes its memory only once, and never slows the answers down.
        if (row.assist !== 'none') await deps.assistant?.suggestPending(row, job);
      });
      await setStatus(runId, 'completed', null, true);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('RUNTIME_FAILED', error instanceof Error ? error.message : String(error));
      // Cancelled: paused where it stopped, to be resumed. Anything else: failed with the reason.
      await setStatus(runId, apiError.code === 'CANCELLED' ? 'paused' : 'failed', { code: apiError.code, message: apiError.message });
    }
  }

  /** Runs `runIds` one after the other (the loaded base has one context; each version replaces its adapters). */
  function schedule(runIds: number[]): Promise<void> {
    const chain = (async () => {
      for (const id of runIds) {
        const work = execute(id).finally(() => executing.delete(id));
        executing.set(id, work);
        await work;
      }
    })();
    return chain.catch((error: unknown) => console.error('[evaldesk] batch run failed', error));
  }

  return {
    async start(input: StartInput, userId: number): Promise<BatchRun[]> {
      const set = await db.selectFrom('question_sets').selectAll().where('id', '=', input.setId).executeTakeFirst();
      if (!set) throw new ApiError('NOT_FOUND', `Question set ${input.setId} does not exist.`, { entity: 'questionSet', id: input.setId });
      const items = await db.selectFrom('question_set_items').select(['id', 'position']).where('set_id', '=', set.id).orderBy('position').execute();
      if (items.length === 0) throw new ApiError('EMPTY_INPUT', 'This question set has no questions to run.', { reason: 'empty_question_set' });
      if (input.assist !== 'none' && !deps.assistant) throw new ApiError('VALIDATION', 'Assisted judging is not available here; start the run without it.', { field: 'assist', reason: 'assist_unavailable' });
      const judgeModelId = input.assist === 'judge' ? (input.judgeModelId ?? null) : null;
      // The judge must be a registered model whose file is still readable: said before any answer.
      if (judgeModelId !== null) await deps.models.loadRequest(judgeModelId);
      const parallelism = input.parallelism ?? (await deps.defaultParallelism());
      // Every version is checked before any run is created: a missing adapter is said up front.
      for (const versionId of input.versionIds) if (versionId !== null) await deps.versions.checkRunnable(versionId, input.modelId);
      const ids: number[] = [];
      for (const versionId of input.versionIds) {
        // Each question stands alone (no history) and sampling is frozen with the run.
        const session = await deps.sessions.start(userId, set.workspace_id, input.modelId, { versionId, settings: { temperature: input.temperature, seed: input.seed, historyTurns: 0 }, variables: input.variables ?? {} });
        const id = await db.transaction().execute(async (trx) => {
          const run = await trx
            .insertInto('batch_runs')
            .values({ set_id: set.id, workspace_id: set.workspace_id, model_id: input.modelId, version_id: versionId, session_id: session.id, parallelism, temperature: input.temperature, seed: input.seed, assist: input.assist, judge_model_id: judgeModelId, status: 'pending', error_code: null, error_message: null, total: items.length, created_by: userId, created_at: nowIso(), started_at: null, finished_at: null })
            .returning('id')
            .executeTakeFirstOrThrow();
          for (let start = 0; start < items.length; start += 500) {
            await trx.insertInto('batch_run_items').values(items.slice(start, start + 500).map((item) => ({ run_id: run.id, item_id: item.id, position: item.position }))).execute();
          }
          return run.id;
        });
        ids.push(id);
      }
      const done = schedule(ids);
      if (input.wait) await done;
      return Promise.all(ids.map(async (id) => toRun(await getRow(id))));
    },

    async resume(id: number, wait: boolean): Promise<BatchRun> {
      const row = await getRow(id);
      if (executing.has(id)) throw new ApiError('CONFLICT', 'This run is already running.', { runId: id });
      if (row.status === 'completed') return toRun(row);
      if (row.version_id !== null) await deps.versions.checkRunnable(row.version_id, row.model_id);
      const done = schedule([id]);
      if (wait) await done;
      return toRun(await getRow(id));
    },

    async list(workspaceId: number, setId?: number): Promise<BatchRun[]> {
      let query = db.selectFrom('batch_runs').selectAll().where('workspace_id', '=', workspaceId);
      if (setId !== undefined) query = query.where('set_id', '=', setId);
      return Promise.all((await query.orderBy('id', 'desc').execute()).map(toRun));
    },

    get: async (id: number): Promise<BatchRun> => toRun(await getRow(id)),

    /** Start-up recovery: a run that was answering when the app ended is paused, to be resumed. */
    async recoverInterrupted(): Promise<number> {
      const result = await db
        .updateTable('batch_runs')
        .set({ status: 'paused', error_code: 'INTERRUPTED', error_message: 'The app closed while this run was answering; resume it to continue where it stopped.' })
        .where('status', 'in', ['running', 'pending'])
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** Waits for running runs (closing cancels their jobs first). */
    idle: () => Promise.allSettled([...executing.values()]),
  };
}

export type BatchRunService = ReturnType<typeof createBatchRunService>;
