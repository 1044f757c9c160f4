import type { ChatHistoryItem, ChatWrapper, LlamaContextSequence, Token } from 'node-llama-cpp';
import type { SessionInfo, StopReason } from '../../../shared/contract/entities.ts';
import type { PromptPlan } from '../rag/prompt-budget.ts';
import type { ChatMessage } from '../runtime/chat-template.ts';
import { loadLlamaModule } from '../runtime/llama-module.ts';
import type { BuiltPrompt } from './prompt-tokens.ts';
import { generateFromTokens, type GeneratedAnswer } from './token-generation.ts';

/**
 * The two ways an answer is generated: from the model's own chat template (the prompt's tokens
 * built by EvalDesk, see prompt-tokens.ts), or, for a model without a usable template, through
 * node-llama-cpp's chat session and the wrapper it resolved.
 */

/** Why node-llama-cpp's chat session stopped (models without a usable chat template). */
const chatSessionStopReasons: Record<string, StopReason> = {
  eogToken: 'finished',
  stopGenerationTrigger: 'finished',
  customStopTrigger: 'finished',
  functionCalls: 'finished',
  maxTokens: 'max_tokens',
  abort: 'stopped',
};

/** Why generation from the template's tokens stopped. */
const tokenStopReasons: Record<GeneratedAnswer['stopReason'], StopReason> = {
  endOfTurn: 'finished',
  maxTokens: 'max_tokens',
  contextFull: 'max_tokens',
  abort: 'stopped',
};

/** Where a generation reports its progress: tokens as they are sampled, text as it becomes whole characters. */
export interface AnswerStream {
  onTokens(count: number): void;
  onText(chunk: string): void;
  /** The text is read only when the answer is complete (a batch run): it may arrive in one piece. */
  textAtEnd?: boolean;
}

type GenerationSettings = SessionInfo['settingsSnapshot'];

/** The model's own template, tokenized the way the trainer tokenizes it (prompt-tokens.ts). */
export async function answerFromTemplate(
  sequence: LlamaContextSequence,
  templated: { prompt: BuiltPrompt; stopTokens: ReadonlySet<Token> },
  settings: GenerationSettings,
  signal: AbortSignal,
  stream: AnswerStream,
): Promise<{ text: string; stopReason: StopReason }> {
  const result = await generateFromTokens(sequence, templated.prompt.tokens, {
    maxTokens: settings.maxTokens,
    temperature: settings.temperature,
    seed: settings.seed,
    signal,
    stopTokens: templated.stopTokens,
    onToken: () => stream.onTokens(1),
    onText: stream.onText,
    ...(stream.textAtEnd && { textAtEnd: true }),
  });
  return { text: result.text, stopReason: tokenStopReasons[result.stopReason] };
}

/** No usable template: node-llama-cpp's chat wrapper formats the conversation, as it always did. */
export async function answerWithChatSession(
  sequence: LlamaContextSequence,
  chatWrapper: ChatWrapper,
  plan: PromptPlan,
  question: string,
  settings: GenerationSettings,
  signal: AbortSignal,
  stream: AnswerStream,
): Promise<{ text: string; stopReason: StopReason }> {
  const { LlamaChatSession } = await loadLlamaModule();
  const chat = new LlamaChatSession({ contextSequence: sequence, systemPrompt: plan.systemPrompt, chatWrapper, autoDisposeSequence: false });
  try {
    chat.setChatHistory([
      ...(plan.systemPrompt ? [{ type: 'system', text: plan.systemPrompt } as ChatHistoryItem] : []),
      ...plan.history.flatMap((turn): ChatHistoryItem[] => [
        { type: 'user', text: turn.question },
        { type: 'model', response: [turn.answer] },
      ]),
    ]);
    const result = await chat.promptWithMeta(question, {
      maxTokens: settings.maxTokens,
      temperature: settings.temperature,
      ...(settings.seed !== null && { seed: settings.seed }),
      signal,
      stopOnAbortSignal: true,
      onToken: (tokens) => stream.onTokens(tokens.length),
      onTextChunk: stream.onText,
    });
    return { text: result.responseText, stopReason: chatSessionStopReasons[result.stopReason] ?? 'finished' };
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}

/**
 * The conversation as the trainer's apply_chat_template receives it: system, earlier turns, the
 * question. A blank system prompt is left out, as the exporter leaves it out of training examples.
 */
export function toMessages(plan: PromptPlan, question: string): ChatMessage[] {
  return [
    ...(plan.systemPrompt.trim() ? [{ role: 'system', content: plan.systemPrompt } as const] : []),
    ...plan.history.flatMap((turn): ChatMessage[] => [
      { role: 'user', content: turn.question },
      { role: 'assistant', content: turn.answer },
    ]),
    { role: 'user', content: question },
  ];
}
