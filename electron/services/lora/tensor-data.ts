/**
 * Dense 2-D tensors as the converters move them around: row-major (PyTorch / NumPy order), F32
 * values or F16 bit patterns. Conversions only ever move elements (transpose, row permutation) or
 * widen them (F16/BF16 → F32), so a converted adapter holds exactly the trained values.
 */
export type TensorType = 'F32' | 'F16';

export type TensorData =
  | { type: 'F32'; shape: number[]; data: Float32Array }
  | { type: 'F16'; shape: number[]; data: Uint16Array };

export const elementCount = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const scratch = new DataView(new ArrayBuffer(4));

/** IEEE half with round-to-nearest-even, as numpy's astype(float16) does. */
export function floatToHalf(value: number): number {
  scratch.setFloat32(0, value);
  const x = scratch.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let result = mantissa >>> shift;
    if (rest > half || (rest === half && result & 1)) result++;
    return sign | result;
  }
  let result = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && result & 1)) result++;
  if (result >= 0x7c00) e = 0x1f;
  return sign | (e === 0x1f ? 0x7c00 : result);
}

/** bfloat16 is the upper half of an F32: widening is exact. */
export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i]! << 16;
  return new Float32Array(words.buffer);
}

export function toFloat32(tensor: TensorData): Float32Array {
  if (tensor.type === 'F32') return tensor.data;
  const out = new Float32Array(tensor.data.length);
  for (let i = 0; i < out.length; i++) out[i] = halfToFloat(tensor.data[i]!);
  return out;
}

/** The same values as F32 (exact: every F16 is an F32). */
export const widen = (tensor: TensorData): TensorData => (tensor.type === 'F32' ? tensor : { type: 'F32', shape: tensor.shape, data: toFloat32(tensor) });

function withData(tensor: TensorData, shape: number[], fill: (out: Float32Array | Uint16Array, source: Float32Array | Uint16Array) => void): TensorData {
  if (tensor.type === 'F32') {
    const out = new Float32Array(tensor.data.length);
    fill(out, tensor.data);
    return { type: 'F32', shape, data: out };
  }
  const out = new Uint16Array(tensor.data.length);
  fill(out, tensor.data);
  return { type: 'F16', shape, data: out };
}

export function transpose2d(tensor: TensorData): TensorData {
  const [rows, cols] = tensor.shape as [number, number];
  return withData(tensor, [cols, rows], (out, source) => {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = source[r * cols + c]!;
  });
}

/** Reorders the rows of a 2-D tensor: row i of the result is row `sourceRow(i)` of the input. */
export function permuteRows(tensor: TensorData, sourceRow: (row: number) => number): TensorData {
  const [rows, cols] = tensor.shape as [number, number];
  return withData(tensor, [rows, cols], (out, source) => {
    for (let r = 0; r < rows; r++) out.set(source.subarray(sourceRow(r) * cols, sourceRow(r) * cols + cols), r * cols);
  });
}
