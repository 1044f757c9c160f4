import type { LlamaContextSequence, LlamaGrammar } from 'node-llama-cpp';
import { loadLlamaModule } from './llama-module.ts';

export interface GrammarPromptOptions {
  systemPrompt: string;
  /** Constrains every token (a JSON-schema grammar: the output then parses as JSON, unless cut by maxTokens). */
  grammar: LlamaGrammar;
  maxTokens: number;
  temperature?: number;
  seed?: number;
  signal?: AbortSignal;
}

/**
 * Asks `prompt` once on `sequence` in a fresh chat: the sequence's history is cleared first, so no
 * earlier question or answer can sway this one, and the sequence is left to its owner afterwards.
 * Shared by the judging assistant and the SQL route's route decision and query writer.
 */
export async function promptWithGrammar(sequence: LlamaContextSequence, prompt: string, options: GrammarPromptOptions): Promise<string> {
  const { LlamaChatSession } = await loadLlamaModule();
  await sequence.clearHistory();
  const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt: options.systemPrompt, autoDisposeSequence: false });
  try {
    return await session.prompt(prompt, {
      grammar: options.grammar,
      maxTokens: options.maxTokens,
      temperature: options.temperature ?? 0,
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.signal && { signal: options.signal, stopOnAbortSignal: true }),
    });
  } finally {
    session.dispose({ disposeSequence: false });
  }
}
