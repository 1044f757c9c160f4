import { invalid, mismatch, unsupported, type AdapterWarning } from './errors.ts';
import { loraTensorNames, type GgufAdapterSpec } from './gguf-adapter-writer.ts';
import type { BaseModelFacts } from './gguf-facts.ts';

/**
 * Checks a GGUF LoRA adapter against the base model it is registered for, before anything is
 * stored. llama.cpp (llama-adapter.cpp) checks the architecture and each pair's first two
 * dimensions when it loads the adapter, but reports every refusal as the same generic error; here
 * each refusal gets its own reason, and the checks llama.cpp cannot make are added:
 *
 *  - the architecture equals the base's;
 *  - every tensor is `<base tensor>.lora_a` / `.lora_b` (norm tensors are ignored by llama.cpp),
 *    in pairs, naming a tensor the base has, with matching shapes; in GGUF order (ne[0] first):
 *      linear      base [in, out]     lora_a [in, r]     lora_b [r, out]
 *      token_embd  base [embd, vocab] lora_a [r, vocab]  lora_b [r, embd]
 *  - no LoRA on token_embd when the base ties its output layer to it (llama.cpp would abort);
 *  - the name the adapter says it was trained on is compared with the base's names: an adapter
 *    trained on another model with the same shapes loads silently and produces garbage, so a
 *    mismatch (or no name at all) is a warning the user confirms.
 */

/** The header facts of a GGUF adapter the checks need: from a file (gguf-facts.ts) or a spec about to be written. */
export interface AdapterLayout {
  architecture: string;
  alpha: number | null;
  tensors: { name: string; dims: number[] }[];
  baseModelNames: string[];
}

export interface AdapterCheck {
  /** The base tensors the adapter modifies, sorted. */
  targets: string[];
  /** Distinct ranks, ascending. */
  ranks: number[];
  warnings: AdapterWarning[];
}

export function layoutOfSpec(spec: GgufAdapterSpec): AdapterLayout {
  return {
    architecture: spec.architecture,
    alpha: spec.alpha,
    tensors: spec.pairs.flatMap((pair) => [
      { name: loraTensorNames(pair.target).a, dims: [pair.aShape[1], pair.aShape[0]] },
      { name: loraTensorNames(pair.target).b, dims: [pair.bShape[1], pair.bShape[0]] },
    ]),
    baseModelNames: spec.baseModelName ? [spec.baseModelName] : [],
  };
}

const dimsText = (dims: readonly number[]) => `[${dims.join(', ')}]`;

export function checkAdapterAgainstBase(layout: AdapterLayout, base: BaseModelFacts): AdapterCheck {
  if (layout.architecture !== base.architecture) {
    throw mismatch(
      'architecture',
      `The adapter is for a "${layout.architecture || 'unknown'}" model but the base model is "${base.architecture}": it was trained on another kind of model.`,
      { adapterArchitecture: layout.architecture, baseArchitecture: base.architecture },
    );
  }

  const pairs = new Map<string, { a?: number[]; b?: number[] }>();
  let ignoredNorms = 0;
  for (const tensor of layout.tensors) {
    const match = /^(.+)\.lora_([ab])$/.exec(tensor.name);
    if (!match) {
      if (tensor.name.endsWith('_norm.weight')) {
        ignoredNorms++;
        continue;
      }
      throw invalid('tensor_unexpected', `The adapter tensor "${tensor.name}" is neither a lora_a nor a lora_b matrix; llama.cpp refuses such adapters.`, { tensor: tensor.name });
    }
    const [, target, role] = match as unknown as [string, string, 'a' | 'b'];
    const pair = pairs.get(target) ?? {};
    pair[role] = tensor.dims;
    pairs.set(target, pair);
  }
  if (pairs.size === 0) throw invalid('no_lora_tensors', 'The adapter holds no LoRA matrices: there is nothing to apply.');

  const ranks = new Set<number>();
  for (const [target, { a, b }] of pairs) {
    if (!a || !b) throw invalid('tensor_unpaired', `"${target}" has a lora_${a ? 'a' : 'b'} without its lora_${a ? 'b' : 'a'}.`, { tensor: target });
    const baseDims = base.tensors.get(target);
    if (!baseDims) {
      if (target === 'output.weight') {
        throw unsupported(
          'output_tied_to_embeddings',
          'The adapter modifies the output layer (lm_head), but this base model has none: it reuses its token embeddings as output. llama.cpp cannot apply it.',
          { tensor: target },
        );
      }
      throw mismatch('tensor_missing_in_base', `The adapter modifies "${target}", which the base model does not have: it was trained on a different model.`, { tensor: target });
    }
    const embedding = target === 'token_embd.weight';
    if (embedding && !base.tensors.has('output.weight')) {
      // llama.cpp gives the tied output layer the name token_embd.weight too, applies the
      // embedding LoRA there as if it were a linear one and aborts the process (GGML_ASSERT in
      // ggml_mul_mat) on the first token. Measured with node-llama-cpp 3.22.
      throw unsupported(
        'embedding_lora_tied_output',
        'The adapter modifies the token embeddings of a base model that reuses them as its output layer; llama.cpp cannot apply such an adapter (it would stop the app). Train without embed_tokens in target_modules.',
        { tensor: target },
      );
    }
    const rank = embedding ? a[0]! : a[1]!;
    if (a.length < 2 || b.length < 2 || rank !== b[0]) {
      throw invalid('rank_inconsistent', `"${target}": lora_a ${dimsText(a)} and lora_b ${dimsText(b)} do not share a rank.`, { tensor: target });
    }
    // The shape of the base weight this pair implies, in GGUF order.
    const implied = embedding ? [b[1]!, a[1]!] : [a[0]!, b[1]!];
    const trailingOk = [a, b].every((m) => m.length === baseDims.length && m.slice(2).every((d, i) => d === baseDims[i + 2]));
    if (baseDims.length < 2 || implied[0] !== baseDims[0] || implied[1] !== baseDims[1] || !trailingOk) {
      throw mismatch(
        'tensor_shape',
        `The adapter expects "${target}" to be ${dimsText(implied)} but the base model's is ${dimsText(baseDims)}: it was trained on a model of another size.`,
        { tensor: target, expected: dimsText(implied), actual: dimsText(baseDims) },
      );
    }
    ranks.add(rank);
  }

  const warnings: AdapterWarning[] = [];
  const nameWarning = compareBaseModelNames(layout.baseModelNames, base);
  if (nameWarning) warnings.push(nameWarning);
  if (!layout.alpha) {
    warnings.push({
      code: 'ALPHA_MISSING',
      message: 'The adapter has no adapter.lora.alpha: llama.cpp applies its matrices without the alpha/rank scaling it was trained with, unless the scale is set by hand.',
      params: {},
    });
  }
  if (ignoredNorms > 0) {
    warnings.push({ code: 'NORM_TENSORS_IGNORED', message: `llama.cpp ignores the ${ignoredNorms} norm tensors in this adapter.`, params: { count: ignoredNorms } });
  }
  return {
    targets: [...pairs.keys()].sort((x, y) => x.localeCompare(y, 'en', { numeric: true })),
    ranks: [...ranks].sort((x, y) => x - y),
    warnings,
  };
}

/** Tags that name a packaging of a model, not the model: "Llama-3.2-1B-Instruct-bnb-4bit" is Llama 3.2 1B Instruct. */
const packagingTags = new Set(['gguf', 'mlx', 'bnb', '4bit', '8bit', 'awq', 'gptq', 'fp16', 'bf16', 'f16', 'f32', 'hf']);

/** A comparable key for a model name or a Hugging Face id / local path (its last segment). */
export function modelNameKey(name: string): string {
  const last = name.trim().replace(/[\\/]+$/, '').split(/[\\/]/).at(-1) ?? '';
  return last
    .toLowerCase()
    .split(/[-_\s]+/)
    .filter((token) => !packagingTags.has(token))
    .join('')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Compares what the adapter says it was trained on (PEFT base_model_name_or_path, MLX-LM model,
 * GGUF general.base_model.*) with the base's general.name / general.basename (+ size label and
 * fine-tune). Strict on purpose: a false warning costs a click, a silent pass costs garbage output.
 */
export function compareBaseModelNames(declared: readonly string[], base: BaseModelFacts): AdapterWarning | null {
  const { name, basename, sizeLabel, finetune } = base.names;
  const baseCandidates = [name, basename, [basename, sizeLabel].filter(Boolean).join(' '), [basename, sizeLabel, finetune].filter(Boolean).join(' ')].filter(
    (candidate): candidate is string => Boolean(candidate),
  );
  const baseKeys = new Set(baseCandidates.map(modelNameKey).filter(Boolean));
  const baseLabel = name ?? basename ?? 'unnamed';
  const declaredNames = declared.filter((d) => modelNameKey(d));
  if (declaredNames.length === 0 || baseKeys.size === 0) {
    return {
      code: 'BASE_NAME_UNKNOWN',
      message:
        declaredNames.length === 0
          ? `The adapter does not say which model it was trained on. Confirm that it was trained on "${baseLabel}": an adapter for another model of the same shape loads without error and produces garbage.`
          : `The base model's file has no name to compare with "${declaredNames[0]}", the model the adapter was trained on. Confirm that they are the same model.`,
      params: { declared: declaredNames.join(', '), base: baseLabel },
    };
  }
  if (declaredNames.some((d) => baseKeys.has(modelNameKey(d)))) return null;
  return {
    code: 'BASE_NAME_MISMATCH',
    message: `The adapter was trained on "${declaredNames[0]}" but the base model is "${baseLabel}". Confirm only if they are the same model: an adapter for another model of the same shape loads without error and produces garbage.`,
    params: { declared: declaredNames.join(', '), base: baseLabel },
  };
}
