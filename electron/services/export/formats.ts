import type { ExportExampleKind, ExportFormat } from '../../../shared/contract/entities.ts';
import { seededFraction } from '../../../shared/seeded-fraction.ts';

export type Split = 'train' | 'valid' | 'test';

/** What the model was asked: the workspace's system prompt, the question and any retrieved passages. */
export interface ExamplePrompt {
  systemPrompt: string;
  question: string;
  /** Retrieved passages as they were put into the prompt, when the export includes them. */
  context?: string[];
}

export interface SftExample extends ExamplePrompt {
  target: string;
}

export interface PreferenceExample extends ExamplePrompt {
  chosen: string;
  rejected: string;
}

export interface UnpairedExample extends ExamplePrompt {
  completion: string;
  /** KTO's label: true for a desirable completion. */
  label: boolean;
}

export interface ExampleOf {
  sft: SftExample;
  preference: PreferenceExample;
  unpaired: UnpairedExample;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Renders a whole conversation as the text a trainer tokenizes (the {text} form). */
export type ConversationRenderer = (messages: readonly ChatMessage[]) => string;

/** The user turn: the question alone, or the passages the model saw followed by the question. */
export function userTurn(example: ExamplePrompt): string {
  if (!example.context?.length) return example.question;
  return `Context:\n${example.context.join('\n\n')}\n\nQuestion: ${example.question}`;
}

/** The prompt as chat messages: the system prompt (when there is one) and the user turn. */
export function promptMessages(example: ExamplePrompt): ChatMessage[] {
  return [...(example.systemPrompt.trim() ? [{ role: 'system' as const, content: example.systemPrompt }] : []), { role: 'user', content: userTurn(example) }];
}

const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });

/** The full conversations an example trains on, for the length check: one per answer it holds. */
export function conversationsOf(kind: ExportExampleKind, example: ExampleOf[ExportExampleKind]): ChatMessage[][] {
  const prompt = promptMessages(example);
  if (kind === 'sft') return [[...prompt, assistant((example as SftExample).target)]];
  if (kind === 'preference') {
    const pair = example as PreferenceExample;
    return [
      [...prompt, assistant(pair.chosen)],
      [...prompt, assistant(pair.rejected)],
    ];
  }
  return [[...prompt, assistant((example as UnpairedExample).completion)]];
}

/** A LLaMA-Factory dataset_info.json entry, without file_name (one entry per split file). */
export interface LlamaFactoryEntry {
  formatting: 'alpaca' | 'sharegpt';
  ranking: boolean;
  columns: Record<string, string>;
  tags?: Record<string, string>;
}

interface FormatSpec<Kind extends ExportExampleKind> {
  kind: Kind;
  /** mlx-lm formats share its batch-size rule. */
  trainer: 'mlx-lm' | 'openai' | 'trl' | 'llama-factory';
  fileName(split: Split): string;
  line(example: ExampleOf[Kind], render: ConversationRenderer): string;
  /** Recorded in the manifest: how a line is built. */
  layout: string;
  llamaFactory?: LlamaFactoryEntry;
}

type AnyFormatSpec = { [Kind in ExportExampleKind]: FormatSpec<Kind> }[ExportExampleKind];

const splitFiles = (split: Split) => `${split}.jsonl`;
const openaiFiles = (split: Split) => ({ train: 'training.jsonl', valid: 'validation.jsonl', test: 'test.jsonl' })[split];

/** ShareGPT's role names (LLaMA-Factory's defaults), declared in the entry's tags all the same. */
const sharegptTags = { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt' };

/**
 * Where KTO's labelled completions come from, recorded in the manifest (`labels.rule`): each
 * evaluation's model answer (true for verdict 1, false for 2 and 3) and, for 2 and 3, the expert's
 * correction (true); each blind A/B choice's answers (the chosen one true and the other false;
 * "both bad": both false; a tie says neither is better nor whether either is good, so it gives none).
 */
export const ktoLabelRule =
  'evaluations: the model answer with label true for verdict 1 and false for 2 and 3, plus for 2 and 3 the correct answer with label true (when written and different from the model answer); ' +
  'A/B choices: the chosen answer true and the other false; both bad: both false; tie: no example (a tie says neither answer is better, not whether either is good).';

const ktoLayout = `TRL conversational unpaired preference (KTO). prompt: system and user messages; completion: one assistant message; label: a boolean. Sources: ${ktoLabelRule}`;

const textLayout =
  "text: the whole conversation (system prompt, user turn, answer) rendered with the answering model's own chat template " +
  '(tokenizer.chat_template, see chatTemplates; a LoRA version uses its base model\'s) with bos_token empty, because mlx-lm tokenizes the text ' +
  'with BOS added and EOS appended; models whose file has no readable template get "System: …\\n\\nUser: …\\n\\nAssistant: …".';

/**
 * Training-set formats, each with the field layout its trainer documents:
 *  - mlx-lm's LoRA trainer (LORA.md "Data"): a folder of train/valid/test.jsonl in its chat
 *    ({messages}), completions ({prompt, completion}) or text ({text}) form;
 *  - OpenAI fine-tuning: chat messages for SFT; for DPO `input.messages`, `preferred_output`,
 *    `non_preferred_output`, each output one assistant message;
 *  - TRL (dataset_formats): conversational preference {prompt, chosen, rejected} with the system
 *    prompt in `prompt`, and conversational unpaired preference (KTO) {prompt, completion, label};
 *  - LLaMA-Factory (data/README.md): Alpaca with `system` and `history`, ShareGPT, each registered
 *    in a generated dataset_info.json.
 */
export const exportFormats: Record<ExportFormat, AnyFormatSpec> = {
  mlx: {
    kind: 'sft',
    trainer: 'mlx-lm',
    fileName: splitFiles,
    line: (example) => JSON.stringify({ messages: [...promptMessages(example), assistant(example.target)] }),
    layout: 'messages: system (when the workspace has a prompt), user, assistant (verdict 1: the model answer; 2 and 3: the correct answer).',
  },
  'mlx-completions': {
    kind: 'sft',
    trainer: 'mlx-lm',
    fileName: splitFiles,
    line: (example) => JSON.stringify({ prompt: userTurn(example), completion: example.target }),
    // mlx-lm wraps prompt and completion as one user and one assistant message; there is no field
    // for a system prompt, so it is not part of these examples (the {messages} form keeps it).
    layout: 'prompt: the user turn; completion: the target answer. mlx-lm applies the chat template to them as a user and an assistant message; the system prompt is not included.',
  },
  'mlx-text': {
    kind: 'sft',
    trainer: 'mlx-lm',
    fileName: splitFiles,
    line: (example, render) => JSON.stringify({ text: render([...promptMessages(example), assistant(example.target)]) }),
    layout: textLayout,
  },
  openai: {
    kind: 'sft',
    trainer: 'openai',
    fileName: openaiFiles,
    line: (example) => JSON.stringify({ messages: [...promptMessages(example), assistant(example.target)] }),
    layout: 'messages: system (when the workspace has a prompt), user, assistant (the target answer).',
  },
  alpaca: {
    kind: 'sft',
    trainer: 'llama-factory',
    fileName: splitFiles,
    line: (example) => JSON.stringify({ instruction: userTurn(example), input: '', output: example.target, system: example.systemPrompt, history: [] }),
    layout: 'instruction: the user turn; input: empty; output: the target answer; system: the workspace system prompt; history: [] (answers are single-turn).',
    llamaFactory: { formatting: 'alpaca', ranking: false, columns: { prompt: 'instruction', query: 'input', response: 'output', system: 'system', history: 'history' } },
  },
  sharegpt: {
    kind: 'sft',
    trainer: 'llama-factory',
    fileName: splitFiles,
    line: (example) =>
      JSON.stringify({
        conversations: [
          { from: 'human', value: userTurn(example) },
          { from: 'gpt', value: example.target },
        ],
        system: example.systemPrompt,
      }),
    layout: 'conversations: human (the user turn), gpt (the target answer); system: the workspace system prompt.',
    llamaFactory: { formatting: 'sharegpt', ranking: false, columns: { messages: 'conversations', system: 'system' }, tags: sharegptTags },
  },
  'trl-dpo': {
    kind: 'preference',
    trainer: 'trl',
    fileName: splitFiles,
    line: (example) => JSON.stringify({ prompt: promptMessages(example), chosen: [assistant(example.chosen)], rejected: [assistant(example.rejected)] }),
    layout: 'TRL conversational preference. prompt: system and user messages; chosen and rejected: one assistant message each (corrections over model answers, A/B winners over losers).',
  },
  'openai-dpo': {
    kind: 'preference',
    trainer: 'openai',
    fileName: openaiFiles,
    line: (example) => JSON.stringify({ input: { messages: promptMessages(example) }, preferred_output: [assistant(example.chosen)], non_preferred_output: [assistant(example.rejected)] }),
    layout: 'OpenAI preference fine-tuning. input.messages: system and user; preferred_output and non_preferred_output: one assistant message each.',
  },
  'alpaca-preference': {
    kind: 'preference',
    trainer: 'llama-factory',
    fileName: splitFiles,
    line: (example) => JSON.stringify({ instruction: userTurn(example), input: '', chosen: example.chosen, rejected: example.rejected, system: example.systemPrompt, history: [] }),
    layout: 'instruction: the user turn; input: empty; chosen and rejected: the better and the worse answer; system; history: [].',
    llamaFactory: { formatting: 'alpaca', ranking: true, columns: { prompt: 'instruction', query: 'input', chosen: 'chosen', rejected: 'rejected', system: 'system', history: 'history' } },
  },
  'sharegpt-preference': {
    kind: 'preference',
    trainer: 'llama-factory',
    fileName: splitFiles,
    line: (example) =>
      JSON.stringify({
        conversations: [{ from: 'human', value: userTurn(example) }],
        chosen: { from: 'gpt', value: example.chosen },
        rejected: { from: 'gpt', value: example.rejected },
        system: example.systemPrompt,
      }),
    layout: 'conversations: the human turn; chosen and rejected: one gpt message each; system: the workspace system prompt.',
    llamaFactory: { formatting: 'sharegpt', ranking: true, columns: { messages: 'conversations', chosen: 'chosen', rejected: 'rejected', system: 'system' }, tags: sharegptTags },
  },
  'trl-kto': {
    kind: 'unpaired',
    trainer: 'trl',
    fileName: splitFiles,
    line: (example) => JSON.stringify({ prompt: promptMessages(example), completion: [assistant(example.completion)], label: example.label }),
    layout: ktoLayout,
  },
};

/**
 * Deterministic split: a hash of (seed, example key) mapped to [0, 1). The same seed always puts
 * the same evaluation in the same split, and rows can be assigned one at a time while streaming.
 */
export function splitFor(seed: number, key: number, validRatio: number, testRatio: number): Split {
  const u = seededFraction(seed, key);
  if (u < validRatio) return 'valid';
  if (u < validRatio + testRatio) return 'test';
  return 'train';
}

/** Whitespace that is not already a single space (JS's \s covers Unicode spaces without the u flag). */
const irregularWhitespace = /\s\s|[^\S ]/;

/**
 * The dedup key of a question: NFKC, trimmed, every run of whitespace one space. Most questions
 * have no irregular whitespace; testing first skips the replace, which dominated the export's time.
 */
export function normalizedQuestion(question: string): string {
  const text = question.normalize('NFKC').trim();
  return irregularWhitespace.test(text) ? text.replace(/\s+/g, ' ') : text;
}
