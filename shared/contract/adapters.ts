import { z } from 'zod';
import { method } from './define.ts';
import { absolutePath, entityId } from './entities/fields.ts';

/** Something to confirm before an adapter is used (e.g. it names another base model). */
export interface AdapterNotice {
  code: 'BASE_NAME_MISMATCH' | 'BASE_NAME_UNKNOWN' | 'NORM_TENSORS_IGNORED' | 'ALPHA_MISSING';
  message: string;
  params: Record<string, string | number>;
}

/** An adapter brought into the data folder for a base model, checked against it. */
export interface ImportedAdapterInfo {
  baseModelId: number;
  /** The content-addressed GGUF adapter in the data folder (`adapters/<sha256>.gguf`). */
  filePath: string;
  sha256: string;
  bytes: number;
  /** The data folder already held this exact adapter. */
  reused: boolean;
  /** What was brought: a GGUF adapter (copied) or a PEFT / MLX-LM folder (converted). */
  format: 'gguf' | 'peft' | 'mlx';
  architecture: string;
  alpha: number | null;
  /** Base tensors the adapter changes, and its ranks. */
  targets: string[];
  ranks: number[];
  /** The base model the adapter's own files name, if any. */
  declaredBaseModel: string | null;
  notices: AdapterNotice[];
}

export const adapterMethods = {
  /**
   * Checks a LoRA adapter (a GGUF adapter file, a PEFT folder or an MLX-LM folder) against a
   * registered base model and stores it, converted to a GGUF adapter, content-addressed in the
   * data folder. Refusals are ADAPTER_INVALID / ADAPTER_MISMATCH / ADAPTER_UNSUPPORTED with a
   * `reason`; nothing is stored then. The source is never modified.
   */
  'adapters.import': method<ImportedAdapterInfo>()({
    input: z.object({ baseModelId: entityId, path: absolutePath }).strict(),
    permission: 'manage',
  }),
};
