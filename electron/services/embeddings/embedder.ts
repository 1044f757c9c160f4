import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/contract/errors.ts';
import { loadLlamaModule } from '../runtime/llama-module.ts';
import { familyFor } from './families.ts';

/** Turns text into vectors, and counts tokens with the same tokenizer (chunk sizes depend on it). */
export interface Embedder {
  /** Stable id stored with every vector table: `onnx:<model>` or `gguf:<file name>`. */
  id: string;
  dimensions: number;
  countTokens(text: string): number;
  embedPassages(texts: string[]): Promise<Float32Array[]>;
  embedQuery(text: string): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface EmbedderLocation {
  /** Folder holding ONNX embedding models (each a transformers.js model folder). */
  onnxDir: string;
  threads?: number;
}

const batchSize = 16;

/**
 * Model files must be regular files: opening a FIFO, socket or device blocks (or reads forever),
 * and a blocked read cannot be interrupted. Missing optional files are checked by their loaders.
 */
function requireRegularFile(file: string, model: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return;
  }
  if (!stat.isFile()) {
    throw new ApiError('EMBEDDER_UNAVAILABLE', `${path.basename(file)} of the embedding model "${model}" is not a regular file, so EvalDesk will not read it.`, { model, file: path.basename(file), reason: 'not_a_file' });
  }
}

function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  return vector.map((value) => value / norm);
}

/**
 * An ONNX model through transformers.js, from a local folder only: remote downloads are switched
 * off, so a missing model is an error, never a silent network call.
 */
async function openOnnxEmbedder(modelName: string, location: EmbedderLocation, dtype: 'q8' | 'fp32'): Promise<Embedder> {
  const folder = path.resolve(location.onnxDir, modelName);
  if (!folder.startsWith(path.resolve(location.onnxDir) + path.sep) || !fs.existsSync(path.join(folder, 'config.json'))) {
    throw new ApiError('EMBEDDER_UNAVAILABLE', `The embedding model "${modelName}" is not in ${location.onnxDir}. Copy its folder (config.json, tokenizer.json, onnx/) there.`, { model: modelName });
  }
  const onnxFolder = path.join(folder, 'onnx');
  const weights = fs.existsSync(onnxFolder) ? fs.readdirSync(onnxFolder).filter((name) => name.endsWith('.onnx')).map((name) => path.join(onnxFolder, name)) : [];
  for (const file of [path.join(folder, 'config.json'), path.join(folder, 'tokenizer.json'), ...weights]) requireRegularFile(file, modelName);
  const transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = path.resolve(location.onnxDir) + path.sep;
  if (location.threads && transformers.env.backends.onnx) {
    // Same reason as llama.cpp's thread setting: oversubscribing 2 cores is much slower.
    (transformers.env.backends.onnx as { wasm?: unknown; numThreads?: number }).numThreads = location.threads;
  }
  let extractor: Awaited<ReturnType<typeof transformers.pipeline<'feature-extraction'>>>;
  try {
    extractor = await transformers.pipeline('feature-extraction', modelName, { dtype, local_files_only: true, session_options: location.threads ? { intraOpNumThreads: location.threads, interOpNumThreads: 1 } : {} });
  } catch (cause) {
    throw new ApiError('EMBEDDER_UNAVAILABLE', `The embedding model "${modelName}" could not be loaded: ${(cause as Error).message}`, { model: modelName }, { cause });
  }
  const family = familyFor(modelName);
  const embed = async (texts: string[]): Promise<Float32Array[]> => {
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const output = await extractor(texts.slice(i, i + batchSize), { pooling: 'mean', normalize: true });
      const [rows, dims] = output.dims as [number, number];
      const data = output.data as Float32Array;
      for (let r = 0; r < rows; r++) vectors.push(data.slice(r * dims, (r + 1) * dims));
    }
    return vectors;
  };
  const probe = await embed(['dimension probe']);
  return {
    id: `onnx:${modelName}`,
    dimensions: probe[0]!.length,
    countTokens: (text) => (extractor.tokenizer.encode(text) as number[]).length,
    embedPassages: (texts) => embed(texts.map((text) => family.passage + text)),
    embedQuery: async (text) => (await embed([family.query + text]))[0]!,
    dispose: () => extractor.dispose(),
  };
}

/** A GGUF embedding model through node-llama-cpp's embedding context. */
async function openGgufEmbedder(filePath: string, location: EmbedderLocation): Promise<Embedder> {
  if (!fs.existsSync(filePath)) throw new ApiError('EMBEDDER_UNAVAILABLE', `The GGUF embedding model ${filePath} does not exist.`, { model: filePath });
  requireRegularFile(filePath, filePath);
  const { getLlama } = await loadLlamaModule();
  const llama = await getLlama({ gpu: false, maxThreads: location.threads ?? 1, build: 'never' });
  const model = await llama.loadModel({ modelPath: filePath });
  const context = await model.createEmbeddingContext({ contextSize: Math.min(2048, model.trainContextSize), threads: location.threads ?? 1 });
  const family = familyFor(path.basename(filePath));
  const embedOne = async (text: string) => normalize(Float32Array.from((await context.getEmbeddingFor(text)).vector));
  const probe = await embedOne('dimension probe');
  return {
    id: `gguf:${path.basename(filePath)}`,
    dimensions: probe.length,
    countTokens: (text) => model.tokenize(text).length,
    embedPassages: async (texts) => {
      const out: Float32Array[] = [];
      for (const text of texts) out.push(await embedOne(family.passage + text));
      return out;
    },
    embedQuery: (text) => embedOne(family.query + text),
    dispose: async () => {
      await context.dispose();
      await model.dispose();
    },
  };
}

/**
 * Opens an embedder from its spec: `onnx:<folder name>` (transformers.js, q8 by default,
 * `onnx:<name>@fp32` for full precision) or `gguf:<absolute path>`.
 */
export async function openEmbedder(spec: string, location: EmbedderLocation): Promise<Embedder> {
  if (spec.startsWith('onnx:')) {
    const [name, dtype] = spec.slice(5).split('@');
    return openOnnxEmbedder(name!, location, dtype === 'fp32' ? 'fp32' : 'q8');
  }
  if (spec.startsWith('gguf:')) return openGgufEmbedder(spec.slice(5), location);
  throw new ApiError('VALIDATION', `Unknown embedder "${spec}". Use onnx:<model folder> or gguf:<file path>.`);
}
