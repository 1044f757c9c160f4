import fs from 'node:fs';
import path from 'node:path';
import { storeContentAddressed } from './adapter-store.ts';
import { convertAdapterFolder, detectAdapterFormat, type AdapterFormat } from './convert.ts';
import type { AdapterWarning } from './errors.ts';
import { writeGgufAdapter } from './gguf-adapter-writer.ts';
import { readBaseModelFacts, readGgufAdapterFacts, type BaseModelFacts } from './gguf-facts.ts';
import { checkAdapterAgainstBase, layoutOfSpec, type AdapterCheck } from './validate.ts';

export interface ImportedAdapter {
  /** `<storeDir>/<sha256>.gguf`: what to register and to give llama.cpp. */
  filePath: string;
  sha256: string;
  bytes: number;
  /** The store already held this exact adapter. */
  reused: boolean;
  format: AdapterFormat;
  architecture: string;
  alpha: number | null;
  /** The base tensors it modifies. */
  targets: string[];
  ranks: number[];
  /** What the adapter says it was trained on (config or GGUF metadata), if anything. */
  declaredBaseModel: string | null;
  /** To show the user before registering; BASE_NAME_* ones need an explicit confirmation. */
  warnings: AdapterWarning[];
}

/**
 * Brings an adapter into the store for a base model: a GGUF LoRA adapter is copied, a PEFT or
 * MLX-LM folder is converted. Everything is checked against the base before the file gets its
 * final name; on any refusal (an AdapterError with its reason) the store is left as it was. The
 * source is only read.
 */
export async function importAdapter(options: { source: string; baseModelPath: string; storeDir: string }): Promise<ImportedAdapter> {
  const source = path.resolve(options.source);
  const format = detectAdapterFormat(source);
  const base = await readBaseModelFacts(options.baseModelPath);
  if (format === 'gguf') {
    const facts = await readGgufAdapterFacts(source);
    const check = checkAdapterAgainstBase(facts, base);
    // The copy is checked again: the source could change between the check and the copy.
    const stored = await storeContentAddressed(options.storeDir, (staging) => fs.copyFileSync(source, staging), (staging) => recheck(staging, base));
    return { ...stored, format, architecture: facts.architecture, alpha: facts.alpha, ...summary(check), declaredBaseModel: facts.baseModelNames[0] ?? null, warnings: check.warnings };
  }
  const converted = await convertAdapterFolder(source, base);
  const check = checkAdapterAgainstBase(layoutOfSpec(converted.spec), base);
  const stored = await storeContentAddressed(options.storeDir, (staging) => writeGgufAdapter(staging, converted.spec), (staging) => recheck(staging, base));
  return {
    ...stored,
    format,
    architecture: converted.spec.architecture,
    alpha: converted.spec.alpha,
    ...summary(check),
    declaredBaseModel: converted.declaredBaseModel,
    warnings: [...converted.warnings, ...check.warnings],
  };
}

const summary = (check: AdapterCheck) => ({ targets: check.targets, ranks: check.ranks });

async function recheck(staging: string, base: BaseModelFacts) {
  checkAdapterAgainstBase(await readGgufAdapterFacts(staging), base);
}
