import type { LlamaModel, Token } from 'node-llama-cpp';
import type { ChatTask, ConversationLog, RetrievedSource, SessionInfo, StopReason } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { Insertable, Transaction, Updateable } from 'kysely';
import { nowIso, type Db } from '../db/database.ts';
import { toColumns } from '../db/rows.ts';
import type { ConversationLogsTable, DatabaseSchema } from '../db/schema.ts';
import { sourcesByLog, toConversationLog } from '../logs/log-rows.ts';
import { answerReserve, planPrompt, type PromptPlan, type Turn } from '../rag/prompt-budget.ts';
import type { Retrieval, RetrievedPassage, Retriever } from '../rag/retriever.ts';
import type { RetrievalFilter } from '../../../shared/contract/records.ts';
import { untilAborted } from '../jobs/abortable.ts';
import type { AdapterToApply } from '../lora/runtime-probe.ts';
import type { ContextPlacement, LlamaRuntime } from '../runtime/llama-runtime.ts';
import type { PromptFormat } from '../runtime/chat-template.ts';
import { answerFromTemplate, answerWithChatSession, toMessages, type AnswerStream } from './answer-paths.ts';
import { buildPromptTokens, countTokens as countPromptTokens, type BuiltPrompt } from './prompt-tokens.ts';
import { createToolCallRecorder, positioned, saveToolCalls, toolCallsByLog, type ToolCallRecord } from './tool-calls.ts';
import type { SessionService } from '../sessions/sessions.ts';
import { tableAsText, type SqlRouteService } from '../sql-route/sql-route-service.ts';
import type { SqlRouteResult } from '../sql-route/route.ts';

export interface AskRequest {
  sessionId: number;
  userId: number;
  question: string;
  requestId: string;
  onText: (text: string) => void;
  /** The category task the question was built from: answered on its own, without documents or history. */
  task?: ChatTask;
  /** Retrieve only from documents whose metadata matches (structured records, issue 15); kept in the retrieval's tool call. */
  filter?: RetrievalFilter;
}

/** Where a batch run's answer goes: its sequence, and what to record with the completed log. */
export interface BatchPlacement {
  slot: number;
  sequences: number;
  /** Runs inside the transaction that completes the log, so the link and the answer commit together. */
  link: (trx: Transaction<DatabaseSchema>, logId: number) => Promise<void>;
  /** The run's session, read once for all its answers (a run's session never changes while it runs). */
  session?: SessionInfo;
  /**
   * Generation waits for this (the previous answer on the same sequence); preparation does not,
   * so the next question's retrieval and prompt are ready when the sequence becomes free.
   */
  after?: Promise<unknown>;
  /** Called when generation starts: the run may prepare its next question meanwhile. */
  onGenerating?: () => void;
  /**
   * Called when the model is done with this answer's sequence and only the log remains to be
   * written: the run may start the next question on the sequence while this one is logged.
   */
  onGenerated?: () => void;
}

/** The log an answer completes: the row written when it was asked, or one written only at the end. */
type LogTarget = { id: number } | { insert: Insertable<ConversationLogsTable> };

function isCompleteAnswer(stopReason: StopReason): boolean {
  return stopReason === 'finished' || stopReason === 'max_tokens';
}

/** Errors that belong to one question (it cannot be answered as asked), not to the model or the run. */
const questionErrors = new Set(['CONTEXT_OVERFLOW', 'EMPTY_INPUT']);

/** How often a streaming answer is saved, so a crash loses at most this much of it. */
const partialSaveIntervalMs = 1000;

/** Tokens kept free for the chat template's own markers around the question. */
const templateReserve = 32;

/**
 * Asks the session's model a question, streams the answer through `onText`, and logs the result
 * with its measurements. A stopped or failed generation is still logged with what was produced.
 */
export function createChatService(
  db: Db,
  deps: {
    runtime: LlamaRuntime;
    sessions: SessionService;
    retriever?: Retriever;
    /** The adapters of a model version, as the runtime applies them on its base. */
    versionAdapters?: (versionId: number) => Promise<AdapterToApply[]>;
    /** Seed 002's admin SQL route, tried before documents where it applies (issue 15). */
    sqlRoute?: Pick<SqlRouteService, 'answer'>;
    /**
     * Whether a sequence keeps the prompt prefix it evaluated for the next question (the system
     * prompt and documents are not evaluated again). Off only for measurements (`caching`).
     */
    reusePrefix?: () => Promise<boolean>;
  },
) {
  const running = new Map<string, AbortController>();
  /** Who asked each running request (a batch run's claim has none: it is cancelled as a job). */
  const owners = new Map<string, number>();
  /** The answers in progress, so closing can wait until each is logged. */
  const answering = new Map<string, Promise<ConversationLog>>();

  /** The last turns of the conversation: the session's, or its whole thread's (continued across sessions). */
  async function recentTurns(session: SessionInfo, turns: number): Promise<Turn[]> {
    if (turns <= 0) return [];
    const threadId = session.threadId;
    const rows = await db
      .selectFrom('conversation_logs')
      .select(['question', 'answer'])
      .where('session_id', threadId === null ? '=' : 'in', threadId === null ? session.id : db.selectFrom('sessions').select('id').where('thread_id', '=', threadId))
      .where('stop_reason', 'not in', ['error', 'answering', 'interrupted'])
      .orderBy('id', 'desc')
      .limit(turns)
      .execute();
    return rows.reverse();
  }

  /** The retrieval trace of an answer: each passage as it was cited, with exactly the text the model saw. */
  function toSources(included: Array<{ rank: number; passage: RetrievedPassage; promptText: string }>): RetrievedSource[] {
    return included.map(({ rank, passage, promptText }) => ({
      rank,
      chunkId: passage.chunkId,
      chunkIndex: passage.chunkIndex,
      documentId: passage.documentId,
      docId: passage.docId,
      title: passage.title,
      page: passage.page,
      section: passage.section,
      score: passage.score,
      pinned: passage.pinned,
      promptText,
    }));
  }

  /** Completes the log written when the question was asked (or writes it whole), with its retrieval trace. */
  async function completeLog(target: LogTarget, values: Updateable<ConversationLogsTable>, included: Array<{ rank: number; passage: RetrievedPassage; promptText: string }>, toolCalls: readonly ToolCallRecord[], batch?: BatchPlacement): Promise<ConversationLog> {
    const sources = toSources(included);
    return db.transaction().execute(async (trx) => {
      const row = 'id' in target
        ? await trx.updateTable('conversation_logs').set(values).where('id', '=', target.id).returningAll().executeTakeFirstOrThrow()
        : await trx.insertInto('conversation_logs').values({ ...target.insert, ...values } as Insertable<ConversationLogsTable>).returningAll().executeTakeFirstOrThrow();
      if (sources.length) await trx.insertInto('conversation_log_sources').values(sources.map((source) => toColumns('conversation_log_sources', { ...source, logId: row.id }))).execute();
      await saveToolCalls(trx, row.id, toolCalls);
      await batch?.link(trx, row.id);
      return toConversationLog(row, sources, positioned(toolCalls));
    });
  }

  async function answer(request: AskRequest, controller: AbortController, batch?: BatchPlacement, lane?: ContextPlacement): Promise<ConversationLog> {
    const session = batch?.session ?? (await deps.sessions.get(request.sessionId));
    if (session.endedAt) throw new ApiError('CONFLICT', 'This session has ended; start a new one to ask more questions.');
    const settings = session.settingsSnapshot;
    const askedAt = nowIso();
    const started = performance.now();
    const question: Insertable<ConversationLogsTable> = {
      session_id: session.id,
      workspace_id: session.workspaceId,
      model_id: session.modelId,
      user_id: request.userId,
      question: request.question,
      task: request.task ? JSON.stringify(request.task) : null,
      answer: '',
      asked_at: askedAt,
      completed_at: askedAt,
      prompt_tokens: 0,
      completion_tokens: 0,
      ttft_ms: null,
      tokens_per_second: null,
      duration_ms: 0,
      stop_reason: 'answering',
      error_message: null,
    };
    // The question is on disk before anything can go wrong: a crash from here on leaves a log
    // that start-up marks `interrupted`, with whatever answer text was saved. A batch answer is
    // written once, complete, with its link: its question is the run's item, and an interrupted
    // one is simply asked again when the run resumes.
    const target: LogTarget = batch ? { insert: question } : { id: (await db.insertInto('conversation_logs').values(question).returning('id').executeTakeFirstOrThrow()).id };

    let prepared: Awaited<ReturnType<typeof prepare>>;
    const tools = createToolCallRecorder();
    try {
      // Batch runs compare versions on documents and the model alone: never the SQL route.
      prepared = await prepare(request, session, controller.signal, tools, batch ? { slot: batch.slot, sequences: batch.sequences } : lane, !batch);
    } catch (error) {
      // In a batch run a question that cannot be answered as asked is this question's outcome:
      // logged as an error with its code, so the run goes on and the item is not asked again.
      if (batch && error instanceof ApiError && questionErrors.has(error.code)) {
        return completeLog(target, { completed_at: nowIso(), duration_ms: performance.now() - started, stop_reason: 'error', error_message: error.code }, [], tools.calls, batch);
      }
      // Refused before the model started (not loaded, too long, stopped, no embedder): no answer
      // exists, so no log either; the caller still has the question and gets the reason.
      if ('id' in target) await db.deleteFrom('conversation_logs').where('id', '=', target.id).execute();
      throw error;
    }
    if (prepared.kind === 'direct') {
      request.onText(prepared.text);
      return completeLog(target, { answer: prepared.text, completed_at: nowIso(), duration_ms: performance.now() - started, stop_reason: 'finished', retrieval_outcome: prepared.retrievalOutcome }, [], tools.calls, batch);
    }

    if (batch?.after) {
      await batch.after;
      // Cancelled while waiting for the sequence: never started, so neither answered nor logged.
      if (controller.signal.aborted) throw new ApiError('CANCELLED', 'Stopped before the model started answering.');
    }
    batch?.onGenerating?.();
    const { plan, sequence, chatWrapper, templated, questionTokens, systemTokens, retrievalOutcome } = prepared;
    if (deps.reusePrefix && !(await deps.reusePrefix())) await sequence.clearHistory();
    let firstTokenAt: number | null = null;
    let completionTokens = 0;
    let text = '';
    let stopReason: StopReason = 'finished';
    let errorMessage: string | null = null;
    const partial = createPartialSaver('id' in target ? target.id : null);
    const stream: AnswerStream = {
      // A batch answer is logged once, complete, and streams to nobody.
      textAtEnd: Boolean(batch),
      onTokens(count) {
        firstTokenAt ??= performance.now();
        completionTokens += count;
      },
      onText(chunk) {
        text += chunk;
        request.onText(chunk);
        partial.offer(text, completionTokens);
      },
    };

    const generation = (async () => {
      try {
        const result = templated
          ? await answerFromTemplate(sequence, templated, settings, controller.signal, stream)
          : await answerWithChatSession(sequence, chatWrapper, plan, request.question, settings, controller.signal, stream);
        text = result.text;
        stopReason = result.stopReason;
      } catch (error) {
        if (controller.signal.aborted) {
          stopReason = 'stopped';
        } else {
          stopReason = 'error';
          errorMessage = error instanceof Error ? error.message : String(error);
        }
      }
    })();
    deps.runtime.trackGeneration(() => controller.abort(), generation);
    try {
      await generation;
    } finally {
      await partial.settle();
    }
    // What the model saw: the template's tokens, or everything in the sequence it did not generate.
    let promptTokens = templated ? templated.prompt.tokens.length : questionTokens + systemTokens;
    try {
      if (!templated && !sequence.disposed) promptTokens = Math.max(0, sequence.contextTokens.length - completionTokens);
    } catch {
      // The runtime failed under this generation; the estimate above stands.
    }

    const finished = performance.now();
    // The sequence is not read after this point.
    batch?.onGenerated?.();
    const decodeSeconds = firstTokenAt !== null ? (finished - firstTokenAt) / 1000 : 0;
    const log = await completeLog(
      target,
      {
        answer: text,
        completed_at: nowIso(),
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        ttft_ms: firstTokenAt !== null ? firstTokenAt - started : null,
        tokens_per_second: completionTokens > 1 && decodeSeconds > 0 ? (completionTokens - 1) / decodeSeconds : null,
        duration_ms: finished - started,
        stop_reason: stopReason,
        error_message: errorMessage,
        retrieval_outcome: retrievalOutcome,
      },
      plan.included,
      tools.calls,
      // A batch answer cut off by a cancel or a runtime failure is not this question's answer:
      // resuming the run asks it again.
      isCompleteAnswer(stopReason) ? batch : undefined,
    );
    // In a batch run a runtime failure is the run's failure, not this question's outcome: the
    // log keeps what was produced, and the run stops to be resumed.
    if (batch && (stopReason as StopReason) === 'error') throw new ApiError('RUNTIME_FAILED', `llama.cpp failed while answering: ${errorMessage ?? 'unknown error'}`);
    return log;
  }

  /** The route's decision and its query as two steps of the answer (what the log detail lists). */
  function recordSqlRoute(tools: ReturnType<typeof createToolCallRecorder>, routed: SqlRouteResult): void {
    const { trace } = routed;
    const route = trace.steps.find((step) => step.step === 'route');
    if (route) {
      tools.record({ toolName: 'route', arguments: {}, resultSummary: JSON.stringify({ route: trace.route, reason: trace.routeReason }), success: route.ok, errorCode: route.code, errorMessage: null, executionTimeMs: route.ms });
    }
    const querySteps = trace.steps.filter((step) => step.step !== 'route');
    if (querySteps.length === 0) return;
    const failed = querySteps.find((step) => !step.ok);
    tools.record({
      toolName: 'sql',
      arguments: { sql: trace.sql },
      resultSummary: routed.outcome === 'answered' ? JSON.stringify({ columns: routed.columns, rows: routed.rows, truncated: routed.truncated }) : JSON.stringify({ stage: routed.stage, sqliteCode: trace.sqliteCode }),
      success: routed.outcome === 'answered',
      errorCode: failed?.code ?? null,
      errorMessage: null,
      executionTimeMs: querySteps.reduce((sum, step) => sum + step.ms, 0),
    });
  }

  /** Everything between the question and the first token: retrieval, the context, the prompt plan. */
  async function prepare(request: AskRequest, session: SessionInfo, signal: AbortSignal, tools: ReturnType<typeof createToolCallRecorder>, placement: ContextPlacement | undefined, routeAllowed: boolean) {
    const settings = session.settingsSnapshot;
    // An admin's question may be answered from EvalDesk's own records: the rows are the answer.
    // Anything else the route ends in (the model chose documents, an unsafe or failing query) is
    // recorded, and the question goes on to documents.
    if (routeAllowed && deps.sqlRoute && settings.sqlRoute && !request.task) {
      const routed = await deps.sqlRoute.answer({ question: request.question, userId: request.userId, session, signal });
      if (routed) {
        recordSqlRoute(tools, routed);
        if (signal.aborted) throw new ApiError('CANCELLED', 'Stopped before the model started answering.');
        if (routed.outcome === 'answered') return { kind: 'direct' as const, text: tableAsText(routed.columns, routed.rows), retrievalOutcome: null };
      }
    }
    // A task carries its own material (the source, the filled template): no retrieval, no history.
    // A session started without documents (the user's choice or preference) retrieves nothing either.
    const retrievalStarted = performance.now();
    const retrievalRequest = { topN: settings.topN, threshold: settings.similarityThreshold, hybrid: settings.hybridSearch, ...(settings.entityRetrieval && { entities: true }), ...(request.filter && { filter: request.filter }) };
    const retrieval: Retrieval = deps.retriever && !request.task && settings.useDocuments
      ? await untilAborted(deps.retriever.retrieve({ workspaceId: session.workspaceId, userId: request.userId, question: request.question, ...retrievalRequest }, signal), signal, 'Stopped before the model started answering.')
      : { outcome: 'none', passages: [] };
    // A search that ran is a step of the answer; a workspace without documents searched nothing.
    // (A failed search ends the question before any log exists, so it has no record to keep.)
    if (retrieval.outcome !== 'none') {
      tools.record({
        toolName: 'retrieve',
        arguments: retrievalRequest,
        resultSummary: JSON.stringify({ outcome: retrieval.outcome, passages: retrieval.passages.length, pinned: retrieval.passages.filter((p) => p.pinned).length }),
        success: true,
        errorCode: null,
        errorMessage: null,
        executionTimeMs: performance.now() - retrievalStarted,
      });
      // Which passages the entity graph brought in, and why (the entities that named them).
      if (retrieval.graph) {
        tools.record({ toolName: 'graph', arguments: { entities: retrieval.graph.entities }, resultSummary: JSON.stringify({ documents: retrieval.graph.documents, relations: retrieval.graph.relations }), success: true, errorCode: null, errorMessage: null, executionTimeMs: retrieval.graph.ms });
      }
    }
    const { passages } = retrieval;
    const retrievalOutcome = retrieval.outcome === 'none' ? null : retrieval.outcome;
    if (settings.chatMode === 'query' && passages.length === 0) {
      // Query mode (seed 000): nothing relevant in the documents means the refusal, not the model.
      return { kind: 'direct' as const, text: settings.refusalResponse, retrievalOutcome };
    }

    const versionAdapters = session.versionId !== null && deps.versionAdapters ? await deps.versionAdapters(session.versionId) : [];
    // A session may turn the version's adapters up or down (0: the base's own answer).
    const adapters = session.adapterScale === null ? versionAdapters : versionAdapters.map((adapter) => ({ ...adapter, scale: session.adapterScale! }));
    const { model, context, sequence, chatWrapper, promptFormat } = await deps.runtime.acquireContext(session.modelId, settings.contextSize, adapters, placement);
    const countTokens = (text: string) => countPromptTokens(model, text);
    const questionTokens = countTokens(request.question);
    const systemTokens = countTokens(session.systemPromptSnapshot);
    const room = context.contextSize - systemTokens - templateReserve;
    if (questionTokens >= room) {
      throw new ApiError(
        'CONTEXT_OVERFLOW',
        `The question is ${questionTokens} tokens long, but this session's context holds ${context.contextSize} tokens (${Math.max(0, room)} left for the question). Shorten it or raise the workspace's context size.`,
        { questionTokens, contextSize: context.contextSize },
      );
    }
    let plan = planPrompt({
      systemPrompt: session.systemPromptSnapshot,
      question: request.question,
      history: request.task ? [] : await recentTurns(session, settings.historyTurns),
      passages,
      contextSize: context.contextSize,
      maxTokens: settings.maxTokens,
      countTokens,
    });
    // With a usable chat template EvalDesk builds the prompt's tokens itself; otherwise null, and
    // node-llama-cpp's chat session formats the conversation.
    let templated: { prompt: BuiltPrompt; stopTokens: ReadonlySet<Token> } | null = null;
    if (promptFormat.rule === 'jinja-whole-text') {
      let prompt: BuiltPrompt;
      ({ plan, prompt } = fitTemplatePrompt(model, promptFormat, plan, request.question, context.contextSize, settings.maxTokens));
      templated = { prompt, stopTokens: promptFormat.stopTokens };
    }
    if (signal.aborted) throw new ApiError('CANCELLED', 'Stopped before the model started answering.');
    return { kind: 'generate' as const, plan, sequence, chatWrapper, templated, questionTokens, systemTokens, retrievalOutcome };
  }

  /**
   * The template's tokens for the plan. The plan counted tokens per message with an estimate of the
   * template's markers; now that the real count is known, the oldest turns make room for the
   * answer if the estimate fell short, and a prompt that cannot fit at all is refused.
   */
  function fitTemplatePrompt(model: LlamaModel, format: Extract<PromptFormat, { rule: 'jinja-whole-text' }>, initial: PromptPlan, question: string, contextSize: number, maxTokens: number) {
    let plan = initial;
    let prompt = buildPromptTokens(model, format.template, toMessages(plan, question));
    while (plan.history.length > 0 && prompt.tokens.length + answerReserve(contextSize, maxTokens) > contextSize) {
      plan = { ...plan, history: plan.history.slice(1) };
      prompt = buildPromptTokens(model, format.template, toMessages(plan, question));
    }
    if (prompt.tokens.length >= contextSize - 1) {
      throw new ApiError(
        'CONTEXT_OVERFLOW',
        `The prompt (system prompt, passages and question in the model's chat template) is ${prompt.tokens.length} tokens long, but this session's context holds ${contextSize} tokens. Shorten the question or the system prompt, or raise the workspace's context size.`,
        { promptTokens: prompt.tokens.length, contextSize },
      );
    }
    return { plan, prompt };
  }

  /**
   * Saves the streamed text now and then (at most once a second, one write at a time), so a crash
   * loses at most the last second of an answer the user already saw.
   */
  function createPartialSaver(logId: number | null) {
    let lastSaved = performance.now();
    let writing: Promise<unknown> = Promise.resolve();
    let inFlight = false;
    return {
      offer(text: string, completionTokens: number) {
        if (logId === null || inFlight || performance.now() - lastSaved < partialSaveIntervalMs) return;
        inFlight = true;
        lastSaved = performance.now();
        writing = db
          .updateTable('conversation_logs')
          .set({ answer: text, completion_tokens: completionTokens, completed_at: nowIso() })
          .where('id', '=', logId)
          .execute()
          .catch((error: unknown) => console.error('[evaldesk] could not save the partial answer', error))
          .finally(() => (inFlight = false));
      },
      settle: () => writing,
    };
  }

  /**
   * Claims the model for one request (a question, or a whole batch run) before the first await:
   * two arriving together cannot both pass the check and then share one context sequence.
   */
  function claim(...requestIds: string[]): AbortController {
    if (requestIds.some((id) => running.has(id))) throw new ApiError('CONFLICT', 'A request with this id is already running.');
    if (running.size > 0) throw new ApiError('MODEL_BUSY', 'The model is still answering the previous question. Stop it or wait.');
    const controller = new AbortController();
    for (const id of requestIds) running.set(id, controller);
    return controller;
  }

  /** Tracks an answer so closing can wait until it is logged. */
  async function tracked(key: string, work: Promise<ConversationLog>): Promise<ConversationLog> {
    answering.set(key, work);
    try {
      return await work;
    } finally {
      answering.delete(key);
    }
  }

  return {
    async ask(request: AskRequest): Promise<ConversationLog> {
      if (request.question.trim().length === 0) throw new ApiError('EMPTY_INPUT', 'Write a question first.');
      const controller = claim(request.requestId);
      owners.set(request.requestId, request.userId);
      try {
        return await tracked(request.requestId, answer(request, controller));
      } finally {
        running.delete(request.requestId);
        owners.delete(request.requestId);
      }
    },

    /**
     * Answers two requests at once, each on its own context of the loaded base (blind A/B: two
     * versions, whose adapters cannot share a context): the first on lane 0, the second on lane 1,
     * both streaming and logged as ordinary answers. Stopping either request stops both. Where
     * memory allows no second context, the second answers after the first, on lane 0.
     */
    async askPair(first: AskRequest, second: AskRequest): Promise<[ConversationLog, ConversationLog]> {
      for (const request of [first, second]) if (request.question.trim().length === 0) throw new ApiError('EMPTY_INPUT', 'Write a question first.');
      const ids = [first.requestId, second.requestId];
      const controller = claim(...ids);
      for (const request of [first, second]) owners.set(request.requestId, request.userId);
      try {
        const firstLog = tracked(first.requestId, answer(first, controller, undefined, { lane: 0, keepSideLane: true })).catch((error: unknown) => {
          // No comparison without the first answer: the second stops too (and is logged as stopped).
          controller.abort();
          throw error;
        });
        const secondLog = tracked(second.requestId, answer(second, controller, undefined, { lane: 1 })).catch(async (error: unknown) => {
          if (!(error instanceof ApiError && error.code === 'MODEL_TOO_BIG')) throw error;
          await firstLog.catch(() => {});
          return tracked(second.requestId, answer(second, controller));
        });
        // Both settle before either outcome is reported: no answer is left running unowned.
        const [a, b] = await Promise.allSettled([firstLog, secondLog]);
        if (a.status === 'rejected') throw a.reason;
        if (b.status === 'rejected') throw b.reason;
        return [a.value, b.value];
      } finally {
        for (const id of ids) {
          running.delete(id);
          owners.delete(id);
        }
      }
    },

    /**
     * Holds the model for a batch run: while `work` runs, questions from the chat get MODEL_BUSY,
     * and `answerOne` answers on the sequence the placement names (several at once are batched by
     * llama.cpp). Aborting `signal` stops every answer of the run; each is still logged.
     */
    async runBatch<T>(batchId: string, signal: AbortSignal, work: (answerOne: (request: AskRequest, placement: BatchPlacement) => Promise<ConversationLog>) => Promise<T>): Promise<T> {
      const controller = claim(batchId);
      const onAbort = () => controller.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) controller.abort();
      try {
        return await work((request, placement) => tracked(request.requestId, answer(request, controller, placement)));
      } finally {
        signal.removeEventListener('abort', onAbort);
        running.delete(batchId);
      }
    },

    /** Stops every answer and waits until each is logged (before the database closes). */
    async stopAll(): Promise<void> {
      for (const controller of running.values()) controller.abort();
      await Promise.allSettled([...answering.values()]);
    },

    /** Start-up recovery: answers that were streaming when the app ended keep what was saved. */
    async recoverInterrupted(): Promise<number> {
      const result = await db
        .updateTable('conversation_logs')
        .set({ stop_reason: 'interrupted', error_message: 'The app closed before the answer was complete.' })
        .where('stop_reason', '=', 'answering')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** Stops a request of `userId` (another user's request id is no request of theirs). */
    stop(requestId: string, userId?: number): { stopped: boolean } {
      const controller = running.get(requestId);
      if (controller && userId !== undefined && owners.get(requestId) !== userId) return { stopped: false };
      controller?.abort();
      return { stopped: Boolean(controller) };
    },

    /** The answers of sessions (one, or a thread's), oldest first, as `viewerId` may see them (another user's private passages withheld). */
    async history(sessionIds: number[], viewerId: number): Promise<ConversationLog[]> {
      if (sessionIds.length === 0) return [];
      const rows = await db.selectFrom('conversation_logs').selectAll().where('session_id', 'in', sessionIds).orderBy('id').execute();
      const ids = rows.map((row) => row.id);
      const [sources, toolCalls] = await Promise.all([sourcesByLog(db, ids, viewerId), toolCallsByLog(db, ids)]);
      return rows.map((row) => toConversationLog(row, sources.get(row.id) ?? [], toolCalls.get(row.id) ?? []));
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;
