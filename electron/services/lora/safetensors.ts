import fs from 'node:fs';
import path from 'node:path';
import { invalid, unsupported } from './errors.ts';
import { bfloat16ToFloat32, elementCount, type TensorData } from './tensor-data.ts';

/**
 * A reader for the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header naming each tensor's dtype, shape and byte range in
 * the data section, then the data. The header is checked as the reference implementation checks
 * it (ranges contiguous, sizes matching dtype × shape, the data section exactly as long as the
 * ranges) and the file length is checked too, so a truncated download is named as such instead of
 * failing later with a short read.
 */

/** Byte width of every dtype the format defines; only the float ones can be LoRA weights. */
const dtypeBytes: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

/** Same limit as the reference implementation: a larger header is a damaged file, not a big one. */
const maxHeaderBytes = 100_000_000;

export interface SafetensorsTensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  filePath: string;
  /** In header order. */
  tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  /** `__metadata__`: free-form string pairs. */
  metadata: Readonly<Record<string, string>>;
  /**
   * Reads one tensor. F32 and F16 come back as stored; BF16 is widened to F32 (exact; GGUF LoRA
   * loaders on every llama.cpp backend take F32, not all take BF16).
   */
  read(name: string): TensorData;
}

export function openSafetensors(filePath: string): SafetensorsFile {
  const file = path.basename(filePath);
  const corrupt = (why: string, params: Record<string, string | number> = {}) =>
    invalid('safetensors_corrupt', `${file} is not a valid safetensors file: ${why}.`, { path: filePath, ...params });

  let size: number;
  try {
    size = fs.statSync(filePath).size;
  } catch (cause) {
    throw invalid('source_missing', `${file} cannot be read.`, { path: filePath }, { cause });
  }
  if (size < 8) throw corrupt(`it has ${size} bytes, fewer than the 8-byte header length`);

  const fd = fs.openSync(filePath, 'r');
  try {
    const lengthBytes = Buffer.alloc(8);
    fs.readSync(fd, lengthBytes, 0, 8, 0);
    const headerLength = lengthBytes.readBigUInt64LE(0);
    if (headerLength > BigInt(maxHeaderBytes)) throw corrupt(`its header claims ${headerLength} bytes`);
    const headerBytes = Number(headerLength);
    if (8 + headerBytes > size) {
      throw invalid('safetensors_truncated', `${file} is truncated: its header alone needs ${8 + headerBytes} bytes but the file has ${size}. Copy it again.`, {
        path: filePath,
        expected: 8 + headerBytes,
        actual: size,
      });
    }
    const headerBuffer = Buffer.alloc(headerBytes);
    fs.readSync(fd, headerBuffer, 0, headerBytes, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBuffer.toString('utf8'));
    } catch {
      throw corrupt('its header is not JSON');
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corrupt('its header is not a JSON object');

    const dataStart = 8 + headerBytes;
    const tensors = new Map<string, SafetensorsTensorInfo>();
    let metadata: Record<string, string> = {};
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') {
        metadata = parseMetadata(entry, corrupt);
        continue;
      }
      tensors.set(name, parseEntry(name, entry, dataStart, corrupt));
    }

    // Contiguous ranges from the start of the data section, as the reference writer lays them out.
    let expected = dataStart;
    for (const info of [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
      if (info.begin !== expected) throw corrupt(`the data of tensor "${info.name}" does not start where the previous one ends`, { tensor: info.name });
      expected = info.end;
    }
    if (expected > size) {
      throw invalid('safetensors_truncated', `${file} is truncated: its tensors need ${expected} bytes but the file has ${size}. Copy it again.`, {
        path: filePath,
        expected,
        actual: size,
      });
    }
    if (expected < size) throw corrupt(`${size - expected} bytes follow the last tensor`);

    return {
      filePath,
      tensors,
      metadata,
      read(name) {
        const info = tensors.get(name);
        if (!info) throw new Error(`No tensor "${name}" in ${file}`);
        return readTensor(filePath, info);
      },
    };
  } finally {
    fs.closeSync(fd);
  }
}

function parseMetadata(entry: unknown, corrupt: (why: string) => Error): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw corrupt('__metadata__ is not an object');
  for (const value of Object.values(entry)) if (typeof value !== 'string') throw corrupt('__metadata__ holds a value that is not a string');
  return entry as Record<string, string>;
}

function parseEntry(name: string, entry: unknown, dataStart: number, corrupt: (why: string, params?: Record<string, string | number>) => Error): SafetensorsTensorInfo {
  const bad = (why: string) => corrupt(`tensor "${name}" ${why}`, { tensor: name });
  if (typeof entry !== 'object' || entry === null) throw bad('has no description');
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in dtypeBytes)) throw bad(`has an unknown dtype (${JSON.stringify(dtype)})`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad('has an invalid shape');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
    throw bad('has invalid data_offsets');
  }
  const [begin, end] = offsets as [number, number];
  const bytes = elementCount(shape as number[]) * dtypeBytes[dtype]!;
  if (end - begin !== bytes) throw bad(`declares ${end - begin} bytes of data but ${dtype} ${JSON.stringify(shape)} needs ${bytes}`);
  return { name, dtype, shape: shape as number[], begin: dataStart + begin, end: dataStart + end };
}

function readTensor(filePath: string, info: SafetensorsTensorInfo): TensorData {
  if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16') {
    throw unsupported('tensor_dtype', `Tensor "${info.name}" in ${path.basename(filePath)} is ${info.dtype}; LoRA weights must be F32, F16 or BF16.`, {
      tensor: info.name,
      dtype: info.dtype,
    });
  }
  const bytes = info.end - info.begin;
  // A fresh ArrayBuffer per tensor: aligned for the typed array, and no sharing with Buffer's pool.
  const buffer = new ArrayBuffer(bytes);
  const fd = fs.openSync(filePath, 'r');
  try {
    let done = 0;
    while (done < bytes) {
      const read = fs.readSync(fd, new Uint8Array(buffer, done), 0, bytes - done, info.begin + done);
      if (read === 0) throw invalid('safetensors_truncated', `${path.basename(filePath)} changed while it was read.`, { path: filePath });
      done += read;
    }
  } finally {
    fs.closeSync(fd);
  }
  const shape = [...info.shape];
  if (info.dtype === 'F32') return { type: 'F32', shape, data: new Float32Array(buffer) };
  if (info.dtype === 'F16') return { type: 'F16', shape, data: new Uint16Array(buffer) };
  return { type: 'F32', shape, data: bfloat16ToFloat32(new Uint16Array(buffer)) };
}

/** What writeSafetensors takes: F32 / F16 tensors, or BF16 bit patterns as bf16 models' adapters hold them. */
export type SafetensorsTensor = TensorData | { type: 'BF16'; shape: number[]; data: Uint16Array };

/** Writes a safetensors file (fixtures, tests): tensors in the given order. */
export function writeSafetensors(filePath: string, tensors: Record<string, SafetensorsTensor>, metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = tensor.data.byteLength;
    header[name] = { dtype: tensor.type, shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // The reference writer pads the header with spaces to a multiple of 8 so the data is aligned.
  const padded = Math.ceil(json.length / 8) * 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const parts = [length, json, ...Object.values(tensors).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))];
  fs.writeFileSync(filePath, Buffer.concat(parts));
}
