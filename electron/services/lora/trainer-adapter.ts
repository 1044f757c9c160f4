import fs from 'node:fs';
import path from 'node:path';
import { invalid, type AdapterWarning } from './errors.ts';
import type { SafetensorsFile, SafetensorsTensorInfo } from './safetensors.ts';

/** One LoRA-modified module as a trainer saved it. */
export interface TrainerLoraModule {
  /** The model's module path, e.g. `base_model.model.model.layers.0.self_attn.q_proj`. */
  module: string;
  a: SafetensorsTensorInfo;
  b: SafetensorsTensorInfo;
}

/** What a trainer-specific reader (peft.ts, mlx.ts) hands to the common conversion (convert.ts). */
export interface TrainerAdapter {
  /** Also says how lora_A / lora_B are laid out (see convert.ts). */
  format: 'peft' | 'mlx';
  weights: SafetensorsFile;
  modules: TrainerLoraModule[];
  /**
   * The GGUF alpha that gives a module of this rank the trainer's scaling (llama.cpp scales by
   * alpha/rank): PEFT lora_alpha, rsLoRA lora_alpha·√rank, MLX-LM scale·rank.
   */
  ggufAlpha: (rank: number) => number;
  /** The rank adapter_config.json declares for every module, when it declares one rank for all. */
  declaredRank: number | null;
  declaredBaseModel: string | null;
  aloraInvocationTokens?: number[];
  warnings: AdapterWarning[];
}

/** Reads adapter_config.json as an object; every format has one. */
export function readAdapterConfig(folder: string): Record<string, unknown> {
  const file = path.join(folder, 'adapter_config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw invalid('config_missing', `${path.basename(folder)} has no adapter_config.json next to its weights.`, { path: file }, { cause });
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (cause) {
    throw invalid('config_unreadable', `adapter_config.json in ${path.basename(folder)} is not valid JSON.`, { path: file }, { cause });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalid('config_unreadable', `adapter_config.json in ${path.basename(folder)} is not a JSON object.`, { path: file });
  }
  return config as Record<string, unknown>;
}

/** A config number that must be there: a clear message when it is missing or not a number. */
export function requiredNumber(object: Record<string, unknown>, key: string, field = key): number {
  const where = 'adapter_config.json';
  const value = object[key];
  if (value === undefined || value === null) throw invalid('config_field_missing', `${where} has no "${field}".`, { field });
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid('config_field_invalid', `"${field}" in ${where} is not a number (${JSON.stringify(value)}).`, { field });
  return value;
}

