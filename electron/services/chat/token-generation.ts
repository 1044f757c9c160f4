import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { trackGeneration } from '../runtime/decode-schedule.ts';

export interface TokenGenerationOptions {
  maxTokens: number;
  temperature: number;
  /** Fixes sampling, so the same prompt gives the same answer (null: a new draw each time). */
  seed?: number | null;
  signal: AbortSignal;
  /** Tokens that end the answer (not part of it): EOS, EOT, the template's end-of-turn marker. */
  stopTokens: ReadonlySet<Token>;
  onToken: () => void;
  onText: (chunk: string) => void;
  /**
   * Nobody reads the text while it is generated (a batch run): decode it once at the end instead
   * of token by token. The text is the same; only when it arrives differs.
   */
  textAtEnd?: boolean;
}

export interface GeneratedAnswer {
  text: string;
  tokens: Token[];
  /** `contextFull`: the context window has no room left; the answer is cut there rather than shifted. */
  stopReason: 'endOfTurn' | 'maxTokens' | 'abort' | 'contextFull';
}

/**
 * Evaluates exactly `prompt` on the sequence and samples the answer, streaming its text.
 *
 * The sequence keeps its tokens between questions: the prefix it shares with the previous prompt
 * (BOS, system prompt, earlier turns) is kept and only the rest is evaluated. When the context
 * fills up the answer stops instead of shifting the context, because a shifted context is a prompt
 * that no trainer ever produced.
 */
export async function generateFromTokens(sequence: LlamaContextSequence, prompt: readonly Token[], options: TokenGenerationOptions): Promise<GeneratedAnswer> {
  const { model } = sequence;
  const contextSize = sequence.context.contextSize;
  if (prompt.length === 0 || prompt.length >= contextSize) throw new Error(`A prompt of ${prompt.length} tokens does not fit a context of ${contextSize}.`);
  // At least the prompt's last token is evaluated again: its logits give the first answer token.
  await sequence.adaptStateToTokens(prompt.slice(0, -1), false);
  const pending = prompt.slice(sequence.nextTokenIndex);

  const text = options.textAtEnd ? createTextAtEnd(model, prompt.slice(-4)) : createStreamingText(model, prompt.slice(-4));
  const tokens: Token[] = [];
  let answer = '';
  const emit = (chunk: string) => {
    if (!chunk) return;
    answer += chunk;
    options.onText(chunk);
  };
  if (options.signal.aborted) return { text: '', tokens, stopReason: 'abort' };

  let stopReason: GeneratedAnswer['stopReason'] = 'maxTokens';
  // Sequences generating together are decoded together (decode-schedule.ts).
  const turn = trackGeneration(sequence);
  try {
    for await (const token of sequence.evaluate(pending, { temperature: options.temperature, ...(options.seed != null && { seed: options.seed }), yieldEogToken: true })) {
      if (options.stopTokens.has(token) || model.isEogToken(token)) {
        stopReason = 'endOfTurn';
        break;
      }
      tokens.push(token);
      options.onToken();
      emit(text.push(token));
      if (options.signal.aborted) {
        stopReason = 'abort';
        break;
      }
      if (tokens.length >= options.maxTokens) break;
      if (sequence.nextTokenIndex >= contextSize - 1) {
        stopReason = 'contextFull';
        break;
      }
      const otherAnswers = turn.nextToken();
      if (otherAnswers) await otherAnswers;
    }
  } finally {
    turn.end();
  }
  // A model that ended its turn inside a character wrote those bytes: keep them (as U+FFFD). An
  // answer cut from outside lost the rest of its last character: drop the incomplete bytes.
  emit(stopReason === 'endOfTurn' ? text.flush() : text.completeOnly());
  return { text: answer, tokens, stopReason };
}

/**
 * The same text as createStreamingText, decoded in one call when the answer ends: the tokens are
 * kept and nothing is released before. Decoding them whole with the prompt's last tokens as
 * context gives what the streamed pieces add up to.
 */
function createTextAtEnd(model: LlamaModel, precedingTokens: readonly Token[]) {
  const tokens: Token[] = [];
  const decode = () => (tokens.length ? model.detokenize(tokens, false, precedingTokens) : '');
  return {
    push(token: Token): string {
      tokens.push(token);
      return '';
    },
    flush: decode,
    completeOnly: () => decode().replace(/\uFFFD+$/u, ''),
  };
}

/** The longest UTF-8 sequence: at most this many byte tokens can make up one character. */
const maxBytesPerCharacter = 4;

/**
 * Detokenizes token by token without splitting characters: byte-fallback (SentencePiece) and
 * byte-level (BPE) vocabularies spell a Korean or Japanese character over several tokens, and a
 * token that ends inside a character decodes to U+FFFD. Such tokens wait for the rest of their
 * character. Earlier tokens are passed as context, so SentencePiece's leading-space rule decodes
 * each token as it reads in the whole text.
 */
function createStreamingText(model: LlamaModel, precedingTokens: readonly Token[]) {
  let context: Token[] = [...precedingTokens];
  let waiting: Token[] = [];
  const decode = () => model.detokenize(waiting, false, context);
  const release = (decoded: string) => {
    context = [...context, ...waiting].slice(-maxBytesPerCharacter * 2);
    waiting = [];
    return decoded;
  };
  return {
    push(token: Token): string {
      waiting.push(token);
      const decoded = decode();
      if (decoded.endsWith('\uFFFD') && waiting.length < maxBytesPerCharacter) return '';
      return release(decoded);
    },
    flush: () => (waiting.length ? release(decode()) : ''),
    /** What is decodable, without a character whose bytes did not all arrive. */
    completeOnly: () => (waiting.length ? release(decode().replace(/\uFFFD+$/u, '')) : ''),
  };
}
