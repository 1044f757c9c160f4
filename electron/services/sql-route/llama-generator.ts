import type { GbnfJsonSchema, LlamaGrammar } from 'node-llama-cpp';
import { promptWithGrammar } from '../runtime/grammar-prompt.ts';
import type { SideModel } from '../runtime/llama-runtime.ts';
import type { JsonGenerator } from './route.ts';

export interface LlamaJsonGeneratorOptions {
  systemPrompt?: string;
  /** Per call; enough for a 2,000-character query (default 768). */
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  signal?: AbortSignal;
}

const defaultSystemPrompt = 'You are the data assistant of EvalDesk, an app for evaluating language models. You reply with one JSON object, exactly as asked.';

/**
 * A JsonGenerator on a llama.cpp model: each call is one fresh chat on `side.sequence` under a
 * grammar made from the call's JSON schema (created once per schema with the model's llama
 * instance), so the output parses unless cut off by `maxTokens`. `side` is what
 * LlamaRuntime.withModel hands its work: the loaded chat model or another beside it.
 */
export function createLlamaJsonGenerator(side: Pick<SideModel, 'llama' | 'sequence'>, options: LlamaJsonGeneratorOptions = {}): JsonGenerator {
  const grammars = new Map<GbnfJsonSchema, Promise<LlamaGrammar>>();
  return async (prompt, schema) => {
    let grammar = grammars.get(schema);
    if (!grammar) {
      grammar = side.llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema);
      grammars.set(schema, grammar);
    }
    return promptWithGrammar(side.sequence, prompt, {
      systemPrompt: options.systemPrompt ?? defaultSystemPrompt,
      grammar: await grammar,
      maxTokens: options.maxTokens ?? 768,
      temperature: options.temperature ?? 0,
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.signal && { signal: options.signal }),
    });
  };
}
