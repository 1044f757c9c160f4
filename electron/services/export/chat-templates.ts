import { Template } from '@huggingface/jinja';
import type { ExportChatTemplate } from '../../../shared/contract/entities.ts';
import type { Db } from '../db/database.ts';
import { loadLlamaModule } from '../runtime/llama-module.ts';
import { readChatTemplate } from '../runtime/chat-template.ts';
import type { ChatMessage, ConversationRenderer } from './formats.ts';

interface ResolvedTemplate extends ExportChatTemplate {
  /** The GGUF the template was read from (a LoRA version's base file), when it has one. */
  filePath: string | null;
}

/**
 * The chat template each model answered with, read from its GGUF file. A LoRA version answers
 * with its base model's template (the adapter file has no tokenizer), so its base is read when the
 * version's own file has none.
 */
async function resolveTemplates(db: Db, modelIds: Iterable<number>): Promise<ResolvedTemplate[]> {
  const ids = [...new Set(modelIds)].sort((a, b) => a - b);
  if (ids.length === 0) return [];
  const models = await db.selectFrom('models').select(['id', 'file_path', 'base_model_id']).where('id', 'in', ids).execute();
  const byId = new Map(models.map((model) => [model.id, model]));
  const results: ResolvedTemplate[] = [];
  for (const modelId of ids) {
    let model = byId.get(modelId);
    let template = model ? await readChatTemplate(model.file_path) : undefined;
    for (let hops = 0; template !== undefined && template === null && model?.base_model_id != null && hops < 4; hops++) {
      const baseId: number = model.base_model_id;
      model = byId.get(baseId) ?? (await db.selectFrom('models').select(['id', 'file_path', 'base_model_id']).where('id', '=', baseId).executeTakeFirst());
      template = model ? await readChatTemplate(model.file_path) : undefined;
    }
    results.push(
      template === undefined
        ? { modelId, source: 'unavailable', template: null, filePath: null }
        : template === null
          ? { modelId, source: 'none', template: null, filePath: model?.file_path ?? null }
          : { modelId, source: 'model', template, filePath: model!.file_path },
    );
  }
  return results;
}

/** The chat templates of the models whose answers went into an export, for its manifest. */
export async function chatTemplatesOf(db: Db, modelIds: Iterable<number>): Promise<ExportChatTemplate[]> {
  return (await resolveTemplates(db, modelIds)).map(({ modelId, source, template }) => ({ modelId, source, template }));
}

/** The fallback when a model has no usable template: role-labelled paragraphs, readable by any trainer. */
export function renderPlain(messages: readonly ChatMessage[]): string {
  const label = { system: 'System', user: 'User', assistant: 'Assistant' } as const;
  return messages.map((message) => `${label[message.role]}: ${message.content}`).join('\n\n');
}

export type TextRendering = 'chat-template' | 'plain';

/**
 * Compiles a chat template the way apply_chat_template renders it (the whole conversation, no
 * generation prompt). `bos_token` is rendered empty: trainers tokenize the text with BOS added, so
 * printing it here would double it. A template that cannot render a system + user + assistant
 * conversation (some refuse a system role) falls back to plain text rather than failing the export.
 */
export function compileRenderer(source: string | null, eosToken: string): { render: ConversationRenderer; rendering: TextRendering } {
  if (source === null) return { render: renderPlain, rendering: 'plain' };
  try {
    const template = new Template(source);
    const render: ConversationRenderer = (messages) =>
      template.render({ messages: messages.map((m) => ({ ...m })), bos_token: '', eos_token: eosToken, add_generation_prompt: false });
    const probe = render([
      { role: 'system', content: '\u{F0000}0' },
      { role: 'user', content: '\u{F0000}1' },
      { role: 'assistant', content: '\u{F0000}2' },
    ]);
    if (![0, 1, 2].every((i) => probe.includes(`\u{F0000}${i}`))) return { render: renderPlain, rendering: 'plain' };
    return { render, rendering: 'chat-template' };
  } catch {
    return { render: renderPlain, rendering: 'plain' };
  }
}

/** Bulky header arrays the EOS lookup does not need (the token strings themselves are kept). */
const unneededKeys = ['tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges'];

/** The EOS token's text from a GGUF header, for templates that print `eos_token`; '' when unknown. */
async function eosTokenOf(filePath: string): Promise<string> {
  const { readGgufFileInfo } = await loadLlamaModule();
  try {
    const info = await readGgufFileInfo(filePath, { readTensorInfo: false, logWarnings: false, sourceType: 'filesystem', ignoreKeys: unneededKeys });
    const ggml = info.metadata.tokenizer?.ggml as { tokens?: readonly string[]; eos_token_id?: number } | undefined;
    return (ggml?.eos_token_id !== undefined && ggml.tokens?.[ggml.eos_token_id]) || '';
  } catch {
    return '';
  }
}

/** One text renderer per model of an export ({text} form), from the template it answered with. */
export async function textRenderersOf(db: Db, modelIds: Iterable<number>): Promise<Map<number, { render: ConversationRenderer; rendering: TextRendering }>> {
  const renderers = new Map<number, { render: ConversationRenderer; rendering: TextRendering }>();
  for (const resolved of await resolveTemplates(db, modelIds)) {
    const eos = resolved.template !== null && resolved.filePath ? await eosTokenOf(resolved.filePath) : '';
    renderers.set(resolved.modelId, compileRenderer(resolved.template, eos));
  }
  return renderers;
}
