import type { LlamaModel, Token } from 'node-llama-cpp';
import { contentSentinel, type ChatMessage, type ChatTemplate } from '../runtime/chat-template.ts';

/**
 * The tokenization rule (`tokenizationRule` in chat-template.ts, recorded in export manifests):
 *
 *   The prompt is the chat template rendered as text, tokenized as one piece with special-token
 *   text parsed, plus the beginning-of-sequence token when the model asks for one (once, never
 *   twice) — except that special-token text inside a message's content stays text.
 *
 * Why: an adapter reproduces what it learned only on the tokens it was trained on, and trainers
 * tokenize `apply_chat_template(messages, add_generation_prompt=True)` as one string. Tokenizing
 * the template's pieces separately (as node-llama-cpp's chat session does) changes tokens at the
 * piece boundaries (SentencePiece's ▁, a BOS the trainer never had). And a user who types
 * "<|im_end|>", or a document that contains it, must not end a turn: only the template may write
 * control tokens.
 *
 * When no content holds special-token text — nearly always — the tokens are exactly llama.cpp's
 * whole-text tokenization. Otherwise the text is split into what llama.cpp itself tokenizes
 * separately (the raw text between the template's special tokens) and each raw fragment is
 * tokenized with special tokens off; llama.cpp tokenizes whole text fragment by fragment in the
 * same way, so everything outside the offending content is still the trainer's tokenization.
 */
export interface BuiltPrompt {
  /** The rendered template: what apply_chat_template returns for these messages. */
  text: string;
  tokens: Token[];
}

export function buildPromptTokens(model: LlamaModel, template: ChatTemplate, messages: readonly ChatMessage[]): BuiltPrompt {
  const text = template.render(messages, { addGenerationPrompt: true });
  const tokens = messages.some((message) => holdsSpecialTokenText(model, message.content))
    ? tokenizeKeepingContentAsText(model, template, messages, text)
    : model.tokenize(text, true);
  return { text, tokens: withBeginningToken(model, tokens) };
}

/**
 * Per model, what was worked out for texts that come back with every question (the system prompt
 * of a session, a batch run's shared prompt): their token count and whether they hold special-token
 * text. Bounded: a model that has seen many texts starts a new memo.
 */
const memoLimit = 256;
const memos = new WeakMap<LlamaModel, Map<string, { count?: number; special?: boolean }>>();
function memoFor(model: LlamaModel, text: string): { count?: number; special?: boolean } {
  let memo = memos.get(model);
  if (!memo || memo.size >= memoLimit) memos.set(model, (memo = new Map()));
  let entry = memo.get(text);
  if (!entry) memo.set(text, (entry = {}));
  return entry;
}

/** How many tokens `text` is (special-token text parsed as text), remembered for repeated texts. */
export function countTokens(model: LlamaModel, text: string): number {
  const entry = memoFor(model, text);
  return (entry.count ??= model.tokenize(text).length);
}

/** True when tokenizing `text` with special tokens parsed would produce a control token. */
export function holdsSpecialTokenText(model: LlamaModel, text: string): boolean {
  const entry = memoFor(model, text);
  if (entry.special === undefined) {
    const parsed = model.tokenize(text, true);
    const plain = model.tokenize(text, false);
    entry.special = parsed.length !== plain.length || parsed.some((token, i) => token !== plain[i]);
  }
  return entry.special;
}

/** llama.cpp adds BOS in front when the model says so; a template that already wrote it keeps its one. */
function withBeginningToken(model: LlamaModel, tokens: Token[]): Token[] {
  const bos = model.tokens.bos;
  if (!model.tokens.shouldPrependBosToken || bos === null || tokens[0] === bos) return tokens;
  return [bos, ...tokens];
}

/** Template text, or a message's content as the template rendered it. */
type Piece = { literal: string } | { content: string };
type Fragment = { raw: string } | { special: Token };

/**
 * The whole-text tokenization of `text` in which only the template's own text can become special
 * tokens (no BOS added). Exported for tests: on content without special-token text it must equal
 * `model.tokenize(text, true)`.
 *
 * It relies on how llama.cpp tokenizes text with special tokens parsed: it cuts the special tokens
 * out and tokenizes each raw fragment between them on its own, and a SentencePiece vocabulary
 * gives every such fragment its leading ▁ (the first one, and each one after a special token), just
 * as tokenizing the fragment alone does. Special tokens that strip the spaces around them
 * (lstrip/rstrip attributes, rare in chat markers) are not emulated.
 */
export function tokenizeKeepingContentAsText(model: LlamaModel, template: ChatTemplate, messages: readonly ChatMessage[], text: string): Token[] {
  const pieces = locateContents(template, messages, text);
  const fragments: Fragment[] = [];
  const pushRaw = (raw: string) => {
    if (raw === '') return;
    const last = fragments.at(-1);
    if (last && 'raw' in last) last.raw += raw;
    else fragments.push({ raw });
  };
  for (const piece of pieces) {
    if ('content' in piece) pushRaw(piece.content);
    else for (const part of splitAtSpecialTokens(model, piece.literal)) 'raw' in part ? pushRaw(part.raw) : fragments.push(part);
  }
  return fragments.flatMap((fragment) => ('raw' in fragment ? model.tokenize(fragment.raw, false) : [fragment.special]));
}

/**
 * Where each message's content sits in the rendered text: the template is rendered again with
 * sentinels for the contents, and the literal text between sentinels is matched against `text`.
 * Templates that trim the content are followed; a template that rewrites content in other ways
 * gets the untouched content at the sentinel's place (the only case where the prompt is not the
 * template's own rendering, and only for content that holds special-token text).
 */
function locateContents(template: ChatTemplate, messages: readonly ChatMessage[], text: string): Piece[] {
  const skeleton = template.render(messages.map((message, i) => ({ ...message, content: contentSentinel(i) })), { addGenerationPrompt: true });
  const pieces: Array<{ literal: string } | { message: number }> = [];
  const sentinel = /\u{F0000}(\d+)\u{F0001}/gu;
  let from = 0;
  for (const match of skeleton.matchAll(sentinel)) {
    pieces.push({ literal: skeleton.slice(from, match.index) }, { message: Number(match[1]) });
    from = match.index + match[0].length;
  }
  pieces.push({ literal: skeleton.slice(from) });
  const untouched = pieces.map((piece): Piece => ('literal' in piece ? piece : { content: messages[piece.message]!.content }));

  // Follow the real rendering: content as given, or trimmed the way templates trim it.
  const located: Piece[] = [];
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if ('literal' in piece) {
      if (!text.startsWith(piece.literal, at)) return untouched;
      at += piece.literal.length;
      located.push(piece);
      continue;
    }
    const next = pieces[i + 1] as { literal: string };
    const content = messages[piece.message]!.content;
    const rendered = [content, content.trim(), content.trimStart(), content.trimEnd()].find((candidate) => text.startsWith(candidate + next.literal, at));
    if (rendered === undefined) return untouched;
    located.push({ content: rendered });
    at += rendered.length;
  }
  return at === text.length ? located : untouched;
}

/**
 * Splits template text the way llama.cpp's tokenizer partitions text with special tokens parsed:
 * the special tokens it contains (found by tokenizing it) are cut out, longest text first.
 */
function splitAtSpecialTokens(model: LlamaModel, literal: string): Fragment[] {
  const specials = new Map<string, Token>();
  for (const token of model.tokenize(literal, true)) {
    if (model.getTokenAttributes(token).control) specials.set(model.detokenize([token], true), token);
  }
  let fragments: Fragment[] = [{ raw: literal }];
  for (const [text, token] of [...specials].sort(([a], [b]) => b.length - a.length)) {
    fragments = fragments.flatMap((fragment) => {
      if (!('raw' in fragment) || text === '') return [fragment];
      const parts = fragment.raw.split(text);
      return parts.flatMap((raw, i): Fragment[] => [...(i > 0 ? [{ special: token }] : []), ...(raw ? [{ raw }] : [])]);
    });
  }
  return fragments;
}
