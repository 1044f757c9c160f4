/**
 * Hugging Face module names → GGUF tensor names, for the model families whose LoRA adapters
 * EvalDesk converts, as llama.cpp's convert_hf_to_gguf.py maps them (gguf-py's tensor_mapping.py):
 *
 *   model.embed_tokens              → token_embd.weight
 *   lm_head                         → output.weight
 *   model.layers.N.self_attn.q_proj → blk.N.attn_q.weight      (k_proj → attn_k, v_proj → attn_v,
 *                                                               o_proj → attn_output)
 *   model.layers.N.mlp.gate_proj    → blk.N.ffn_gate.weight    (up_proj → ffn_up, down_proj → ffn_down)
 *
 * The same names serve llama (and Mistral, which Hugging Face ships as MistralForCausalLM and the
 * converter writes as architecture "llama"), qwen2, qwen3, gemma, gemma2 and gemma3.
 *
 * One family needs more than a rename: for llama the converter permutes the rows of q_proj and
 * k_proj ("undo_permute": Hugging Face's rotary layout → llama.cpp's interleaved one), and its LoRA
 * converter applies the same permutation to lora_B of those modules (lora_A is untouched, since
 * B·A permuted by rows is (permuted B)·A).
 */

export const convertibleArchitectures = ['llama', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3'] as const;
export type ConvertibleArchitecture = (typeof convertibleArchitectures)[number];

export const isConvertibleArchitecture = (architecture: string): architecture is ConvertibleArchitecture =>
  (convertibleArchitectures as readonly string[]).includes(architecture);

const blockModules: Record<string, string> = {
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
};

export interface GgufTarget {
  /** The base model tensor the LoRA modifies, e.g. `blk.3.attn_q.weight`. */
  tensor: string;
  /** Embedding LoRAs are laid out differently by llama.cpp (see gguf-adapter.ts). */
  kind: 'linear' | 'embedding';
  /** Which head count permutes lora_B's rows (llama's rotary layout), if any. */
  ropePermute: 'query' | 'key' | null;
}

/**
 * Strips the wrappers trainers put around the model's own module path: PEFT's
 * `base_model.model.`, multimodal checkpoints' `language_model.` (the converter drops it too), and
 * bare-decoder checkpoints without the leading `model.`.
 */
function modulePath(name: string): string {
  let path = name.startsWith('base_model.model.') ? name.slice('base_model.model.'.length) : name;
  path = path.replaceAll('language_model.', '');
  if (path.startsWith('layers.') || path === 'embed_tokens') path = `model.${path}`;
  return path;
}

/** The GGUF tensor a Hugging Face module maps to, or null when it is not a module LoRA can target here. */
export function hfModuleToGguf(architecture: ConvertibleArchitecture, hfModule: string): GgufTarget | null {
  const path = modulePath(hfModule);
  if (path === 'model.embed_tokens') return { tensor: 'token_embd.weight', kind: 'embedding', ropePermute: null };
  if (path === 'lm_head') return { tensor: 'output.weight', kind: 'linear', ropePermute: null };
  const block = /^model\.layers\.(\d+)\.(.+)$/.exec(path);
  const ggufModule = block && blockModules[block[2]!];
  if (!block || !ggufModule) return null;
  const ropePermute = architecture !== 'llama' ? null : ggufModule === 'attn_q' ? 'query' : ggufModule === 'attn_k' ? 'key' : null;
  return { tensor: `blk.${Number(block[1])}.${ggufModule}.weight`, kind: 'linear', ropePermute };
}

/**
 * convert_hf_to_gguf.py's LlamaModel.permute as a row mapping: the rows of each head, stored as two
 * halves [x0..x(d/2-1) | y0..y(d/2-1)] by Hugging Face, become interleaved pairs (x0 y0 x1 y1 …).
 * Returns, for row i of the permuted tensor, the row of the original it comes from.
 */
export function ropePermutationSource(rows: number, heads: number): (row: number) => number {
  if (heads <= 0 || rows % (heads * 2) !== 0) throw new Error(`Cannot permute ${rows} rows over ${heads} heads`);
  const headDim = rows / heads;
  const half = headDim / 2;
  return (row) => {
    const head = Math.floor(row / headDim);
    const within = row % headDim;
    // reshape(heads, 2, half, cols).swapaxes(1, 2): new (head, j, i) ← old (head, i, j)
    const j = Math.floor(within / 2);
    const i = within % 2;
    return head * headDim + i * half + j;
  };
}
