import { z } from 'zod';
import { patchOf } from './derive.ts';
import { entityId, isoDate, longText, timestamp } from './fields.ts';

export const modelKinds = ['base', 'lora', 'full'] as const;
export type ModelKind = (typeof modelKinds)[number];

/** What a person may change on a registered model; everything else is read from the file. */
export const modelEditableSchema = z.object({
  displayName: z.string().trim().min(1).max(200),
  version: z.string().max(100),
  description: longText(10_000),
  baseModelId: entityId.nullable(),
  kind: z.enum(modelKinds),
  trainedAt: isoDate.nullable(),
});

export const modelSchema = modelEditableSchema.extend({
  id: entityId,
  filePath: z.string(),
  fileSize: z.number(),
  fingerprint: z.string(),
  architecture: z.string(),
  parameterCount: z.number().nullable(),
  quantization: z.string().nullable(),
  trainingContextLength: z.number().nullable(),
  hasChatTemplate: z.boolean(),
  createdAt: timestamp,
  registeredAt: timestamp,
  /** Set when the model was removed while logs still refer to it: hidden from lists, kept for history. */
  removedAt: timestamp.nullable(),
  /** False when the file was moved or deleted after registration. */
  fileExists: z.boolean(),
});
export type ModelInfo = z.output<typeof modelSchema>;

export const modelPatchInput = patchOf(modelEditableSchema);
export type ModelPatch = z.output<typeof modelPatchInput>;
