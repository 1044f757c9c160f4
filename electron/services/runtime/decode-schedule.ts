import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';

/**
 * How answers generated on one context share its decodes (node-llama-cpp's batching).
 *
 * - When: the library's default decodes at once only when every sequence of the context has a
 *   token queued, otherwise on the next event-loop cycle, behind all JavaScript already queued. A
 *   context sized for a batch run of 8 that answers one question at a time then waits a cycle
 *   before each token, behind the app's own work (logging the previous answer, preparing the next).
 *   Here a decode starts as soon as every answer being generated has its token queued.
 * - Together: the library decodes whatever is queued the moment a decode finishes, so answers that
 *   once fell out of step (one started later) stay out of step: each decode carries the token of
 *   one answer while the others wait. Answers here take their tokens in turns (`nextToken`): after
 *   one turn they are back in step and every decode carries a token of each — what makes parallel
 *   sequences pay on a GPU, where one decode of eight tokens costs about as much as one of one.
 */

/** Per context: the answers being generated on it, and the turn their next tokens are taken in. */
interface ContextTurns {
  /** Sequences inside an answer's generation loop, prompt included (the dispatch rule's count). */
  generating: number;
  /** Of those, the ones past their first token: they take their next tokens in turns together. */
  members: number;
  /** Members that have their token and wait for the others' before asking for the next. */
  waiting: Array<() => void>;
  watchdog: ReturnType<typeof setTimeout> | null;
}

const turns = new WeakMap<LlamaContext, ContextTurns>();

/** A turn that does not complete in this time (a member stuck outside the loop) is let go. */
const turnTimeoutMs = 2_000;

function turnsOf(context: LlamaContext): ContextTurns {
  let state = turns.get(context);
  if (!state) turns.set(context, (state = { generating: 0, members: 0, waiting: [], watchdog: null }));
  return state;
}

function release(state: ContextTurns): void {
  if (state.watchdog) clearTimeout(state.watchdog);
  state.watchdog = null;
  const waiting = state.waiting;
  state.waiting = [];
  for (const resume of waiting) resume();
}

export interface GenerationTurn {
  /**
   * Call after each generated token, before asking for the next. Alone on the context it returns
   * nothing; with other answers generating it resolves once each has its token, so that all ask
   * for their next tokens at once and one decode serves them all.
   */
  nextToken(): Promise<void> | undefined;
  /** The answer is complete (or failed): the others no longer wait for it. Idempotent. */
  end(): void;
}

/**
 * Marks an answer generating on `sequence` until `end()`.
 *
 * node-llama-cpp decodes whatever is queued the moment a decode finishes, so two answers that once
 * fell out of step (one started later) stay out of step for good: each decode carries one token
 * of one answer while the other waits for it. Taking tokens in turns puts them back in step after
 * one token, and then every decode carries a token of each answer.
 */
export function trackGeneration(sequence: LlamaContextSequence): GenerationTurn {
  const state = turnsOf(sequence.context);
  state.generating++;
  let member = false;
  let ended = false;
  return {
    nextToken() {
      if (ended) return undefined;
      if (!member) {
        member = true;
        state.members++;
      }
      if (state.members <= 1) return undefined;
      if (state.waiting.length + 1 >= state.members) {
        release(state);
        return undefined;
      }
      return new Promise<void>((resume) => {
        state.waiting.push(resume);
        // Unreferenced: a turn left waiting never keeps a closing process alive.
        state.watchdog ??= setTimeout(() => release(state), turnTimeoutMs).unref();
      });
    },
    end() {
      if (ended) return;
      ended = true;
      state.generating = Math.max(0, state.generating - 1);
      if (member) state.members = Math.max(0, state.members - 1);
      if (state.waiting.length > 0 && state.waiting.length >= state.members) release(state);
    },
  };
}

/** Microtask turns a decode waits for the other generating answers' tokens before the next cycle. */
const maxMicrotaskWaits = 32;

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
    if (!context || queued === null) return void setImmediate(dispatch);
    // The answers taking tokens in turns queue theirs within a few microtasks of each other.
    let waited = 0;
    const check = () => {
      if ((queuedSequences(context) ?? 0) >= turnsOf(context).generating) dispatch();
      else if (++waited < maxMicrotaskWaits) queueMicrotask(check);
      else setImmediate(dispatch);
    };
    check();
  };
}
