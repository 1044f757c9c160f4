import { Template } from '@huggingface/jinja';
import type { LlamaModel, Token } from 'node-llama-cpp';
import { loadLlamaModule } from './llama-module.ts';

/**
 * How a model's prompts are made:
 *  - `jinja-whole-text`: the GGUF's own chat template (tokenizer.chat_template) rendered with a
 *    Jinja implementation the way Hugging Face's apply_chat_template does, and the text tokenized
 *    as one piece, as trainers (TRL, PEFT scripts, mlx-lm, Unsloth) tokenize it; see prompt-tokens.ts;
 *  - `node-llama-cpp-wrapper`: the model has no usable template, so node-llama-cpp's chat wrapper
 *    (resolveChatWrapper) formats the conversation, as EvalDesk always did for such models.
 */
export type PromptRule = 'jinja-whole-text' | 'node-llama-cpp-wrapper';

/** The tokenization of `jinja-whole-text` prompts in a few words; prompt-tokens.ts says it fully. */
export const tokenizationRule = 'whole-text, special tokens only from the template';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatTemplate {
  /** The template text, exactly as the GGUF holds it. */
  readonly source: string;
  render(messages: readonly ChatMessage[], options: { addGenerationPrompt: boolean }): string;
}

export type PromptFormat =
  | {
      rule: 'jinja-whole-text';
      template: ChatTemplate;
      /** Tokens that end the model's turn: EOS/EOT and the template's own end marker (ChatML's <|im_end|>). */
      stopTokens: ReadonlySet<Token>;
    }
  | {
      rule: 'node-llama-cpp-wrapper';
      template: null;
      /** Why the GGUF's template is not used (absent, or it failed to render a conversation). */
      reason: string;
    };

/** Stand-ins for message contents while probing a template: private-use characters no template prints. */
export function contentSentinel(index: number): string {
  return `\u{F0000}${index}\u{F0001}`;
}

/**
 * Compiles the model's chat template once (at load) and checks that it renders a conversation with
 * a system prompt, history and a question; a template that cannot is reported, not used.
 */
export function resolvePromptFormat(model: LlamaModel): PromptFormat {
  const source = model.fileInfo.metadata.tokenizer?.chat_template;
  if (typeof source !== 'string' || source.trim() === '') {
    return { rule: 'node-llama-cpp-wrapper', template: null, reason: 'The model file has no chat template.' };
  }
  let template: ChatTemplate;
  try {
    template = compileChatTemplate(model, source);
    const probe: ChatMessage[] = [
      { role: 'system', content: contentSentinel(0) },
      { role: 'user', content: contentSentinel(1) },
      { role: 'assistant', content: contentSentinel(2) },
      { role: 'user', content: contentSentinel(3) },
    ];
    const rendered = template.render(probe, { addGenerationPrompt: true });
    const missing = probe.findIndex((_message, i) => !rendered.includes(contentSentinel(i)));
    if (missing >= 0) throw new Error(`it leaves out the ${probe[missing]!.role} message`);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { rule: 'node-llama-cpp-wrapper', template: null, reason: `The model's chat template cannot render a conversation with a system prompt (${why}).` };
  }
  return { rule: 'jinja-whole-text', template, stopTokens: stopTokensOf(model, template) };
}

function compileChatTemplate(model: LlamaModel, source: string): ChatTemplate {
  const compiled = new Template(source);
  // What apply_chat_template passes besides the messages: the tokenizer's special tokens as text.
  const specialTokens = {
    bos_token: model.tokens.bosString ?? '',
    eos_token: model.tokens.eosString ?? '',
  };
  return {
    source,
    render(messages, { addGenerationPrompt }) {
      return compiled.render({ ...specialTokens, messages: messages.map((m) => ({ ...m })), add_generation_prompt: addGenerationPrompt });
    },
  };
}

/**
 * The end-of-turn marker is the first control token the template writes after an assistant
 * message; llama.cpp already treats EOS, EOT and well-known markers as end of generation, and this
 * adds whatever this template uses.
 */
function stopTokensOf(model: LlamaModel, template: ChatTemplate): ReadonlySet<Token> {
  const stops = new Set<Token>([model.tokens.eos, model.tokens.eot].filter((t): t is Token => t !== null));
  const answer = contentSentinel(1);
  const rendered = template.render([{ role: 'user', content: contentSentinel(0) }, { role: 'assistant', content: answer }], { addGenerationPrompt: false });
  const after = rendered.slice(rendered.lastIndexOf(answer) + answer.length);
  const marker = model.tokenize(after, true).find((token) => model.getTokenAttributes(token).control);
  if (marker !== undefined) stops.add(marker);
  return stops;
}

/** The vocabulary arrays are most of a GGUF header; reading the template does not need them. */
const bulkyTokenizerKeys = ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges'];

/**
 * The chat template in a GGUF file's header without loading the model: a string, null when the
 * file has none, or undefined when the file cannot be read (moved, deleted, not a GGUF).
 */
export async function readChatTemplate(filePath: string): Promise<string | null | undefined> {
  const { readGgufFileInfo } = await loadLlamaModule();
  try {
    const info = await readGgufFileInfo(filePath, { readTensorInfo: false, logWarnings: false, sourceType: 'filesystem', ignoreKeys: bulkyTokenizerKeys });
    const template = info.metadata.tokenizer?.chat_template;
    return typeof template === 'string' && template.trim() !== '' ? template : null;
  } catch {
    return undefined;
  }
}
