export type GpuBackend = 'cuda' | 'vulkan' | 'metal' | 'cpu';

/** What the llama.cpp runtime is doing: a live view, not a stored entity. */
export interface RuntimeStatus {
  state: 'idle' | 'loading' | 'loaded' | 'failed';
  modelId: number | null;
  backend: GpuBackend | null;
  /** Load progress between 0 and 1 while loading. */
  progress: number;
  gpuLayers: number | null;
  vram: { total: number; used: number } | null;
  ram: { total: number; used: number; processRss: number };
  modelBytes: number | null;
  chatWrapper: string | null;
  /** How the loaded model's prompts are made; null when no model is loaded. */
  promptFormat?: RuntimePromptFormat | null;
  /** LoRA adapters applied to the current context (a model version), as file names; empty for the base. */
  adapters?: string[];
  error: { code: string; message: string } | null;
}

/**
 * The prompt format of a loaded model, for the version screen: `jinja-whole-text` renders the
 * GGUF's chat template (shown as `template`) and tokenizes the text as one piece, as trainers do;
 * `node-llama-cpp-wrapper` is used when the model has no usable template (`fallbackReason` says why).
 */
export interface RuntimePromptFormat {
  rule: 'jinja-whole-text' | 'node-llama-cpp-wrapper';
  template: string | null;
  /** The tokenization rule, as export manifests record it; null for the wrapper. */
  tokenization: string | null;
  fallbackReason: string | null;
}
