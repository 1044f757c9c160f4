import type { ChatHistoryItem } from 'node-llama-cpp';
import type { ConversationLog, StopReason } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { toConversationLog } from '../logs/logs.ts';
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
export function createChatService(db: Db, deps: { runtime: LlamaRuntime; sessions: SessionService }) {
  const running = new Map<string, AbortController>();

  async function history(sessionId: number, turns: number): Promise<ChatHistoryItem[]> {
    if (turns <= 0) return [];
    const rows = await db
      .selectFrom('conversation_logs')
      .select(['question', 'answer'])
      .where('session_id', '=', sessionId)
      .where('stop_reason', '!=', 'error')
      .orderBy('id', 'desc')
      .limit(turns)
      .execute();
    return rows.reverse().flatMap((row): ChatHistoryItem[] => [
      { type: 'user', text: row.question },
      { type: 'model', response: [row.answer] },
    ]);
  }

  return {
    async ask(request: AskRequest): Promise<ConversationLog> {
      if (request.question.trim().length === 0) throw new ApiError('EMPTY_INPUT', 'Write a question first.');
      if (running.has(request.requestId)) throw new ApiError('CONFLICT', 'A request with this id is already running.');
      const session = await deps.sessions.get(request.sessionId);
      if (session.endedAt) throw new ApiError('CONFLICT', 'This session has ended; start a new one to ask more questions.');
      if (running.size > 0) throw new ApiError('MODEL_BUSY', 'The model is still answering the previous question. Stop it or wait.');
      const settings = session.settingsSnapshot;
      const { model, context, sequence } = await deps.runtime.acquireContext(session.modelId, settings.contextSize);

      const questionTokens = model.tokenize(request.question).length;
      const systemTokens = model.tokenize(session.systemPromptSnapshot).length;
      const room = context.contextSize - systemTokens - templateReserve;
      if (questionTokens >= room) {
        throw new ApiError(
          'CONTEXT_OVERFLOW',
          `The question is ${questionTokens} tokens long, but this session's context holds ${context.contextSize} tokens (${Math.max(0, room)} left for the question). Shorten it or raise the workspace's context size.`,
          { questionTokens, contextSize: context.contextSize },
        );
      }

      const controller = new AbortController();
      running.set(request.requestId, controller);
      const { LlamaChatSession } = await loadLlamaModule();
      const chat = new LlamaChatSession({ contextSequence: sequence, systemPrompt: session.systemPromptSnapshot, autoDisposeSequence: false });
      const askedAt = nowIso();
      const started = performance.now();
      let firstTokenAt: number | null = null;
      let completionTokens = 0;
      let answer = '';
      let stopReason: StopReason = 'finished';
      let errorMessage: string | null = null;

      const generation = (async () => {
        try {
          chat.setChatHistory([
            ...(session.systemPromptSnapshot ? [{ type: 'system', text: session.systemPromptSnapshot } as ChatHistoryItem] : []),
            ...(await history(session.id, settings.historyTurns)),
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
      const row = await db
        .insertInto('conversation_logs')
        .values({
          session_id: session.id,
          workspace_id: session.workspaceId,
          model_id: session.modelId,
          user_id: request.userId,
          question: request.question,
          answer,
          asked_at: askedAt,
          completed_at: nowIso(),
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          ttft_ms: firstTokenAt !== null ? firstTokenAt - started : null,
          tokens_per_second: completionTokens > 1 && decodeSeconds > 0 ? (completionTokens - 1) / decodeSeconds : null,
          duration_ms: finished - started,
          stop_reason: stopReason,
          error_message: errorMessage,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toConversationLog(row);
    },

    stop(requestId: string): { stopped: boolean } {
      const controller = running.get(requestId);
      controller?.abort();
      return { stopped: Boolean(controller) };
    },

    async sessionHistory(sessionId: number): Promise<ConversationLog[]> {
      const rows = await db.selectFrom('conversation_logs').selectAll().where('session_id', '=', sessionId).orderBy('id').execute();
      return rows.map(toConversationLog);
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;
