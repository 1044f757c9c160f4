import fs from 'node:fs';
import path from 'node:path';
import { invalid, mismatch, unsupported, type AdapterWarning } from './errors.ts';
import type { GgufAdapterSpec, LoraPair } from './gguf-adapter-writer.ts';
import type { BaseModelFacts } from './gguf-facts.ts';
import { hfModuleToGguf, isConvertibleArchitecture, ropePermutationSource, type ConvertibleArchitecture } from './hf-to-gguf-names.ts';
import { readMlxAdapter } from './mlx.ts';
import { readPeftAdapter } from './peft.ts';
import type { SafetensorsTensorInfo } from './safetensors.ts';
import { permuteRows, transpose2d, widen, type TensorType } from './tensor-data.ts';
import type { TrainerAdapter, TrainerLoraModule } from './trainer-adapter.ts';

/**
 * Converts a trainer's adapter folder (PEFT or MLX-LM) into a GGUF LoRA adapter spec for a given
 * base model: llama.cpp's tensor names and layout, alpha such that llama.cpp's alpha/rank equals
 * the trainer's scaling. Nothing is written here and the folder is only read.
 */

export type AdapterFormat = 'gguf' | 'peft' | 'mlx';

export interface ConvertedAdapter {
  format: 'peft' | 'mlx';
  spec: GgufAdapterSpec;
  /** adapter_config.json's base_model_name_or_path (PEFT) or model (MLX-LM). */
  declaredBaseModel: string | null;
  warnings: AdapterWarning[];
}

/** Tells which kind of adapter a path holds, refusing what cannot be one. */
export function detectAdapterFormat(sourcePath: string): AdapterFormat {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(sourcePath);
  } catch (cause) {
    throw invalid('source_missing', `${sourcePath} does not exist or cannot be read.`, { path: sourcePath }, { cause });
  }
  if (stat.isFile()) {
    if (sourcePath.toLowerCase().endsWith('.gguf')) return 'gguf';
    throw invalid('format_unknown', `${path.basename(sourcePath)} is not an adapter: choose a .gguf LoRA adapter or the folder a trainer saved (PEFT or MLX-LM).`, {
      path: sourcePath,
    });
  }
  const has = (name: string) => fs.existsSync(path.join(sourcePath, name));
  if (has('adapter_model.safetensors')) return 'peft';
  if (has('adapters.safetensors')) return 'mlx';
  if (has('adapter_model.bin')) {
    throw unsupported(
      'pickle_weights',
      'This PEFT adapter is saved as adapter_model.bin (a PyTorch pickle, which can run code when read). Save it again with safe_serialization=True to get adapter_model.safetensors.',
      { path: sourcePath },
    );
  }
  throw invalid(
    'format_unknown',
    `${path.basename(sourcePath)} holds neither adapter_model.safetensors (PEFT, TRL, Unsloth, Axolotl, LLaMA-Factory) nor adapters.safetensors (MLX-LM).`,
    { path: sourcePath },
  );
}

export async function convertAdapterFolder(folder: string, base: BaseModelFacts): Promise<ConvertedAdapter> {
  const format = detectAdapterFormat(folder);
  if (format === 'gguf') throw new Error('convertAdapterFolder takes a folder; a .gguf adapter needs no conversion');
  const architecture = base.architecture;
  if (!isConvertibleArchitecture(architecture)) {
    throw unsupported(
      'architecture_not_convertible',
      `EvalDesk converts adapters for llama, Mistral, Qwen2/Qwen3 and Gemma base models; this base is "${base.architecture}". Convert the adapter with llama.cpp's convert_lora_to_gguf.py and add the .gguf.`,
      { architecture: base.architecture },
    );
  }
  const trainer = format === 'peft' ? readPeftAdapter(folder) : readMlxAdapter(folder);
  return toGgufSpec(trainer, base, architecture, path.basename(path.resolve(folder)));
}

function toGgufSpec(trainer: TrainerAdapter, base: BaseModelFacts, architecture: ConvertibleArchitecture, name: string): ConvertedAdapter {
  if (trainer.modules.length === 0) throw invalid('no_lora_tensors', `${name} holds no LoRA matrices: there is nothing to apply.`, { path: trainer.weights.filePath });
  const pairs: LoraPair[] = [];
  const ranks = new Set<number>();
  for (const module of trainer.modules) {
    const target = hfModuleToGguf(architecture, module.module);
    if (!target) {
      throw mismatch(
        'architecture',
        `The adapter modifies "${module.module}", which a ${base.architecture} model does not have: it was trained for another kind of model.`,
        { module: module.module, baseArchitecture: base.architecture },
      );
    }
    const layout = llamaCppLayout(trainer.format, target.kind, module);
    if (trainer.declaredRank !== null && layout.rank !== trainer.declaredRank) {
      throw invalid('rank_inconsistent', `"${module.module}" has rank ${layout.rank} but adapter_config.json declares ${trainer.declaredRank}.`, {
        module: module.module,
        expected: trainer.declaredRank,
        actual: layout.rank,
      });
    }
    ranks.add(layout.rank);
    const heads = target.ropePermute === 'query' ? base.headCount : target.ropePermute === 'key' ? base.headCountKv : null;
    if (target.ropePermute && !heads) {
      throw unsupported('architecture_not_convertible', `The base model's header has no attention head count, which converting a LoRA on ${target.tensor} needs.`, {
        architecture: base.architecture,
      });
    }
    const read = (info: SafetensorsTensorInfo) => () => {
      const tensor = trainer.weights.read(info.name);
      return layout.type === 'F32' ? widen(tensor) : tensor;
    };
    const readA = read(module.a);
    const readB = read(module.b);
    pairs.push({
      target: target.tensor,
      aShape: layout.aShape,
      bShape: layout.bShape,
      type: layout.type,
      a: () => (layout.transposeA ? transpose2d(readA()) : readA()),
      b: () => {
        const b = layout.transposeB ? transpose2d(readB()) : readB();
        return heads ? permuteRows(b, ropePermutationSource(layout.bShape[0], heads)) : b;
      },
    });
  }
  // One alpha per GGUF adapter: it must give every module the trainer's scaling.
  const alphas = new Set([...ranks].map((rank) => trainer.ggufAlpha(rank)));
  if (alphas.size > 1) {
    throw unsupported(
      'rslora_mixed_ranks',
      'The adapter uses rank-stabilised scaling (alpha/√rank) with different ranks per module; llama.cpp applies one alpha/rank per adapter and cannot reproduce it.',
      { ranks: [...ranks].join(',') },
    );
  }
  pairs.sort((x, y) => x.target.localeCompare(y.target, 'en', { numeric: true }));
  return {
    format: trainer.format,
    declaredBaseModel: trainer.declaredBaseModel,
    warnings: trainer.warnings,
    spec: {
      architecture: base.architecture,
      alpha: [...alphas][0]!,
      name,
      ...(trainer.declaredBaseModel && { baseModelName: trainer.declaredBaseModel }),
      ...(trainer.aloraInvocationTokens && { aloraInvocationTokens: trainer.aloraInvocationTokens }),
      pairs,
    },
  };
}

interface PairLayout {
  aShape: [number, number];
  bShape: [number, number];
  transposeA: boolean;
  transposeB: boolean;
  rank: number;
  type: TensorType;
}

const supportedDtypes = new Set(['F32', 'F16', 'BF16']);

/**
 * How a trainer's two matrices become llama.cpp's (row-major shapes):
 *
 *            trainer A        trainer B       →  lora_a          lora_b
 *  PEFT      (r × in)         (out × r)          A               B
 *  PEFT emb  (r × vocab)      (embd × r)         Aᵀ (vocab × r)  B
 *  MLX       (in × r)         (r × out)          Aᵀ (r × in)     Bᵀ (out × r)
 *  MLX emb   (vocab × r)      (r × embd)         A               Bᵀ (embd × r)
 */
function llamaCppLayout(layout: TrainerAdapter['format'], kind: 'linear' | 'embedding', module: TrainerLoraModule): PairLayout {
  for (const info of [module.a, module.b]) {
    if (info.shape.length !== 2) {
      throw unsupported('tensor_dims', `"${info.name}" has ${info.shape.length} dimensions; only 2-D LoRA matrices (not mixture-of-experts ones) can be converted.`, {
        tensor: info.name,
      });
    }
    if (!supportedDtypes.has(info.dtype)) {
      throw unsupported('tensor_dtype', `"${info.name}" is ${info.dtype}; LoRA weights must be F32, F16 or BF16.`, { tensor: info.name, dtype: info.dtype });
    }
  }
  const [a0, a1] = module.a.shape as [number, number];
  const [b0, b1] = module.b.shape as [number, number];
  const transposeA = layout === 'mlx' ? kind === 'linear' : kind === 'embedding';
  const transposeB = layout === 'mlx';
  const aShape: [number, number] = transposeA ? [a1, a0] : [a0, a1];
  const bShape: [number, number] = transposeB ? [b1, b0] : [b0, b1];
  // In llama.cpp's layout the rank is lora_a's rows (columns for embeddings) and lora_b's columns.
  const rankOfA = kind === 'linear' ? aShape[0] : aShape[1];
  if (rankOfA !== bShape[1]) {
    throw invalid('rank_inconsistent', `"${module.module}": lora_A has rank ${rankOfA} but lora_B has rank ${bShape[1]}.`, {
      module: module.module,
      rankA: rankOfA,
      rankB: bShape[1],
    });
  }
  // Same dtype kept (F32 or F16); BF16 or a mixed pair becomes F32, as convert_lora_to_gguf.py does.
  const type: TensorType = module.a.dtype === 'F16' && module.b.dtype === 'F16' ? 'F16' : 'F32';
  return { aShape, bShape, transposeA, transposeB, rank: rankOfA, type };
}

