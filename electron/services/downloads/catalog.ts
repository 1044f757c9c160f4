import type { CatalogEntry } from '../../../shared/contract/downloads.ts';

/**
 * The short, curated list the "Get models" page offers: small instruction-tuned chat models that
 * run on a laptop CPU, one per language strength the teams need, and one multilingual embedder
 * for Korean, Japanese and Chinese documents. Sizes are approximate; the hub's own file listing
 * (fetched only when a download starts) gives the exact sizes and checksums.
 */
export const modelCatalog: readonly CatalogEntry[] = [
  {
    id: 'qwen2.5-1.5b-instruct',
    kind: 'chat',
    displayName: 'Qwen2.5 1.5B Instruct (Q4_K_M)',
    description: 'Small, fast multilingual chat model; good Chinese and English, usable Korean and Japanese.',
    languages: ['en', 'zh', 'ko', 'ja'],
    approxSizeBytes: 1_120_000_000,
    license: 'Apache-2.0',
    repo: 'Qwen/Qwen2.5-1.5B-Instruct-GGUF',
    files: ['qwen2.5-1.5b-instruct-q4_k_m.gguf'],
    installName: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
  },
  {
    id: 'llama-3.2-3b-instruct',
    kind: 'chat',
    displayName: 'Llama 3.2 3B Instruct (Q4_K_M)',
    description: 'Balanced general-purpose chat model from Meta, strongest in English.',
    languages: ['en', 'de', 'fr', 'it', 'pt', 'hi', 'es', 'th'],
    approxSizeBytes: 2_020_000_000,
    license: 'Llama 3.2 Community License',
    repo: 'bartowski/Llama-3.2-3B-Instruct-GGUF',
    files: ['Llama-3.2-3B-Instruct-Q4_K_M.gguf'],
    installName: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf',
  },
  {
    id: 'exaone-3.5-2.4b-instruct',
    kind: 'chat',
    displayName: 'EXAONE 3.5 2.4B Instruct (Q4_K_M)',
    description: 'Korean-first bilingual chat model from LG AI Research (non-commercial licence).',
    languages: ['ko', 'en'],
    approxSizeBytes: 1_640_000_000,
    license: 'EXAONE AI Model License 1.1 (non-commercial)',
    repo: 'LGAI-EXAONE/EXAONE-3.5-2.4B-Instruct-GGUF',
    files: ['EXAONE-3.5-2.4B-Instruct-Q4_K_M.gguf'],
    installName: 'EXAONE-3.5-2.4B-Instruct-Q4_K_M.gguf',
  },
  {
    id: 'gemma-3-1b-it',
    kind: 'chat',
    displayName: 'Gemma 3 1B Instruct (Q4_K_M)',
    description: 'Tiny English chat model from Google for quick trials on modest hardware.',
    languages: ['en'],
    approxSizeBytes: 810_000_000,
    license: 'Gemma Terms of Use',
    repo: 'ggml-org/gemma-3-1b-it-GGUF',
    files: ['gemma-3-1b-it-Q4_K_M.gguf'],
    installName: 'gemma-3-1b-it-Q4_K_M.gguf',
  },
  {
    id: 'multilingual-e5-small',
    kind: 'embedder',
    displayName: 'multilingual-e5-small (ONNX, q8)',
    description: 'Compact multilingual embedding model for document search in Korean, Japanese, Chinese and English.',
    languages: ['ko', 'ja', 'zh', 'en'],
    approxSizeBytes: 135_000_000,
    license: 'MIT',
    repo: 'Xenova/multilingual-e5-small',
    files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model_quantized.onnx'],
    installName: 'multilingual-e5-small',
  },
];
