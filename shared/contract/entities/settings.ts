import { z } from 'zod';
import { defaultsOf, patchOf } from './derive.ts';
import { absolutePath } from './fields.ts';

export const languages = ['en', 'ko', 'ja'] as const;

/** llama.cpp's flash attention for new contexts: llama.cpp decides, always on, always off. */
export const flashAttentionModes = ['auto', 'on', 'off'] as const;
export type FlashAttentionMode = (typeof flashAttentionModes)[number];
export type Language = (typeof languages)[number];

/**
 * The app's settings, each with its bounds and (except the models folder, which depends on the
 * data folder) its default.
 */
export const appSettingsSchema = z.object({
  modelsDir: absolutePath,
  /** Default embedder for workspaces that name none; null until one is installed. */
  embedder: z.string().min(1).max(4096).nullable().default(null),
  /** Chunks in one vector table above which an approximate (HNSW) index is built. */
  annIndexThreshold: z.number().int().min(1000).max(100_000_000).default(50_000),
  language: z.enum(languages).default('en'),
  /** CPU threads used for generation; 0 means "physical cores". */
  threads: z.number().int().min(0).max(512).default(0),
  /** 'auto' lets node-llama-cpp fit as many layers as the GPU holds. */
  gpuLayers: z.union([z.literal('auto'), z.literal('max'), z.number().int().min(0).max(10_000)]).default('auto'),
  /** 'auto' tries CUDA, Metal and Vulkan before falling back to the CPU. */
  gpu: z.enum(['auto', 'cpu']).default('auto'),
  /**
   * llama.cpp's flash attention for new contexts: 'auto' lets llama.cpp decide (on where the
   * backend supports it). On some CPUs it is several times slower over a long context (a long
   * system prompt or many passages): bench/caches.ts measures both.
   */
  flashAttention: z.enum(flashAttentionModes).default('auto'),
  /**
   * Questions a batch run answers at once on parallel context sequences (llama.cpp decodes them
   * in one batch). Each sequence holds a whole context of KV cache, so memory grows with it.
   */
  batchParallelism: z.number().int().min(1).max(16).default(4),
  /**
   * The caches of issue 15: query embeddings, retrieval results and the model's evaluated prompt
   * prefix kept between questions. Off only to measure without them (bench/caches.ts).
   */
  caching: z.boolean().default(true),
  /** Where models are downloaded from (a Hugging Face compatible hub); EVALDESK_HUB_URL overrides it. */
  hubUrl: z.url({ protocol: /^https?$/ }).max(2000).default('https://huggingface.co'),
});
export type AppSettings = z.output<typeof appSettingsSchema>;
export type RuntimeSettings = Pick<AppSettings, 'threads' | 'gpuLayers' | 'gpu' | 'flashAttention'>;

export const appSettingsPatchInput = patchOf(appSettingsSchema);
export type AppSettingsPatch = z.output<typeof appSettingsPatchInput>;
/** Every default but the models folder's. */
export const appSettingsDefaults = defaultsOf(appSettingsSchema);
