import type { ChatHistoryItem } from 'node-llama-cpp';
import type { ConversationLog, StopReason } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { Insertable } from 'kysely';
import type { ConversationLogsTable } from '../db/schema.ts';
import { sourcesByLog, toConversationLog, toRetrievedSource } from '../logs/logs.ts';
import { planPrompt, type Turn } from '../rag/prompt-budget.ts';
import type { RetrievedPassage, Retriever } from '../rag/retriever.ts';
import { loadLlamaModule } from '../runtime/llama-module.ts';
import type { LlamaRuntime } from '../runtime/llama-runtime.ts';
import type { SessionService } from '../sessions/sessions.ts';

export interface AskRequest {
  sessionId: number;
  userId: number;
  question: string;
  requestId: string;
  onText: (text: string) => void;
}

/** Tokens kept free for the chat template's own markers around the question. */
const templateReserve = 32;

const stopReasons: Record<string, StopReason> = {
  eogToken: 'finished',
  stopGenerationTrigger: 'finished',
  customStopTrigger: 'finished',
  functionCalls: 'finished',
  maxTokens: 'max_tokens',
  abort: 'stopped',
};

/**
 * Asks the session's model a question, streams the answer through `onText`, and logs the result
 * with its measurements. A stopped or failed generation is still logged with what was produced.
 */
export function createChatService(db: Db, deps: { runtime: LlamaRuntime; sessions: SessionService; retriever?: Retriever }) {
  const running = new Map<string, AbortController>();

  async function recentTurns(sessionId: number, turns: number): Promise<Turn[]> {
    if (turns <= 0) return [];
    const rows = await db
      .selectFrom('conversation_logs')
      .select(['question', 'answer'])
      .where('session_id', '=', sessionId)
      .where('stop_reason', '!=', 'error')
      .orderBy('id', 'desc')
      .limit(turns)
      .execute();
    return rows.reverse();
  }

  async function insertLog(values: Insertable<ConversationLogsTable>, sources: Array<{ rank: number; passage: RetrievedPassage; promptText: string }>): Promise<ConversationLog> {
    return db.transaction().execute(async (trx) => {
      const row = await trx.insertInto('conversation_logs').values(values).returningAll().executeTakeFirstOrThrow();
      const sourceRows = sources.map(({ rank, passage, promptText }) => ({
        log_id: row.id,
        rank,
        chunk_id: passage.chunkId,
        document_id: passage.documentId,
        doc_id: passage.docId,
        title: passage.title,
        page: passage.page,
        section: passage.section,
        score: passage.score,
        pinned: passage.pinned ? (1 as const) : (0 as const),
        prompt_text: promptText,
      }));
      if (sourceRows.length) await trx.insertInto('conversation_log_sources').values(sourceRows).execute();
      return toConversationLog(row, sourceRows.map(toRetrievedSource));
    });
  }

  return {
    async ask(request: AskRequest): Promise<ConversationLog> {
      if (request.question.trim().length === 0) throw new ApiError('EMPTY_INPUT', 'Write a question first.');
      if (running.has(request.requestId)) throw new ApiError('CONFLICT', 'A request with this id is already running.');
      const session = await deps.sessions.get(request.sessionId);
      if (session.endedAt) throw new ApiError('CONFLICT', 'This session has ended; start a new one to ask more questions.');
      if (running.size > 0) throw new ApiError('MODEL_BUSY', 'The model is still answering the previous question. Stop it or wait.');
      const settings = session.settingsSnapshot;
      const askedAt = nowIso();
      const started = performance.now();
      // What every log of this question records, whatever happens next.
      const identity = { session_id: session.id, workspace_id: session.workspaceId, model_id: session.modelId, user_id: request.userId, question: request.question, asked_at: askedAt };

      const passages = deps.retriever
        ? await deps.retriever.retrieve({
            workspaceId: session.workspaceId,
            userId: request.userId,
            question: request.question,
            topN: settings.topN ?? 4,
            threshold: settings.similarityThreshold ?? 0.25,
            hybrid: settings.hybridSearch ?? false,
          })
        : [];
      if (settings.chatMode === 'query' && passages.length === 0) {
        // Query mode (seed 000): nothing relevant in the documents means the refusal, not the model.
        const refusal = settings.refusalResponse ?? 'There is no relevant information in the documents of this workspace.';
        request.onText(refusal);
        return insertLog(
          {
            ...identity,
            answer: refusal,
            completed_at: nowIso(),
            prompt_tokens: 0,
            completion_tokens: 0,
            ttft_ms: null,
            tokens_per_second: null,
            duration_ms: performance.now() - started,
            stop_reason: 'finished',
            error_message: null,
          },
          [],
        );
      }

      const { model, context, sequence } = await deps.runtime.acquireContext(session.modelId, settings.contextSize);
      const countTokens = (text: string) => model.tokenize(text).length;
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
      const plan = planPrompt({
        systemPrompt: session.systemPromptSnapshot,
        question: request.question,
        history: await recentTurns(session.id, settings.historyTurns),
        passages,
        contextSize: context.contextSize,
        maxTokens: settings.maxTokens,
        countTokens,
      });

      const controller = new AbortController();
      running.set(request.requestId, controller);
      const { LlamaChatSession } = await loadLlamaModule();
      const chat = new LlamaChatSession({ contextSequence: sequence, systemPrompt: plan.systemPrompt, autoDisposeSequence: false });
      let firstTokenAt: number | null = null;
      let completionTokens = 0;
      let answer = '';
      let stopReason: StopReason = 'finished';
      let errorMessage: string | null = null;

      const generation = (async () => {
        try {
          chat.setChatHistory([
            ...(plan.systemPrompt ? [{ type: 'system', text: plan.systemPrompt } as ChatHistoryItem] : []),
            ...plan.history.flatMap((turn): ChatHistoryItem[] => [
              { type: 'user', text: turn.question },
              { type: 'model', response: [turn.answer] },
            ]),
          ]);
          const result = await chat.promptWithMeta(request.question, {
            maxTokens: settings.maxTokens,
            temperature: settings.temperature,
            signal: controller.signal,
            stopOnAbortSignal: true,
            onToken: (tokens) => {
              firstTokenAt ??= performance.now();
              completionTokens += tokens.length;
            },
            onTextChunk: (text) => {
              answer += text;
              request.onText(text);
            },
          });
          answer = result.responseText;
          stopReason = stopReasons[result.stopReason] ?? 'finished';
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
        running.delete(request.requestId);
        chat.dispose({ disposeSequence: false });
      }
      // What the model saw: everything in the sequence that it did not generate itself.
      let promptTokens = questionTokens + systemTokens;
      try {
        if (!sequence.disposed) promptTokens = Math.max(0, sequence.contextTokens.length - completionTokens);
      } catch {
        // The runtime failed under this generation; the estimate above stands.
      }

      const finished = performance.now();
      const decodeSeconds = firstTokenAt !== null ? (finished - firstTokenAt) / 1000 : 0;
      return insertLog(
        {
          ...identity,
          answer,
          completed_at: nowIso(),
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          ttft_ms: firstTokenAt !== null ? firstTokenAt - started : null,
          tokens_per_second: completionTokens > 1 && decodeSeconds > 0 ? (completionTokens - 1) / decodeSeconds : null,
          duration_ms: finished - started,
          stop_reason: stopReason,
          error_message: errorMessage,
        },
        plan.included,
      );
    },

    stop(requestId: string): { stopped: boolean } {
      const controller = running.get(requestId);
      controller?.abort();
      return { stopped: Boolean(controller) };
    },

    async sessionHistory(sessionId: number): Promise<ConversationLog[]> {
      const rows = await db.selectFrom('conversation_logs').selectAll().where('session_id', '=', sessionId).orderBy('id').execute();
      const sources = await sourcesByLog(db, rows.map((row) => row.id));
      return rows.map((row) => toConversationLog(row, sources.get(row.id) ?? []));
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;
