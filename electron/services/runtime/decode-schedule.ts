import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';

/**
 * When a context's queued tokens are decoded (node-llama-cpp's `batching.dispatchSchedule`).
 *
 * The library's default decodes at once only when every sequence of the context has a token
 * queued, and otherwise on the next event-loop cycle, after all JavaScript already queued. A
 * context sized for a batch run of 8 that answers one question at a time (chat, or a run with
 * less parallelism) then waits a whole cycle before each token, behind whatever the app queued
 * meanwhile (logging the previous answer, preparing the next), instead of decoding while that
 * runs. Here a decode starts at once when every sequence that is generating an answer has its
 * token queued; otherwise the default applies, so answers generated together are still batched.
 */

/** Sequences of each context inside an answer's generation loop (see `trackGeneration`). */
const generating = new WeakMap<LlamaContext, number>();

/** Marks `sequence` as generating until the returned function is called. */
export function trackGeneration(sequence: LlamaContextSequence): () => void {
  const context = sequence.context;
  generating.set(context, (generating.get(context) ?? 0) + 1);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    generating.set(context, Math.max(0, (generating.get(context) ?? 1) - 1));
  };
}

/** How many sequences have a decode queued; null when this node-llama-cpp does not say. */
function queuedSequences(context: LlamaContext): number | null {
  const queued = (context as unknown as { _queuedDecodeSequenceIds?: unknown })._queuedDecodeSequenceIds;
  return queued instanceof Set ? queued.size : null;
}

/**
 * A `dispatchSchedule` for a context not created yet: `contextOf` returns it once it exists.
 * Without the library's queue (another version of it), the default schedule applies.
 */
export function decodeWhenAllGenerating(contextOf: () => LlamaContext | null): (dispatch: () => void) => void {
  return (dispatch) => {
    const context = contextOf();
    const queued = context ? queuedSequences(context) : null;
    if (context && queued !== null && queued >= (generating.get(context) ?? 0)) dispatch();
    else setImmediate(dispatch);
  };
}
