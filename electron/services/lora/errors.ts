import { ApiError } from '../../../shared/contract/errors.ts';

/**
 * Errors of the adapter library: ApiErrors (`code`, a complete English `message`, `params`) that
 * the dispatcher passes through as they are. Every error has a `reason` param: one code per kind
 * of outcome, the reason says which check refused the adapter.
 */
export const adapterErrorCodes = [
  /** The files are not a readable adapter: damaged, truncated, a config field missing or wrong. */
  'ADAPTER_INVALID',
  /** A readable adapter that does not belong to this base model. */
  'ADAPTER_MISMATCH',
  /** A readable adapter of a kind llama.cpp cannot apply (or that EvalDesk cannot convert). */
  'ADAPTER_UNSUPPORTED',
] as const;

export type AdapterErrorCode = (typeof adapterErrorCodes)[number];

export const adapterErrorReasons = {
  ADAPTER_INVALID: [
    'source_missing', // the path does not exist or cannot be read
    'format_unknown', // neither a .gguf file, a PEFT folder nor an MLX-LM folder
    'config_missing', // no adapter_config.json beside the weights
    'config_unreadable', // adapter_config.json is not valid JSON (or not an object)
    'config_field_missing', // params.field names it
    'config_field_invalid', // params.field names it
    'safetensors_corrupt', // header length, JSON, dtype, shape or offsets are wrong
    'safetensors_truncated', // the file is shorter than its header declares
    'gguf_corrupt', // the GGUF header cannot be read
    'gguf_truncated', // the GGUF file is shorter than its tensor data
    'not_an_adapter', // a GGUF whose general.type is not "adapter" or adapter.type not "lora"
    'no_lora_tensors', // nothing to apply
    'tensor_unpaired', // a lora_a without its lora_b or the reverse
    'tensor_unexpected', // a tensor that is neither lora_a/lora_b nor something known
    'rank_inconsistent', // lora_a's rank differs from lora_b's, or from the config's
    'base_unreadable', // the base model's GGUF header cannot be read
    'store_conflict', // the content-addressed store holds a different file under the same name
    'runtime_refused', // llama.cpp refused to load it; params.detail is llama.cpp's own reason
  ],
  ADAPTER_MISMATCH: [
    'architecture', // params.adapterArchitecture, params.baseArchitecture
    'tensor_missing_in_base', // params.tensor
    'tensor_shape', // params.tensor, params.expected, params.actual
  ],
  ADAPTER_UNSUPPORTED: [
    'peft_type', // not a LoRA (params.peftType)
    'dora', // weight-decomposed LoRA: llama.cpp has no magnitude vector
    'embeddings_resized', // full embedding / lm_head weights: tokens were added during fine-tuning
    'trainable_tokens', // PEFT trainable_token_indices
    'modules_to_save', // other fully trained modules (params.tensor)
    'lora_bias', // PEFT lora_bias: llama.cpp has no LoRA bias
    'alpha_pattern', // per-module alphas: llama.cpp has one alpha per adapter
    'rslora_mixed_ranks', // rank-stabilised scaling with different ranks per module
    'layer_replication', // PEFT layer_replication changes the layer structure
    'fan_in_fan_out', // Conv1D-style (GPT-2) weights
    'target_parameters', // LoRA on raw parameters (MoE experts)
    'alora_invocation_string', // an aLoRA whose invocation tokens need the Hugging Face tokenizer
    'fine_tune_type', // MLX-LM "full" or anything but "lora"
    'tensor_dims', // 3-D or higher LoRA tensors (mixture-of-experts) in a folder to convert
    'tensor_dtype', // a dtype that is not F32/F16/BF16 (safetensors) or F32/F16/BF16/Q8_0 (GGUF)
    'architecture_not_convertible', // no Hugging Face name mapping for this base architecture
    'pickle_weights', // adapter_model.bin: torch pickles are not read (they can run code)
    'output_tied_to_embeddings', // a LoRA on lm_head for a base without an output tensor (tied to token_embd)
    'embedding_lora_tied_output', // token_embd LoRA on a base whose output reuses token_embd: llama.cpp aborts
  ],
} as const satisfies Record<AdapterErrorCode, readonly string[]>;

export type AdapterErrorReason<C extends AdapterErrorCode = AdapterErrorCode> = (typeof adapterErrorReasons)[C][number];

export type AdapterErrorParams = Record<string, string | number>;

/** An ApiError of one of the adapter codes, with the `reason` param every adapter error has. */
export class AdapterError<C extends AdapterErrorCode = AdapterErrorCode> extends ApiError {
  declare readonly code: C;
  declare readonly params: AdapterErrorParams & { reason: AdapterErrorReason<C> };

  constructor(code: C, reason: AdapterErrorReason<C>, message: string, params: AdapterErrorParams = {}, options?: ErrorOptions) {
    super(code, message, { ...params, reason }, options);
    this.name = 'AdapterError';
  }

  get reason(): AdapterErrorReason<C> {
    return this.params.reason;
  }
}

export const invalid = (reason: AdapterErrorReason<'ADAPTER_INVALID'>, message: string, params?: AdapterErrorParams, options?: ErrorOptions) =>
  new AdapterError('ADAPTER_INVALID', reason, message, params, options);

export const mismatch = (reason: AdapterErrorReason<'ADAPTER_MISMATCH'>, message: string, params?: AdapterErrorParams) =>
  new AdapterError('ADAPTER_MISMATCH', reason, message, params);

export const unsupported = (reason: AdapterErrorReason<'ADAPTER_UNSUPPORTED'>, message: string, params?: AdapterErrorParams) =>
  new AdapterError('ADAPTER_UNSUPPORTED', reason, message, params);

/** Something the user should see and confirm, without refusing the adapter. */
export interface AdapterWarning {
  code: 'BASE_NAME_MISMATCH' | 'BASE_NAME_UNKNOWN' | 'NORM_TENSORS_IGNORED' | 'ALPHA_MISSING';
  message: string;
  params: AdapterErrorParams;
}
