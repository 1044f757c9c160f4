import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadLlamaModule } from '../runtime/llama-module.ts';
import { ApiError } from '../../../shared/contract/errors.ts';

/** What EvalDesk records about a GGUF file, read from its header without loading the weights. */
export interface GgufFileFacts {
  filePath: string;
  fileSize: number;
  fingerprint: string;
  name: string | null;
  architecture: string;
  parameterCount: number | null;
  quantization: string | null;
  trainingContextLength: number | null;
  hasChatTemplate: boolean;
  /** Bytes of weights the header declares: what loading will need in RAM/VRAM at least. */
  weightBytes: number;
}

/** node-llama-cpp ships llama.cpp's architecture and type lists as runtime objects typed as const enums. */
async function llamaTables() {
  const llamaCpp = (await loadLlamaModule()) as unknown as Record<string, Record<string | number, string>>;
  return {
    knownArchitectures: new Set(Object.values(llamaCpp['GgufArchitectureType'] ?? {})),
    fileTypeNames: llamaCpp['GgufFileType'] ?? {},
    tensorTypeNames: llamaCpp['GgmlType'] ?? {},
  };
}

const sampleBytes = 1024 * 1024;

/**
 * A fingerprint that identifies a model's content without reading all of a multi-gigabyte file:
 * the size plus SHA-256 of the first, middle and last MiB. Two different GGUFs of the same size
 * differ in their headers (metadata) or weights samples; a re-download of the same file matches.
 */
export function fingerprintFile(filePath: string, size: number): string {
  const hash = crypto.createHash('sha256');
  hash.update(String(size));
  const fd = fs.openSync(filePath, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(sampleBytes, size));
    const offsets = size <= sampleBytes * 3 ? [0] : [0, Math.floor(size / 2), size - sampleBytes];
    for (const offset of offsets) {
      const length = size <= sampleBytes * 3 ? size : sampleBytes;
      const big = length > buffer.length ? Buffer.alloc(length) : buffer;
      const read = fs.readSync(fd, big, 0, length, offset);
      hash.update(big.subarray(0, read));
    }
  } finally {
    fs.closeSync(fd);
  }
  return `sha256-sampled:${hash.digest('hex')}`;
}

/** Reads and checks a GGUF file's header. Throws ApiErrors that say what is wrong with the file. */
export async function inspectGguf(filePath: string): Promise<GgufFileFacts> {
  const absolute = path.resolve(filePath);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    throw new ApiError('MODEL_MISSING', `The model file ${absolute} does not exist or cannot be read.`, { path: absolute });
  }
  if (!stat.isFile()) throw new ApiError('MODEL_INVALID', `${absolute} is not a file.`, { path: absolute });
  const magic = Buffer.alloc(4);
  const fd = fs.openSync(absolute, 'r');
  try {
    fs.readSync(fd, magic, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (magic.toString('latin1') !== 'GGUF') {
    throw new ApiError('MODEL_INVALID', `${path.basename(absolute)} is not a GGUF model file (it does not start with the GGUF signature).`, {
      path: absolute,
    });
  }

  const { readGgufFileInfo, GgufInsights } = await loadLlamaModule();
  const { knownArchitectures, fileTypeNames, tensorTypeNames } = await llamaTables();
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(absolute, { readTensorInfo: true, logWarnings: false, sourceType: 'filesystem' });
  } catch (cause) {
    throw new ApiError('MODEL_INVALID', `${path.basename(absolute)} is a damaged or truncated GGUF file: its header cannot be read.`, { path: absolute }, { cause });
  }

  const architecture = String(info.metadata.general?.architecture ?? '');
  if (!architecture || !knownArchitectures.has(architecture)) {
    throw new ApiError(
      'MODEL_UNSUPPORTED',
      `${path.basename(absolute)} uses the architecture "${architecture || 'unknown'}", which this version of the llama.cpp runtime cannot run.`,
      { path: absolute, architecture: architecture || 'unknown' },
    );
  }

  const insights = await GgufInsights.from(info);
  const weightBytes = insights.modelSize;
  const dataStart = info.infoEndOffset ?? 0;
  if (dataStart + weightBytes > stat.size) {
    throw new ApiError(
      'MODEL_INVALID',
      `${path.basename(absolute)} is truncated: it declares ${dataStart + weightBytes} bytes but the file has ${stat.size}. Copy or download it again.`,
      { path: absolute, expected: dataStart + weightBytes, actual: stat.size },
    );
  }

  const fileType = info.metadata.general?.file_type;
  const name = info.metadata.general?.name;
  return {
    filePath: absolute,
    fileSize: stat.size,
    fingerprint: fingerprintFile(absolute, stat.size),
    name: typeof name === 'string' && name.trim() ? name.trim() : null,
    architecture,
    parameterCount: Number.isFinite(insights.totalParameters) && insights.totalParameters > 0 ? insights.totalParameters : null,
    // Older converters omit general.file_type; the dominant tensor type says the same thing.
    quantization:
      typeof fileType === 'number'
        ? (fileTypeNames[fileType] ?? `type ${fileType}`)
        : insights.dominantTensorType !== undefined
          ? (tensorTypeNames[insights.dominantTensorType] ?? null)
          : null,
    trainingContextLength: insights.trainContextSize ?? null,
    hasChatTemplate: typeof info.metadata.tokenizer?.chat_template === 'string' && info.metadata.tokenizer.chat_template.length > 0,
    weightBytes,
  };
}
