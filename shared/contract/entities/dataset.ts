import { z } from 'zod';
import { entityId, timestamp } from './fields.ts';

export const exportFormatNames = ['mlx', 'openai'] as const;
export type ExportFormat = (typeof exportFormatNames)[number];

export const datasetSchema = z.object({
  id: entityId,
  name: z.string(),
  format: z.enum(exportFormatNames),
  outDir: z.string(),
  exampleCount: z.number().int(),
  createdAt: timestamp,
  markedTrainedAt: timestamp.nullable(),
});
export type Dataset = z.output<typeof datasetSchema>;

export interface ExportManifest {
  app: { name: 'EvalDesk'; version: string };
  format: ExportFormat;
  createdAt: string;
  datasetId: number;
  filters: Record<string, unknown>;
  seed: number;
  splitRatios: { train: number; valid: number; test: number };
  /** True when user turns carry the retrieved passages before the question. */
  includesRetrievedContext: boolean;
  counts: {
    total: number;
    perSplit: Record<string, number>;
    perEvaluation: Record<'1' | '2' | '3', number>;
  };
  skipped: { total: number; reasons: Record<string, number> };
  files: Array<{ name: string; rows: number; bytes: number; sha256: string }>;
  /** Things a trainer will trip over, e.g. an MLX split smaller than mlx-lm's default batch size. */
  warnings: ExportWarning[];
  /**
   * The chat template of each model whose answers are in the set (absent in exports made before
   * templates were recorded). Models with a template were prompted with it, tokenized by the rule
   * in `tokenization`; models without one through node-llama-cpp's chat wrapper.
   */
  chatTemplates?: ExportChatTemplate[];
  /** How prompts were tokenized: the rendered template as one text, special tokens only from the template. */
  tokenization?: string;
}

export interface ExportChatTemplate {
  modelId: number;
  /** `model`: the GGUF's tokenizer.chat_template; `none`: the file has none; `unavailable`: the file could not be read. */
  source: 'model' | 'none' | 'unavailable';
  template: string | null;
}

/**
 * mlx-lm's default batch size is 4 and it refuses a split with fewer rows ("Dataset must have at
 * least batch_size=4 examples"); `suggestedBatchSize` is the largest that every split allows.
 */
export interface ExportWarning {
  code: 'MLX_SPLIT_BELOW_BATCH_SIZE';
  split: string;
  rows: number;
  batchSize: number;
  suggestedBatchSize: number;
}

export interface ExportResult {
  datasetId: number;
  outDir: string;
  manifest: ExportManifest;
}
