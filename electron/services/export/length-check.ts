import fs from 'node:fs';
import type { ExportLengthCheck } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { Db } from '../db/database.ts';
import { loadLlamaModule } from '../runtime/llama-module.ts';
import { compileRenderer } from './chat-templates.ts';
import type { ChatMessage } from './formats.ts';

export interface LengthChecker {
  readonly summary: Omit<ExportLengthCheck, 'checked' | 'tooLong' | 'longestTokens' | 'skipTooLong'>;
  /** Tokens of a whole conversation as the trainer of that model would feed it. */
  count(conversation: readonly ChatMessage[]): number;
  dispose(): Promise<void>;
}

/**
 * Opens a registered model's own tokenizer for the length guard: only the vocabulary is loaded
 * (`vocabOnly`, no weights, so a 70B file costs what its tokenizer costs). A LoRA version counts with
 * its base model's tokenizer, since the adapter file has none. Conversations are rendered with the
 * model's chat template and tokenized as one text, special tokens parsed, plus BOS when the model
 * prepends one: what mlx-lm, TRL and LLaMA-Factory measure against their max length.
 */
export async function openLengthChecker(db: Db, modelId: number): Promise<LengthChecker> {
  const row = await db
    .selectFrom('models')
    .select(['id', 'file_path', 'kind', 'base_model_id', 'training_context_length', 'removed_at'])
    .where('id', '=', modelId)
    .executeTakeFirst();
  if (!row || row.removed_at !== null) {
    throw new ApiError('NOT_FOUND', `Model ${modelId} (chosen for the length check) is not registered.`, { entity: 'model', id: modelId, field: 'lengthCheckModelId' });
  }
  let filePath = row.file_path;
  let contextLength = row.training_context_length;
  if (row.kind === 'lora' && row.base_model_id !== null) {
    const base = await db.selectFrom('models').select(['file_path', 'training_context_length']).where('id', '=', row.base_model_id).executeTakeFirst();
    if (base) {
      filePath = base.file_path;
      contextLength ??= base.training_context_length;
    }
  }
  if (!fs.existsSync(filePath)) {
    throw new ApiError('MODEL_MISSING', `The file of model ${modelId} (${filePath}) is missing, so its tokenizer cannot check the example lengths.`, { id: modelId, path: filePath });
  }

  const { getLlama, LlamaLogLevel } = await loadLlamaModule();
  let model: Awaited<ReturnType<Awaited<ReturnType<typeof getLlama>>['loadModel']>>;
  try {
    const llama = await getLlama({ gpu: false, maxThreads: 1, build: 'never', progressLogs: false, logLevel: LlamaLogLevel.error });
    model = await llama.loadModel({ modelPath: filePath, vocabOnly: true });
  } catch (error) {
    throw new ApiError('MODEL_INVALID', `The tokenizer of model ${modelId} could not be loaded: ${error instanceof Error ? error.message : String(error)}`, { id: modelId, path: filePath });
  }
  const source = model.fileInfo.metadata.tokenizer?.chat_template;
  const { render, rendering } = compileRenderer(typeof source === 'string' && source.trim() !== '' ? source : null, model.tokens.eosString ?? '');
  const bos = model.tokens.shouldPrependBosToken ? 1 : 0;
  const contextSource = contextLength !== null ? 'models' : 'gguf';
  return {
    summary: { modelId, contextLength: contextLength ?? model.trainContextSize, contextSource, rendering },
    count: (conversation) => model.tokenize(render(conversation), true).length + bos,
    dispose: () => model.dispose(),
  };
}
