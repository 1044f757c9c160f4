import fs from 'node:fs';
import path from 'node:path';
import type { EmbedderOption } from '../../../shared/contract/embedders.ts';
import type { ModelInfo } from '../../../shared/contract/entities.ts';
import { familyFor } from './families.ts';

/** GGUF architectures made for sentence embeddings (a chat model can embed, but retrieves poorly). */
const embeddingArchitectures = new Set(['bert', 'nomic-bert', 'nomic-bert-moe', 'jina-bert-v2', 'xlm-roberta', 't5encoder', 'modern-bert', 'gte']);

/** Whether a folder holds a transformers.js embedding model: config, tokenizer and ONNX weights. */
function onnxWeights(folder: string): { q8: boolean; fp32: boolean } | null {
  const has = (file: string) => {
    try {
      return fs.statSync(path.join(folder, file)).isFile();
    } catch {
      return false;
    }
  };
  if (!has('config.json') || !has('tokenizer.json')) return null;
  const q8 = has(path.join('onnx', 'model_quantized.onnx'));
  const fp32 = has(path.join('onnx', 'model.onnx'));
  return q8 || fp32 ? { q8, fp32 } : null;
}

/**
 * What the embedder picker offers: ONNX model folders under `<models folder>/embeddings` (one entry
 * per precision present) and the registered GGUF models, embedding models first. Nothing is loaded.
 */
export function listAvailableEmbedders(modelsDir: string, models: ModelInfo[]): EmbedderOption[] {
  const options: EmbedderOption[] = [];
  const root = path.join(modelsDir, 'embeddings');
  let folders: fs.Dirent[] = [];
  try {
    folders = fs.readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'));
  } catch {
    // No embeddings folder yet.
  }
  for (const folder of folders.sort((a, b) => a.name.localeCompare(b.name))) {
    const weights = onnxWeights(path.join(root, folder.name));
    if (!weights) continue;
    const family = familyFor(folder.name).name;
    // The quantized file is the default (`onnx:<name>`), as the embedder itself resolves it.
    if (weights.q8) options.push({ spec: `onnx:${folder.name}`, kind: 'onnx', name: folder.name, family, precision: 'q8', recommended: true });
    if (weights.fp32) options.push({ spec: `onnx:${folder.name}@fp32`, kind: 'onnx', name: folder.name, family, precision: 'fp32', recommended: !weights.q8 });
  }
  const ggufs = models
    .filter((model) => model.fileExists)
    .map((model): EmbedderOption => ({
      spec: `gguf:${model.filePath}`,
      kind: 'gguf',
      name: model.displayName,
      family: familyFor(path.basename(model.filePath)).name,
      precision: null,
      recommended: embeddingArchitectures.has(model.architecture),
    }));
  return [...options, ...ggufs.sort((a, b) => Number(b.recommended) - Number(a.recommended))];
}
