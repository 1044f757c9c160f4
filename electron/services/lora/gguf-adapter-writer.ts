import { writeGguf, type GgufMetadataValue, type GgufTensorSpec } from './gguf-writer.ts';
import type { TensorData, TensorType } from './tensor-data.ts';

/**
 * Writes a GGUF LoRA adapter as llama.cpp's convert_lora_to_gguf.py does and llama-adapter.cpp
 * reads it: general.type = "adapter", adapter.type = "lora", adapter.lora.alpha, and for each
 * modified base tensor `<name>.lora_a` and `<name>.lora_b`.
 *
 * Layout (row-major, as PyTorch stores it; GGUF lists the dimensions the other way round):
 *   linear layers   lora_a (rank × in),    lora_b (out × rank)    — y += (B·(A·x)) · alpha/rank
 *   token_embd      lora_a (vocab × rank), lora_b (embd × rank)   — A is transposed for embeddings
 *                                                                   (llama.cpp gathers rows of A)
 */
export interface LoraPair {
  /** The base tensor it modifies, e.g. `blk.0.attn_q.weight`. */
  target: string;
  /** Known before the data is read, so the header can be written first. */
  aShape: [number, number];
  bShape: [number, number];
  type: TensorType;
  a: () => TensorData;
  b: () => TensorData;
}

export interface GgufAdapterSpec {
  architecture: string;
  alpha: number;
  /** general.name */
  name?: string;
  /** What the adapter says it was trained on, kept as general.base_model.0.name for later checks. */
  baseModelName?: string;
  /** aLoRA: the adapter only activates after these tokens. */
  aloraInvocationTokens?: number[];
  pairs: LoraPair[];
}

export const loraTensorNames = (target: string) => ({ a: `${target}.lora_a`, b: `${target}.lora_b` });

export function writeGgufAdapter(filePath: string, spec: GgufAdapterSpec): void {
  const metadata: Record<string, GgufMetadataValue> = {
    'general.architecture': { type: 'string', value: spec.architecture },
    'general.type': { type: 'string', value: 'adapter' },
    ...(spec.name && { 'general.name': { type: 'string', value: spec.name } }),
    ...(spec.baseModelName && {
      'general.base_model.count': { type: 'uint32', value: 1 },
      'general.base_model.0.name': { type: 'string', value: spec.baseModelName },
    }),
    'adapter.type': { type: 'string', value: 'lora' },
    'adapter.lora.alpha': { type: 'float32', value: spec.alpha },
    ...(spec.aloraInvocationTokens?.length && {
      'adapter.alora.invocation_tokens': { type: 'array', itemType: 'uint32', value: spec.aloraInvocationTokens },
    }),
  };
  const tensors: GgufTensorSpec[] = spec.pairs.flatMap((pair) => {
    const names = loraTensorNames(pair.target);
    return [tensorSpec(names.a, pair.aShape, pair.type, pair.a), tensorSpec(names.b, pair.bShape, pair.type, pair.b)];
  });
  writeGguf(filePath, metadata, tensors);
}

function tensorSpec(name: string, shape: [number, number], type: TensorType, load: () => TensorData): GgufTensorSpec {
  return {
    name,
    dims: [shape[1], shape[0]],
    type,
    data: () => {
      const tensor = load();
      if (tensor.type !== type || tensor.shape[0] !== shape[0] || tensor.shape[1] !== shape[1]) {
        throw new Error(`${name}: got ${tensor.type} ${JSON.stringify(tensor.shape)}, declared ${type} ${JSON.stringify(shape)}`);
      }
      return tensor.data;
    },
  };
}
