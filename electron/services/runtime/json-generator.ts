import type { GbnfJsonSchema, LlamaGrammar } from 'node-llama-cpp';
import { promptWithGrammar } from './grammar-prompt.ts';
import type { SideModel } from './llama-runtime.ts';

/** What one call of a JsonGenerator may be given beside the prompt and schema. */
export interface JsonGenerationOptions {
  /** Stops this call's generation (a per-call timeout, a cancel): it then rejects or resolves with what it had. */
  signal?: AbortSignal;
}

/**
 * Asks the model `prompt`, its answer constrained to `schema`; resolves with the raw text. The
 * model is injected this way wherever a service needs JSON from it (the SQL route, graph-RAG
 * extraction), so its logic is tested with fixed strings at this boundary and runs in the app on
 * node-llama-cpp under a JSON-schema grammar (createLlamaJsonGenerator below).
 */
export type JsonGenerator = (prompt: string, schema: GbnfJsonSchema, options?: JsonGenerationOptions) => Promise<string>;

export interface LlamaJsonGeneratorOptions {
  systemPrompt?: string;
  /** Per call; enough for a 2,000-character query (default 768). */
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  /** Stops every call of this generator (the work's signal); a call's own signal stops that call only. */
  signal?: AbortSignal;
}

const defaultSystemPrompt = 'You are the data assistant of EvalDesk, an app for evaluating language models. You reply with one JSON object, exactly as asked.';

/**
 * A JsonGenerator on a llama.cpp model: each call is one fresh chat on `side.sequence` under a
 * grammar made from the call's JSON schema (created once per schema with the model's llama
 * instance), so the output parses unless cut off by `maxTokens` or stopped by a signal. `side` is
 * what LlamaRuntime.withModel hands its work: the loaded chat model or another beside it. Calls
 * must not overlap (they share one sequence).
 */
export function createLlamaJsonGenerator(side: Pick<SideModel, 'llama' | 'sequence'>, options: LlamaJsonGeneratorOptions = {}): JsonGenerator {
  const grammars = new Map<GbnfJsonSchema, Promise<LlamaGrammar>>();
  return async (prompt, schema, call = {}) => {
    let grammar = grammars.get(schema);
    if (!grammar) {
      grammar = side.llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema);
      grammars.set(schema, grammar);
    }
    const signals = [options.signal, call.signal].filter((signal): signal is AbortSignal => signal !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    return promptWithGrammar(side.sequence, prompt, {
      systemPrompt: options.systemPrompt ?? defaultSystemPrompt,
      grammar: await grammar,
      maxTokens: options.maxTokens ?? 768,
      temperature: options.temperature ?? 0,
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(signal && { signal }),
    });
  };
}
