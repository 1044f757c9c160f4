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
  error: { code: string; message: string } | null;
}
