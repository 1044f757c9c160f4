import path from 'node:path';
import type { LlamaContext, LlamaContextOptions, LlamaLogLevel, LlamaModel } from 'node-llama-cpp';
import { invalid } from './errors.ts';

/**
 * Applying adapters through node-llama-cpp with llama.cpp's real reason when it refuses one.
 * node-llama-cpp rejects createContext with the same generic "Failed to initialize LoRA adapter"
 * whatever went wrong; llama.cpp's reason ("model arch and LoRA arch mismatch", "tensor … has
 * incorrect shape", "… not within the file bounds") only reaches the Llama instance's logger. So
 * the logger is tapped for the duration of the call, and the reason is put into the error.
 *
 * The tap is per Llama instance: load one context with adapters at a time (the runtime holds one
 * model at a time anyway). The Llama's log level must include errors (node-llama-cpp's default,
 * "warn", and EvalDesk's runtime setting, "error", both do).
 */

export interface AdapterToApply {
  filePath: string;
  /** Multiplies alpha/rank; 1 applies the adapter as trained. */
  scale?: number;
}

/** llama.cpp's error lines that belong to loading a LoRA adapter (llama-adapter.cpp, gguf.cpp). */
const adapterLogLine = /lora|adapter|gguf_init|gguf_/i;
const reasonLine = /failed to apply lora adapter:\s*(.+)$/i;

export async function createContextWithAdapters(
  model: LlamaModel,
  adapters: AdapterToApply[],
  options: Omit<LlamaContextOptions, 'lora'> = {},
): Promise<LlamaContext> {
  return withAdapterReasons(model.llama, adapters, () => model.createContext({ ...options, lora: { adapters: adapters.map(({ filePath, scale }) => ({ filePath, scale: scale ?? 1 })) } }));
}

/** A context whose adapters can be replaced in place (node-llama-cpp's own step after creating one with `lora`). */
interface AdapterSettableContext {
  _setLoras(adapters: Array<{ filePath: string; scale?: number }>): Promise<void>;
}

/** Whether `replaceContextAdapters` can work on this node-llama-cpp (it uses an internal method, looked up, never assumed). */
export function canReplaceAdapters(context: LlamaContext): context is LlamaContext & AdapterSettableContext {
  return typeof (context as unknown as Partial<AdapterSettableContext>)._setLoras === 'function';
}

/**
 * Replaces the adapters applied to a live context: what node-llama-cpp does itself right after
 * creating a context with `lora` (llama.cpp's llama_set_adapters_lora, which re-plans the compute
 * graph before the next decode), here without reallocating the KV cache. All adapters are loaded
 * before any is applied, so a refused one leaves the context with the adapters it had. The caller
 * clears what the sequences evaluated under the previous ones.
 */
export async function replaceContextAdapters(context: LlamaContext, adapters: AdapterToApply[]): Promise<void> {
  if (!canReplaceAdapters(context)) throw new Error('This node-llama-cpp cannot replace the adapters of a context.');
  await withAdapterReasons(context.model.llama, adapters, () => context._setLoras(adapters.map(({ filePath, scale }) => ({ filePath, scale: scale ?? 1 }))));
}

/** Runs `work` (which loads `adapters`) with the llama logger tapped, so a refusal carries llama.cpp's reason. */
async function withAdapterReasons<T>(llama: LlamaModel['llama'], adapters: AdapterToApply[], work: () => Promise<T>): Promise<T> {
  const previous = llama.logger;
  const errors: string[] = [];
  llama.logger = (level: LlamaLogLevel, message: string) => {
    if ((String(level) === 'error' || String(level) === 'fatal') && adapterLogLine.test(message)) errors.push(message.trim());
    previous(level, message);
  };
  try {
    return await work();
  } catch (error) {
    if (!/lora/i.test(String((error as Error)?.message ?? error))) throw error;
    // Log lines are delivered through a microtask; let them arrive.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const failing = adapters.find((a) => String((error as Error).message).includes(a.filePath)) ?? adapters[0];
    const detail = llamaCppReason(errors) ?? String((error as Error).message);
    throw invalid(
      'runtime_refused',
      `llama.cpp refused the adapter ${failing ? path.basename(failing.filePath) : ''}: ${detail}`,
      { detail, ...(failing && { path: failing.filePath }) },
      { cause: error },
    );
  } finally {
    llama.logger = previous;
  }
}

/** The most specific line llama.cpp logged: its reason, preceded by what the GGUF reader said. */
function llamaCppReason(lines: string[]): string | null {
  const reasons = lines.map((line) => reasonLine.exec(line)?.[1]?.trim()).filter((r): r is string => Boolean(r));
  const ggufLines = lines.filter((line) => !reasonLine.test(line) && /gguf/i.test(line)).map((line) => line.replace(/^\w+:\s*/, ''));
  if (reasons.length === 0) return ggufLines.at(-1) ?? null;
  const reason = reasons.at(-1)!;
  return ggufLines.length && reason.startsWith('failed to load lora adapter') ? `${reason} (${ggufLines.join('; ')})` : reason;
}
