import { z } from 'zod';
import { absolutePath, entityId, isoDate, longText, timestamp } from './fields.ts';

/** One LoRA adapter of a version, as stored in the data folder (content-addressed GGUF). */
export const versionAdapterSchema = z.object({
  position: z.number().int().min(0),
  filePath: z.string(),
  sha256: z.string(),
  /** 1 applies the adapter as trained; 0 gives the base. */
  scale: z.number(),
  format: z.enum(['gguf', 'peft', 'mlx']),
  /** Where it was brought from (never modified). */
  sourcePath: z.string(),
  alpha: z.number().nullable(),
  ranks: z.array(z.number().int()),
  targetCount: z.number().int(),
});
export type VersionAdapter = z.output<typeof versionAdapterSchema>;

/**
 * A model version (issue 12): a base GGUF plus LoRA adapters with scales, its parent version,
 * the dataset it was trained on and what the training run recorded.
 */
export const modelVersionSchema = z.object({
  id: entityId,
  baseModelId: entityId,
  parentVersionId: entityId.nullable(),
  name: z.string(),
  datasetId: entityId.nullable(),
  datasetName: z.string().nullable(),
  notes: z.string(),
  /** Free fields plus what the adapter config says (rank, alpha, target modules). */
  hyperparameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  trainer: z.string(),
  baseFingerprint: z.string(),
  trainedAt: timestamp.nullable(),
  createdAt: timestamp,
  adapters: z.array(versionAdapterSchema),
  /** Evaluations marked "trained into this version" when it was linked to its dataset. */
  trainedEvaluations: z.number().int(),
  /** Sessions that asked this version, and the answers of those sessions that were judged. */
  sessions: z.number().int(),
  judgedAnswers: z.number().int(),
});
export type ModelVersion = z.output<typeof modelVersionSchema>;

/**
 * Which version of a model answered, as the services name it: a registered version by its name;
 * the base alone with `versionId` and `versionName` null. No service writes a label for the base:
 * each screen says it in the reader's language (the renderer's `versionLabel`, the report's own
 * strings), so no English text reaches a Korean or Japanese screen.
 */
export interface VersionRef {
  modelId: number;
  modelName: string;
  versionId: number | null;
  versionName: string | null;
}

export const versionRegisterInput = z
  .object({
    baseModelId: entityId,
    parentVersionId: entityId.nullable().default(null),
    name: z.string().trim().min(1).max(200),
    /** A GGUF LoRA adapter, a PEFT adapter folder or an MLX-LM adapter folder (absolute path). */
    adapterPath: absolutePath,
    scale: z.number().min(0).max(4).default(1),
    datasetId: entityId.nullable().default(null),
    notes: longText(20_000).default(''),
    trainer: z.string().max(200).default(''),
    hyperparameters: z.record(z.string().max(100), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])).default({}),
    trainedAt: isoDate.nullable().default(null),
    /** The adapter names another base model (or none): register anyway, as the user confirmed. */
    confirmBaseName: z.boolean().default(false),
  })
  .strict();
