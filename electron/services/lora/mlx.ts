import path from 'node:path';
import { invalid, unsupported } from './errors.ts';
import { openSafetensors, type SafetensorsTensorInfo } from './safetensors.ts';
import { readAdapterConfig, requiredNumber, type TrainerAdapter, type TrainerLoraModule } from './trainer-adapter.ts';

/**
 * Reads an MLX-LM adapter folder (adapters.safetensors + adapter_config.json, what `mlx_lm.lora`
 * saves). MLX-LM's LoRALinear computes y = W·x + scale · ((x·lora_a)·lora_b), lora_a (in × r) and
 * lora_b (r × out); its LoRAEmbedding adds scale · (lora_a[token]·lora_b), lora_a (vocab × r).
 * llama.cpp computes (B·(A·x)) · alpha/r, so the matrices are transposed (convert.ts) and
 * alpha = scale × rank.
 */

/** mlx_lm's default lora_parameters.scale. */
export const mlxDefaultScale = 20;

interface MlxConfig {
  rank: number;
  scale: number;
  baseModel: string | null;
}

function readMlxConfig(folder: string): MlxConfig {
  const config = readAdapterConfig(folder);
  const fineTuneType = config['fine_tune_type'] ?? 'lora';
  if (fineTuneType === 'dora' || config['use_dora'] === true) {
    throw unsupported('dora', 'This MLX-LM adapter was trained with DoRA (fine_tune_type "dora"); llama.cpp applies plain LoRA only. Train with fine_tune_type "lora".');
  }
  if (fineTuneType !== 'lora') {
    throw unsupported('fine_tune_type', `This MLX-LM folder holds a "${String(fineTuneType)}" fine-tune, not a LoRA adapter. Fuse it with mlx_lm.fuse and add the resulting model instead.`, {
      fineTuneType: String(fineTuneType),
    });
  }
  const parameters = config['lora_parameters'];
  if (parameters === undefined || parameters === null) throw invalid('config_field_missing', 'adapter_config.json has no "lora_parameters".', { field: 'lora_parameters' });
  if (typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw invalid('config_field_invalid', '"lora_parameters" in adapter_config.json is not an object.', { field: 'lora_parameters' });
  }
  const lora = parameters as Record<string, unknown>;
  const rank = requiredNumber(lora, 'rank', 'lora_parameters.rank');
  if (!Number.isInteger(rank) || rank <= 0) {
    throw invalid('config_field_invalid', `"lora_parameters.rank" must be a positive whole number (it is ${rank}).`, { field: 'lora_parameters.rank' });
  }
  const scale = lora['scale'] === undefined ? mlxDefaultScale : requiredNumber(lora, 'scale', 'lora_parameters.scale');
  const model = config['model'];
  return { rank, scale, baseModel: typeof model === 'string' && model.trim() ? model.trim() : null };
}

export function readMlxAdapter(folder: string): TrainerAdapter {
  const config = readMlxConfig(folder);
  const weights = openSafetensors(path.join(folder, 'adapters.safetensors'));
  const pairs = new Map<string, { a?: SafetensorsTensorInfo; b?: SafetensorsTensorInfo }>();
  for (const info of weights.tensors.values()) {
    const match = /^(.+)\.lora_([ab])$/.exec(info.name);
    if (!match) {
      if (info.name.endsWith('.m')) {
        throw unsupported('dora', `"${info.name}" is a DoRA magnitude vector; llama.cpp applies plain LoRA only.`, { tensor: info.name });
      }
      throw unsupported('fine_tune_type', `"${info.name}" is a fully trained weight, not a LoRA matrix. Fuse the adapter with mlx_lm.fuse and add the resulting model instead.`, {
        tensor: info.name,
      });
    }
    const [, module, role] = match as unknown as [string, string, 'a' | 'b'];
    const pair = pairs.get(module) ?? {};
    pair[role] = info;
    pairs.set(module, pair);
  }
  const modules: TrainerLoraModule[] = [];
  for (const [module, { a, b }] of pairs) {
    if (!a || !b) throw invalid('tensor_unpaired', `"${module}" has a lora_${a ? 'a' : 'b'} matrix without its lora_${a ? 'b' : 'a'}.`, { module });
    modules.push({ module, a, b });
  }
  return {
    format: 'mlx',
    weights,
    modules,
    ggufAlpha: (rank) => config.scale * rank,
    declaredRank: config.rank,
    declaredBaseModel: config.baseModel,
    warnings: [],
  };
}
