import fs from 'node:fs';
import type { ImportedAdapterInfo } from '../../../shared/contract/adapters.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { removeStaleStaging } from './adapter-store.ts';
import { importAdapter } from './import-adapter.ts';

/**
 * Adapters in the data folder: brought in for a registered base model, checked against it, kept
 * content-addressed in `storeDir` (an adapter file is never overwritten in place: llama.cpp caches
 * adapters per loaded model by path, so a replaced file would keep serving the old weights).
 */
export function createAdapterService(deps: { storeDir: string; models: Pick<ModelRegistry, 'get'> }) {
  // What an import killed half-way left behind; nothing refers to staging files.
  if (fs.existsSync(deps.storeDir)) removeStaleStaging(deps.storeDir);
  return {
    async import(baseModelId: number, source: string): Promise<ImportedAdapterInfo> {
      const base = await deps.models.get(baseModelId);
      if (!base.fileExists) throw new ApiError('MODEL_MISSING', `The base model file ${base.filePath} is missing; an adapter can only be checked against it.`, { file: base.filePath });
      const imported = await importAdapter({ source, baseModelPath: base.filePath, storeDir: deps.storeDir });
      const { warnings, ...facts } = imported;
      return { baseModelId, ...facts, notices: warnings };
    },
  };
}

export type AdapterService = ReturnType<typeof createAdapterService>;
