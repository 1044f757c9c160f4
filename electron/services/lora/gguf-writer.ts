import fs from 'node:fs';
import { elementCount, type TensorType } from './tensor-data.ts';

/**
 * A GGUF v3 writer (ggml's gguf.h layout): magic, version, tensor and metadata counts, the
 * metadata, the tensor infos, then each tensor's data aligned to 32 bytes (GGUF's default
 * alignment, which llama.cpp assumes when general.alignment is absent).
 */

/** GGUF metadata value types (gguf.h). */
const valueType = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9, uint64: 10 } as const;
const ggmlType: Record<TensorType, number> = { F32: 0, F16: 1 };
const elementBytes: Record<TensorType, number> = { F32: 4, F16: 2 };
const alignment = 32;

export type GgufMetadataValue =
  | { type: 'uint32' | 'int32' | 'float32' | 'uint64'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: 'string'; value: string[] }
  | { type: 'array'; itemType: 'float32' | 'int32' | 'uint32'; value: number[] };

type Elements = Float32Array | Uint16Array;

export interface GgufTensorSpec {
  name: string;
  /** ne[0] first, as ggml orders dimensions: a row-major (rows × cols) matrix is [cols, rows]. */
  dims: number[];
  /** F32 unless said otherwise; F16 data is given as bit patterns. */
  type?: TensorType;
  /**
   * Row-major elements. A function is called when the tensor is written, so a converter holds one
   * tensor in memory at a time. Omitted: zeros (or nothing at all in a sparse file).
   */
  data?: Elements | (() => Elements);
}

/** Little-endian byte builder for the header. */
class ByteWriter {
  private chunks: Buffer[] = [];
  length = 0;
  private push(buffer: Buffer) {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  private fixed(bytes: number, write: (b: Buffer) => void) {
    const b = Buffer.alloc(bytes);
    write(b);
    this.push(b);
  }
  u32 = (value: number) => this.fixed(4, (b) => b.writeUInt32LE(value));
  i32 = (value: number) => this.fixed(4, (b) => b.writeInt32LE(value));
  u64 = (value: number | bigint) => this.fixed(8, (b) => b.writeBigUInt64LE(BigInt(value)));
  f32 = (value: number) => this.fixed(4, (b) => b.writeFloatLE(value));
  u8 = (value: number) => this.fixed(1, (b) => b.writeUInt8(value));
  str(value: string) {
    const bytes = Buffer.from(value, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  bytes(buffer: Buffer) {
    this.push(buffer);
  }
  pad() {
    const rest = this.length % alignment;
    if (rest) this.push(Buffer.alloc(alignment - rest));
  }
  toBuffer() {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(w: ByteWriter, value: GgufMetadataValue) {
  switch (value.type) {
    case 'uint32':
      return w.u32(value.value);
    case 'int32':
      return w.i32(value.value);
    case 'float32':
      return w.f32(value.value);
    case 'uint64':
      return w.u64(value.value);
    case 'bool':
      return w.u8(value.value ? 1 : 0);
    case 'string':
      return w.str(value.value);
    case 'array': {
      w.u32(valueType[value.itemType]);
      w.u64(value.value.length);
      for (const item of value.value) {
        if (value.itemType === 'string') w.str(item as string);
        else if (value.itemType === 'float32') w.f32(item as number);
        else if (value.itemType === 'uint32') w.u32(item as number);
        else w.i32(item as number);
      }
    }
  }
}

const alignUp = (n: number) => Math.ceil(n / alignment) * alignment;
const byteSize = (tensor: GgufTensorSpec) => elementCount(tensor.dims) * elementBytes[tensor.type ?? 'F32'];

/**
 * Writes a GGUF v3 file. With `sparse`, tensor data is not written: the file is only extended to
 * its declared length, which the filesystem stores without using disk (for "model too big" tests).
 */
export function writeGguf(filePath: string, metadata: Record<string, GgufMetadataValue>, tensors: GgufTensorSpec[], options: { sparse?: boolean } = {}): void {
  const header = new ByteWriter();
  header.bytes(Buffer.from('GGUF', 'latin1'));
  header.u32(3);
  header.u64(tensors.length);
  header.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    header.str(key);
    header.u32(valueType[value.type]);
    writeValue(header, value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    header.str(tensor.name);
    header.u32(tensor.dims.length);
    for (const dim of tensor.dims) header.u64(dim);
    header.u32(ggmlType[tensor.type ?? 'F32']);
    header.u64(offset);
    offset += alignUp(byteSize(tensor));
  }
  header.pad();
  const headerBuffer = header.toBuffer();

  const fd = fs.openSync(filePath, 'w');
  try {
    fs.writeSync(fd, headerBuffer);
    if (!options.sparse) {
      for (const tensor of tensors) {
        const bytes = byteSize(tensor);
        const elements = typeof tensor.data === 'function' ? tensor.data() : tensor.data;
        const expectedArray = (tensor.type ?? 'F32') === 'F32' ? Float32Array : Uint16Array;
        if (elements && (!(elements instanceof expectedArray) || elements.byteLength !== bytes)) {
          throw new Error(`Tensor ${tensor.name}: ${elements.byteLength} bytes of data for dims ${JSON.stringify(tensor.dims)} (${bytes} expected)`);
        }
        const data = elements ? Buffer.from(elements.buffer, elements.byteOffset, elements.byteLength) : Buffer.alloc(bytes);
        fs.writeSync(fd, data);
        if (alignUp(bytes) > bytes) fs.writeSync(fd, Buffer.alloc(alignUp(bytes) - bytes));
      }
    }
    fs.ftruncateSync(fd, headerBuffer.length + offset);
  } finally {
    fs.closeSync(fd);
  }
}
