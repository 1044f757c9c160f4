import { z } from 'zod';
import { entityId, timestamp } from './fields.ts';

/**
 * Supervised formats train on one target answer per question; preference formats on a better and a
 * worse answer (DPO) or on answers labelled good or bad (KTO).
 */
export const sftFormatNames = ['mlx', 'mlx-completions', 'mlx-text', 'openai', 'alpaca', 'sharegpt'] as const;
export const preferenceFormatNames = ['trl-dpo', 'openai-dpo', 'alpaca-preference', 'sharegpt-preference', 'trl-kto'] as const;
export const exportFormatNames = [...sftFormatNames, ...preferenceFormatNames] as const;
export type ExportFormat = (typeof exportFormatNames)[number];

/** What an example holds: one target (sft), a chosen and a rejected answer (preference), one labelled answer (unpaired). */
export type ExportExampleKind = 'sft' | 'preference' | 'unpaired';

/** Where preference examples come from: corrected verdicts 2/3 (correction over model answer; KTO: every verdict), blind A/B choices. */
export const preferenceSourceNames = ['evaluations', 'ab'] as const;
export type PreferenceSource = (typeof preferenceSourceNames)[number];

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
  kind?: ExportExampleKind;
  /** How each line of the files is built from the evaluations, in a few sentences. */
  layout?: string;
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
    /** Preference and KTO exports: examples from evaluations and from blind A/B choices. */
    perSource?: Record<PreferenceSource, number>;
  };
  /** KTO exports: how each completion got its label (ties and both-bad A/B choices included), and the lines per label. */
  labels?: { rule: string; true: number; false: number };
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
  /** {text} form: per model id, whether its own chat template rendered the text or the plain fallback did. */
  textRendering?: Record<string, 'chat-template' | 'plain'>;
  /** The guards applied before anything was written (absent in exports made before they existed). */
  guards?: ExportGuards;
  /** Alpaca and ShareGPT: the LLaMA-Factory registry written beside the files, and the dataset names in it. */
  llamaFactory?: { datasetInfo: 'dataset_info.json'; datasets: string[] };
}

export interface ExportGuards {
  /** Evaluations that are items of an active re-verification set; left out unless `included`. */
  activeReverification: { included: boolean; matched: number; excluded: number };
  /** Questions equal after NFKC, trimming and collapsing whitespace runs: only the newest evaluation (or A/B choice) is kept. */
  duplicates: { enabled: boolean; collapsed: number; rule: string };
  /** Each example rendered and tokenized with the chosen model's own tokenizer, against its training context length. */
  length: ExportLengthCheck | null;
  /**
   * Answers judged by several evaluators give one example each: the adjudicated final verdict
   * when a manager set one, otherwise the verdict all agree on, or (rule `majority`) the verdict
   * most gave; `excluded` answers had none (disputed, or tied).
   */
  verdicts: { rule: 'final' | 'majority'; severalEvaluators: number; adjudicated: number; excluded: number };
}

export interface ExportLengthCheck {
  modelId: number;
  contextLength: number;
  /** `models`: the registered model's training context length; `gguf`: the file header's. */
  contextSource: 'models' | 'gguf';
  /** `chat-template`: the model's own template rendered; `plain`: it has none, role-labelled text. */
  rendering: 'chat-template' | 'plain';
  checked: number;
  tooLong: number;
  longestTokens: number;
  skipTooLong: boolean;
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
 * The guards' warnings repeat their counts so the UI can show each one as it is.
 */
export type ExportWarning =
  | { code: 'MLX_SPLIT_BELOW_BATCH_SIZE'; split: string; rows: number; batchSize: number; suggestedBatchSize: number }
  | { code: 'ACTIVE_REVERIFICATION_EXCLUDED'; count: number }
  | { code: 'DUPLICATE_QUESTIONS_COLLAPSED'; count: number }
  | { code: 'EXAMPLES_TOO_LONG'; count: number; contextLength: number; skipped: boolean };

export interface ExportResult {
  datasetId: number;
  outDir: string;
  manifest: ExportManifest;
}
