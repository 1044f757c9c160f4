import fs from 'node:fs';
import path from 'node:path';
import { loadLlamaModule } from '../runtime/llama-module.ts';
import { invalid, unsupported } from './errors.ts';

/**
 * What the adapter checks need from GGUF headers (the base model's and the adapter's), read with
 * node-llama-cpp's header parser: nothing is loaded.
 */

export interface GgufTensorFacts {
  name: string;
  /** ne[0] first, as ggml orders dimensions. */
  dims: number[];
  ggmlType: number;
}

export interface BaseModelFacts {
  filePath: string;
  architecture: string;
  /** general.name, general.basename, general.size_label, general.finetune: what names the model. */
  names: { name: string | null; basename: string | null; sizeLabel: string | null; finetune: string | null };
  /** Attention head counts (for llama's rotary permutation of q/k LoRAs); null when absent or per-layer. */
  headCount: number | null;
  headCountKv: number | null;
  tensors: ReadonlyMap<string, number[]>;
}

export interface GgufAdapterFacts {
  filePath: string;
  architecture: string;
  /** adapter.lora.alpha; null when the file has none (llama.cpp then applies B·A unscaled). */
  alpha: number | null;
  name: string | null;
  /** general.base_model.N.name / repo_url: what the adapter says it was trained on. */
  baseModelNames: string[];
  tensors: GgufTensorFacts[];
}

/** GGML types a LoRA adapter can hold (convert_lora_to_gguf.py's --outtype f32/f16/bf16/q8_0): elements per block, bytes per block. */
const adapterTensorTypes: Record<number, { name: string; block: number; bytes: number }> = {
  0: { name: 'F32', block: 1, bytes: 4 },
  1: { name: 'F16', block: 1, bytes: 2 },
  8: { name: 'Q8_0', block: 32, bytes: 34 },
  30: { name: 'BF16', block: 1, bytes: 2 },
};

type Nested = { [key: string]: unknown };

/** A value of node-llama-cpp's nested metadata object by its dotted GGUF key. */
function metadataValue(metadata: unknown, key: string): unknown {
  let node: unknown = metadata;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Nested)[part];
  }
  return node;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);

function count(value: unknown): number | null {
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
  // Some architectures store one value per layer; a single permutation needs them all equal.
  if (Array.isArray(value) && value.length > 0 && value.every((v) => Number(v) === Number(value[0]))) return Number(value[0]);
  return null;
}

async function readHeader(filePath: string, onError: (cause: unknown) => Error) {
  const { readGgufFileInfo } = await loadLlamaModule();
  try {
    return await readGgufFileInfo(filePath, { readTensorInfo: true, logWarnings: false, sourceType: 'filesystem' });
  } catch (cause) {
    throw onError(cause);
  }
}

export async function readBaseModelFacts(filePath: string): Promise<BaseModelFacts> {
  const info = await readHeader(filePath, (cause) =>
    invalid('base_unreadable', `The base model ${path.basename(filePath)} cannot be read: its GGUF header is damaged or the file is missing.`, { path: filePath }, { cause }),
  );
  const metadata = info.metadata as unknown;
  const architecture = text(metadataValue(metadata, 'general.architecture')) ?? '';
  return {
    filePath,
    architecture,
    names: {
      name: text(metadataValue(metadata, 'general.name')),
      basename: text(metadataValue(metadata, 'general.basename')),
      sizeLabel: text(metadataValue(metadata, 'general.size_label')),
      finetune: text(metadataValue(metadata, 'general.finetune')),
    },
    headCount: count(metadataValue(metadata, `${architecture}.attention.head_count`)),
    headCountKv: count(metadataValue(metadata, `${architecture}.attention.head_count_kv`)),
    tensors: new Map((info.fullTensorInfo ?? info.tensorInfo ?? []).map((t) => [t.name, t.dimensions.map(Number)])),
  };
}

/**
 * Reads a GGUF adapter's header and checks that the file holds all of its tensor data: the header
 * of a truncated file still parses, and llama.cpp would only notice once it reads the tensors.
 */
export async function readGgufAdapterFacts(filePath: string): Promise<GgufAdapterFacts> {
  const file = path.basename(filePath);
  const magic = Buffer.alloc(4);
  let size: number;
  try {
    size = fs.statSync(filePath).size;
    const fd = fs.openSync(filePath, 'r');
    try {
      fs.readSync(fd, magic, 0, 4, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (cause) {
    throw invalid('source_missing', `${file} does not exist or cannot be read.`, { path: filePath }, { cause });
  }
  if (magic.toString('latin1') !== 'GGUF') throw invalid('gguf_corrupt', `${file} is not a GGUF file (it does not start with the GGUF signature).`, { path: filePath });

  const info = await readHeader(filePath, (cause) => invalid('gguf_corrupt', `${file} is a damaged or truncated GGUF file: its header cannot be read.`, { path: filePath }, { cause }));
  const metadata = info.metadata as unknown;
  const generalType = text(metadataValue(metadata, 'general.type'));
  const adapterType = text(metadataValue(metadata, 'adapter.type'));
  if (generalType !== 'adapter') {
    throw invalid('not_an_adapter', `${file} is not an adapter: its general.type is "${generalType ?? 'missing'}" (a model, not a LoRA adapter).`, {
      path: filePath,
      generalType: generalType ?? '',
    });
  }
  if (adapterType !== 'lora') {
    throw invalid('not_an_adapter', `${file} is a "${adapterType ?? 'unknown'}" adapter; only LoRA adapters can be applied.`, { path: filePath, adapterType: adapterType ?? '' });
  }

  const tensors: GgufTensorFacts[] = [];
  let dataEnd = info.infoEndOffset ?? 0;
  for (const tensor of info.fullTensorInfo ?? info.tensorInfo ?? []) {
    const type = adapterTensorTypes[tensor.ggmlType];
    if (!type) {
      throw unsupported('tensor_dtype', `Tensor "${tensor.name}" in ${file} has GGML type ${tensor.ggmlType}; LoRA tensors must be F32, F16, BF16 or Q8_0.`, {
        tensor: tensor.name,
        dtype: String(tensor.ggmlType),
      });
    }
    const dims = tensor.dimensions.map(Number);
    const elements = dims.reduce((a, b) => a * b, 1);
    dataEnd = Math.max(dataEnd, Number(tensor.fileOffset) + Math.ceil(elements / type.block) * type.bytes);
    tensors.push({ name: tensor.name, dims, ggmlType: tensor.ggmlType });
  }
  if (dataEnd > size) {
    throw invalid('gguf_truncated', `${file} is truncated: its tensors need ${dataEnd} bytes but the file has ${size}. Copy it again.`, {
      path: filePath,
      expected: dataEnd,
      actual: size,
    });
  }

  const alpha = metadataValue(metadata, 'adapter.lora.alpha');
  const baseModelNames: string[] = [];
  const baseModels = metadataValue(metadata, 'general.base_model');
  const baseCount = count(metadataValue(metadata, 'general.base_model.count')) ?? 0;
  for (let i = 0; i < baseCount; i++) {
    const entry = (baseModels as Nested | undefined)?.[String(i)];
    for (const key of ['name', 'repo_url']) {
      const value = text(metadataValue(entry, key));
      if (value) baseModelNames.push(value);
    }
  }
  return {
    filePath,
    architecture: text(metadataValue(metadata, 'general.architecture')) ?? '',
    alpha: typeof alpha === 'number' && Number.isFinite(alpha) ? alpha : null,
    name: text(metadataValue(metadata, 'general.name')),
    baseModelNames,
    tensors,
  };
}
