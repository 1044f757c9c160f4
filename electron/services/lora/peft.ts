import path from 'node:path';
import { invalid, unsupported, type AdapterWarning } from './errors.ts';
import { openSafetensors, type SafetensorsTensorInfo } from './safetensors.ts';
import { readAdapterConfig, requiredNumber, type TrainerAdapter, type TrainerLoraModule } from './trainer-adapter.ts';

/**
 * Reads a Hugging Face PEFT LoRA folder (adapter_config.json + adapter_model.safetensors), the
 * format PEFT, TRL, Unsloth, Axolotl and LLaMA-Factory save. PEFT computes
 * y = W·x + (B·(A·x)) · scaling with scaling = lora_alpha / r (or lora_alpha / √r with rsLoRA).
 *
 * What llama.cpp cannot apply is refused here, with the reason: convert_lora_to_gguf.py stops on
 * any tensor that is not lora_A / lora_B (full embed_tokens / lm_head weights, meaning tokens were
 * added; DoRA magnitude vectors; LoRA biases; trainable-token deltas) and ignores config options
 * whose effect it cannot write (per-module alphas, rsLoRA): those would convert into an adapter
 * that silently computes something else, so EvalDesk refuses them or, for rsLoRA with one rank,
 * folds √r into alpha.
 */

function nonEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return typeof value === 'string' ? value.length > 0 : value === true;
}

interface PeftConfig {
  alpha: number;
  rank: number;
  rsLora: boolean;
  /** rank_pattern gives some modules their own rank. */
  perModuleRanks: boolean;
  baseModel: string | null;
  aloraInvocationTokens?: number[];
  modulesToSave: string[];
}

function readPeftConfig(folder: string): PeftConfig {
  const config = readAdapterConfig(folder);
  const peftType = config['peft_type'];
  if (peftType !== undefined && peftType !== 'LORA') {
    throw unsupported('peft_type', `This is a PEFT ${String(peftType)} adapter; llama.cpp applies LoRA adapters only.`, { peftType: String(peftType) });
  }
  if (config['use_dora'] === true) {
    throw unsupported('dora', 'This adapter uses DoRA (use_dora): llama.cpp applies plain LoRA only and has no place for DoRA’s magnitude vectors. Train without DoRA, or merge the adapter into the model and convert the merged model.');
  }
  const alpha = requiredNumber(config, 'lora_alpha');
  const rank = requiredNumber(config, 'r');
  if (!Number.isInteger(rank) || rank <= 0) throw invalid('config_field_invalid', `"r" in adapter_config.json must be a positive whole number (it is ${rank}).`, { field: 'r' });
  const alphaPattern = config['alpha_pattern'];
  if (nonEmpty(alphaPattern) && Object.values(alphaPattern as object).some((value) => value !== alpha)) {
    throw unsupported('alpha_pattern', 'This adapter gives some modules their own lora_alpha (alpha_pattern); a GGUF adapter has a single alpha, so it would be applied with the wrong strength.');
  }
  if (config['lora_bias'] === true) throw unsupported('lora_bias', 'This adapter trains LoRA biases (lora_bias); llama.cpp has no place for them.');
  if (nonEmpty(config['layer_replication'])) throw unsupported('layer_replication', 'This adapter duplicates layers (layer_replication); llama.cpp applies adapters to the base model’s own layers only.');
  if (config['fan_in_fan_out'] === true) throw unsupported('fan_in_fan_out', 'This adapter stores its matrices transposed for Conv1D layers (fan_in_fan_out), which these model families do not have.');
  if (nonEmpty(config['target_parameters'])) throw unsupported('target_parameters', 'This adapter targets raw parameters (target_parameters, e.g. mixture-of-experts weights), which llama.cpp cannot apply.');
  if (nonEmpty(config['trainable_token_indices'])) {
    throw unsupported('trainable_tokens', 'This adapter retrains some token embeddings (trainable_token_indices); llama.cpp applies only LoRA matrices. Merge it into the model and convert the merged model.');
  }
  const tokens = config['alora_invocation_tokens'];
  if (tokens !== undefined && tokens !== null && !(Array.isArray(tokens) && tokens.every((t) => Number.isInteger(t) && t >= 0))) {
    throw invalid('config_field_invalid', '"alora_invocation_tokens" in adapter_config.json must be a list of token ids.', { field: 'alora_invocation_tokens' });
  }
  if (nonEmpty(config['invocation_string']) && !nonEmpty(tokens)) {
    throw unsupported(
      'alora_invocation_string',
      'This activated LoRA (aLoRA) names its invocation as text only; turning it into token ids needs the base model’s Hugging Face tokenizer. Add alora_invocation_tokens to adapter_config.json.',
    );
  }
  const baseModel = config['base_model_name_or_path'];
  const modulesToSave = config['modules_to_save'];
  return {
    alpha,
    rank,
    rsLora: config['use_rslora'] === true,
    perModuleRanks: nonEmpty(config['rank_pattern']),
    baseModel: typeof baseModel === 'string' && baseModel.trim() ? baseModel.trim() : null,
    ...(Array.isArray(tokens) && tokens.length > 0 && { aloraInvocationTokens: tokens as number[] }),
    modulesToSave: Array.isArray(modulesToSave) ? modulesToSave.map(String) : [],
  };
}

type TensorRole = { role: 'a' | 'b'; module: string } | { role: 'skip' } | { role: 'norm' };

const loraSuffixes: [RegExp, 'a' | 'b'][] = [
  [/\.lora_A\.weight$/, 'a'],
  [/\.lora_B\.weight$/, 'b'],
  [/\.lora_embedding_A(\.weight)?$/, 'a'],
  [/\.lora_embedding_B(\.weight)?$/, 'b'],
];

function classify(name: string): TensorRole {
  for (const [suffix, role] of loraSuffixes) if (suffix.test(name)) return { role, module: name.replace(suffix, '') };
  const refuse = (reason: Parameters<typeof unsupported>[0], message: string) => unsupported(reason, message, { tensor: name });
  if (/\.lora_B\.bias$/.test(name)) throw refuse('lora_bias', `"${name}" is a LoRA bias (lora_bias); llama.cpp has no place for it.`);
  if (name.includes('lora_magnitude_vector')) {
    throw refuse('dora', `"${name}" is a DoRA magnitude vector: llama.cpp applies plain LoRA only. Train without DoRA, or merge the adapter and convert the merged model.`);
  }
  if (name.includes('trainable_tokens')) throw refuse('trainable_tokens', `"${name}" retrains token embeddings (trainable tokens); llama.cpp applies only LoRA matrices.`);
  // Kept by PEFT next to the LoRA matrices; the converter skips them too.
  if (name.endsWith('.base_layer.weight')) return { role: 'skip' };
  // mergekit-extract-lora adds layer norms; llama.cpp ignores norm tensors in adapters.
  if (name.includes('_layernorm') || name.includes('.norm')) return { role: 'norm' };
  if (/(embed_tokens|lm_head)\.weight$/.test(name)) {
    throw refuse(
      'embeddings_resized',
      `The adapter carries the full "${name}" weights, usually because tokens were added during fine-tuning (modules_to_save / resize_token_embeddings). llama.cpp applies only LoRA matrices and cannot change the vocabulary: merge the adapter into the model and convert the merged model instead.`,
    );
  }
  if (/\.(weight|bias)$/.test(name)) {
    throw refuse('modules_to_save', `The adapter carries the fully trained module "${name}" (modules_to_save); llama.cpp applies only LoRA matrices. Merge the adapter and convert the merged model instead.`);
  }
  throw invalid('tensor_unexpected', `"${name}" is neither a lora_A nor a lora_B matrix.`, { tensor: name });
}

export function readPeftAdapter(folder: string): TrainerAdapter {
  const config = readPeftConfig(folder);
  const weights = openSafetensors(path.join(folder, 'adapter_model.safetensors'));
  const pairs = new Map<string, { a?: SafetensorsTensorInfo; b?: SafetensorsTensorInfo }>();
  const norms: string[] = [];
  for (const info of weights.tensors.values()) {
    const role = classify(info.name);
    if (role.role === 'norm') norms.push(info.name);
    if (role.role !== 'a' && role.role !== 'b') continue;
    const pair = pairs.get(role.module) ?? {};
    pair[role.role] = info;
    pairs.set(role.module, pair);
  }
  if (config.modulesToSave.length > 0) {
    throw unsupported(
      'modules_to_save',
      `adapter_config.json trains whole modules besides the LoRA (modules_to_save: ${config.modulesToSave.join(', ')}); llama.cpp applies only LoRA matrices. Merge the adapter and convert the merged model instead.`,
      { modules: config.modulesToSave.join(',') },
    );
  }
  const modules: TrainerLoraModule[] = [];
  for (const [module, { a, b }] of pairs) {
    if (!a || !b) throw invalid('tensor_unpaired', `"${module}" has a lora_${a ? 'A' : 'B'} matrix without its lora_${a ? 'B' : 'A'}.`, { module });
    modules.push({ module, a, b });
  }
  const warnings: AdapterWarning[] = norms.length
    ? [{ code: 'NORM_TENSORS_IGNORED', message: `${norms.length} norm tensors in the adapter are left out: llama.cpp does not apply norm tensors from adapters.`, params: { count: norms.length } }]
    : [];
  return {
    format: 'peft',
    weights,
    modules,
    ggufAlpha: (rank) => (config.rsLora ? config.alpha * Math.sqrt(rank) : config.alpha),
    declaredRank: config.perModuleRanks ? null : config.rank,
    declaredBaseModel: config.baseModel,
    ...(config.aloraInvocationTokens && { aloraInvocationTokens: config.aloraInvocationTokens }),
    warnings,
  };
}
