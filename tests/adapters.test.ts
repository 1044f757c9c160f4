import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { getLlama, readGgufFileInfo, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { removeStaleStaging, storeContentAddressed } from '../electron/services/lora/adapter-store.ts';
import { convertAdapterFolder } from '../electron/services/lora/convert.ts';
import { AdapterError } from '../electron/services/lora/errors.ts';
import { readBaseModelFacts, type BaseModelFacts } from '../electron/services/lora/gguf-facts.ts';
import { hfModuleToGguf, ropePermutationSource } from '../electron/services/lora/hf-to-gguf-names.ts';
import { importAdapter } from '../electron/services/lora/import-adapter.ts';
import { createContextWithAdapters } from '../electron/services/lora/runtime-probe.ts';
import { openSafetensors, writeSafetensors, type SafetensorsTensor } from '../electron/services/lora/safetensors.ts';
import { floatToHalf, halfToFloat, toFloat32, type TensorData } from '../electron/services/lora/tensor-data.ts';
import { modelNameKey } from '../electron/services/lora/validate.ts';
import {
  ensureLoraFixtures,
  mlxConfig,
  peftConfig,
  tinyLoraAlpha,
  tinyLoraRank,
  tinyLoraScale,
  tinyLoraUpdate,
  writeAdapterFolder,
  type TinyLoraTensor,
} from './fixtures/tiny-lora.ts';
import { tempDir } from './helpers/app.ts';

const fixtures = await ensureLoraFixtures();
const update = tinyLoraUpdate();
const base: BaseModelFacts = await readBaseModelFacts(fixtures.base);

/** Every tensor of a GGUF file, read independently of the adapter library (node-llama-cpp's header parser + offsets). */
async function ggufTensors(filePath: string) {
  const info = await readGgufFileInfo(filePath, { readTensorInfo: true, logWarnings: false });
  const bytes = fs.readFileSync(filePath);
  const tensors = new Map<string, { dims: number[]; type: number; values: Float32Array; raw: Buffer }>();
  for (const t of info.tensorInfo ?? []) {
    const dims = t.dimensions.map(Number);
    const count = dims.reduce((a, b) => a * b, 1);
    const width = t.ggmlType === 0 ? 4 : 2;
    const raw = Buffer.from(bytes.subarray(Number(t.fileOffset), Number(t.fileOffset) + count * width));
    const values =
      t.ggmlType === 0
        ? new Float32Array(raw.buffer, raw.byteOffset, count)
        : toFloat32({ type: 'F16', shape: [count], data: new Uint16Array(raw.buffer, raw.byteOffset, count) });
    tensors.set(t.name, { dims, type: t.ggmlType, values, raw });
  }
  return { metadata: info.metadata as unknown as Record<string, Record<string, unknown>>, tensors };
}

/** name → sha256 and mtime of a file or of every file in a folder, to show it was not touched. */
function snapshot(source: string): Record<string, string> {
  const files = fs.statSync(source).isFile()
    ? [source]
    : fs
        .readdirSync(source, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name));
  return Object.fromEntries(files.map((file) => [file, `${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}:${fs.statSync(file).mtimeMs}`]));
}

async function rejectsWith(promise: Promise<unknown>, code: string, reason: string, message?: RegExp): Promise<AdapterError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AdapterError, `expected an AdapterError, got ${String(error)}`);
    assert.equal(`${error.code}/${error.reason}`, `${code}/${reason}`, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}/${reason}, but it succeeded`);
}

/** The GGUF lora_a / lora_b a tensor of the update must become, in GGUF dimension order. */
function expectedGguf(t: TinyLoraTensor) {
  const [aRows, aCols] = t.a.shape as [number, number];
  const [bRows, bCols] = t.b.shape as [number, number];
  return { a: { dims: [aCols, aRows], values: t.a.data }, b: { dims: [bCols, bRows], values: t.b.data } };
}

test('half floats convert like IEEE binary16 (round to nearest even), bfloat16 widens exactly', () => {
  const Float16 = (globalThis as unknown as { Float16Array?: new (values: number[]) => { buffer: ArrayBuffer } }).Float16Array;
  const samples = [0, -0, 1, -2.5, 0.1, 1 / 3, 65504, 65520, 1e-8, 6.1e-5, 5.96e-8, 2.98e-8, 1e6, Number.NaN, Infinity, 0.5 + 2 ** -12, 1 + 2 ** -11, 1 + 3 * 2 ** -11];
  for (const value of samples) {
    const bits = floatToHalf(value);
    if (Float16) assert.equal(bits, new Uint16Array(new Float16(Array.of(value)).buffer)[0], `float16 bits of ${value}`);
    const back = halfToFloat(bits);
    if (Number.isNaN(value)) assert.ok(Number.isNaN(back));
    else if (Math.abs(value) <= 65504 && Math.abs(value) > 6.1e-5) assert.ok(Math.abs(back - value) <= Math.abs(value) * 2 ** -11, `${value} → ${back}`);
  }
  const dir = tempDir();
  const values = new Float32Array([1, -2.5, 0.15625, 3e38]);
  const bf16 = new Uint16Array(new Uint32Array(values.buffer).map((w) => w >>> 16));
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'BF16', shape: [2, 2], data_offsets: [0, 8] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  fs.writeFileSync(path.join(dir, 'bf16.safetensors'), Buffer.concat([length, header, Buffer.from(bf16.buffer)]));
  const read = openSafetensors(path.join(dir, 'bf16.safetensors')).read('w');
  assert.equal(read.type, 'F32');
  assert.deepEqual([...read.data], [...new Float32Array(new Uint32Array([...bf16].map((b) => b << 16)).buffer)]);
});

test('the safetensors reader round-trips and names what is wrong with a damaged file', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'ok.safetensors');
  const f32: TensorData = { type: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) };
  const f16: TensorData = { type: 'F16', shape: [3], data: new Uint16Array([floatToHalf(1), floatToHalf(-0.5), floatToHalf(2)]) };
  writeSafetensors(file, { a: f32, b: f16 }, { format: 'pt' });
  const opened = openSafetensors(file);
  assert.deepEqual([...opened.tensors.keys()], ['a', 'b']);
  assert.deepEqual(opened.metadata, { format: 'pt' });
  assert.deepEqual(opened.read('a'), f32);
  assert.deepEqual(opened.read('b'), f16);

  const good = fs.readFileSync(file);
  const headerLength = Number(good.readBigUInt64LE(0));
  const variant = async (name: string, bytes: Buffer, reason: string, message: RegExp) => {
    const target = path.join(dir, `${name}.safetensors`);
    fs.writeFileSync(target, bytes);
    await rejectsWith(Promise.resolve().then(() => openSafetensors(target)), 'ADAPTER_INVALID', reason, message);
  };
  const withHeader = (header: object) => {
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([length, json, good.subarray(8 + headerLength)]);
  };
  await variant('short', good.subarray(0, 5), 'safetensors_corrupt', /fewer than the 8-byte header length/);
  await variant('cut-header', good.subarray(0, 8 + headerLength - 3), 'safetensors_truncated', /truncated/);
  await variant('cut-data', good.subarray(0, good.length - 4), 'safetensors_truncated', /tensors need \d+ bytes but the file has \d+/);
  await variant('trailing', Buffer.concat([good, Buffer.alloc(4)]), 'safetensors_corrupt', /4 bytes follow the last tensor/);
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(2n ** 40n, 0);
  await variant('huge-header', huge, 'safetensors_corrupt', /header claims/);
  await variant('not-json', Buffer.concat([good.subarray(0, 8), Buffer.from('x'.repeat(headerLength)), good.subarray(8 + headerLength)]), 'safetensors_corrupt', /not JSON/);
  await variant('bad-dtype', withHeader({ a: { dtype: 'F33', shape: [6], data_offsets: [0, 24] }, b: { dtype: 'F16', shape: [3], data_offsets: [24, 30] } }), 'safetensors_corrupt', /unknown dtype/);
  await variant('bad-size', withHeader({ a: { dtype: 'F32', shape: [7], data_offsets: [0, 24] }, b: { dtype: 'F16', shape: [3], data_offsets: [24, 30] } }), 'safetensors_corrupt', /needs 28/);
  await variant('gap', withHeader({ a: { dtype: 'F32', shape: [5], data_offsets: [4, 24] }, b: { dtype: 'F16', shape: [3], data_offsets: [24, 30] } }), 'safetensors_corrupt', /does not start where/);
  // Integer tensors are valid safetensors but not LoRA weights.
  const ints = path.join(dir, 'ints.safetensors');
  fs.writeFileSync(ints, withHeader({ a: { dtype: 'I32', shape: [6], data_offsets: [0, 24] }, b: { dtype: 'F16', shape: [3], data_offsets: [24, 30] } }));
  await rejectsWith(Promise.resolve().then(() => openSafetensors(ints).read('a')), 'ADAPTER_UNSUPPORTED', 'tensor_dtype', /I32/);
});

test('Hugging Face module names map to GGUF tensors; only llama permutes q/k for the rotary layout', () => {
  for (const arch of ['llama', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3'] as const) {
    const map = (name: string) => hfModuleToGguf(arch, name)?.tensor;
    assert.equal(map('base_model.model.model.layers.11.self_attn.q_proj'), 'blk.11.attn_q.weight');
    assert.equal(map('model.layers.0.self_attn.k_proj'), 'blk.0.attn_k.weight');
    assert.equal(map('model.layers.0.self_attn.v_proj'), 'blk.0.attn_v.weight');
    assert.equal(map('model.layers.0.self_attn.o_proj'), 'blk.0.attn_output.weight');
    assert.equal(map('model.layers.3.mlp.gate_proj'), 'blk.3.ffn_gate.weight');
    assert.equal(map('model.layers.3.mlp.up_proj'), 'blk.3.ffn_up.weight');
    assert.equal(map('model.layers.3.mlp.down_proj'), 'blk.3.ffn_down.weight');
    assert.equal(map('base_model.model.model.embed_tokens'), 'token_embd.weight');
    assert.equal(map('base_model.model.lm_head'), 'output.weight');
    assert.equal(map('model.language_model.layers.2.self_attn.q_proj'), 'blk.2.attn_q.weight', 'multimodal checkpoints');
    assert.equal(map('layers.2.mlp.up_proj'), 'blk.2.ffn_up.weight', 'bare decoder checkpoints');
    assert.equal(map('transformer.h.0.attn.c_attn'), undefined);
    assert.equal(map('model.layers.0.self_attn.qkv_proj'), undefined);
    const permutes = (name: string) => hfModuleToGguf(arch, name)?.ropePermute ?? null;
    assert.equal(permutes('model.layers.0.self_attn.q_proj'), arch === 'llama' ? 'query' : null);
    assert.equal(permutes('model.layers.0.self_attn.k_proj'), arch === 'llama' ? 'key' : null);
    assert.equal(permutes('model.layers.0.self_attn.v_proj'), null);
  }
  // convert_hf_to_gguf.py's LlamaModel.permute for 2 heads of 4 rows:
  // reshape(2, 2, 2, cols).swapaxes(1, 2) takes rows 0 2 1 3 | 4 6 5 7.
  const source = ropePermutationSource(8, 2);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(source), [0, 2, 1, 3, 4, 6, 5, 7]);
  // 1 head of 8 rows: halves [0 1 2 3 | 4 5 6 7] interleave to 0 4 1 5 2 6 3 7.
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(ropePermutationSource(8, 1)), [0, 4, 1, 5, 2, 6, 3, 7]);
});

for (const format of ['peft', 'mlx'] as const) {
  test(`${format === 'peft' ? 'PEFT' : 'MLX-LM'} conversion matches the hand-computed adapter tensor by tensor`, async () => {
    const folder = fixtures[format];
    const converted = await convertAdapterFolder(folder, base);
    assert.equal(converted.spec.architecture, 'llama');
    assert.equal(converted.spec.alpha, tinyLoraAlpha, format === 'mlx' ? 'alpha = scale × rank' : 'alpha = lora_alpha');
    assert.equal(converted.declaredBaseModel, format === 'peft' ? 'evaldesk/EvalDesk-Tiny-Chat' : 'EvalDesk-Tiny-Chat');

    // What the trainer saved, read back as the trainer's own layout, must relate to the expectation
    // as the converter documents: PEFT as is, MLX transposed, llama's q/k B rows permuted.
    const trainer = openSafetensors(path.join(folder, format === 'peft' ? 'adapter_model.safetensors' : 'adapters.safetensors'));
    const q = update.find((t) => t.target === 'blk.0.attn_q.weight')!;
    const trainerB = trainer.read(format === 'peft' ? 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight' : 'model.layers.0.self_attn.q_proj.lora_b');
    const permute = ropePermutationSource(q.b.shape[0]!, q.ropeHeads!);
    for (let row = 0; row < q.b.shape[0]!; row++) {
      for (let col = 0; col < tinyLoraRank; col++) {
        const expected = q.b.data[row * tinyLoraRank + col];
        const hfRow = permute(row);
        const stored = format === 'peft' ? trainerB.data[hfRow * tinyLoraRank + col] : trainerB.data[col * q.b.shape[0]! + hfRow];
        assert.equal(stored, expected);
      }
    }

    const stored = await importAdapter({ source: folder, baseModelPath: fixtures.base, storeDir: tempDir() });
    const { metadata, tensors } = await ggufTensors(stored.filePath);
    assert.equal(metadata['general']!['type'], 'adapter');
    assert.equal(metadata['general']!['architecture'], 'llama');
    assert.equal((metadata['adapter'] as { type: string }).type, 'lora');
    assert.equal((metadata['adapter'] as { lora: { alpha: number } }).lora.alpha, tinyLoraAlpha);
    assert.equal(tensors.size, update.length * 2);
    for (const t of update) {
      const expected = expectedGguf(t);
      const a = tensors.get(`${t.target}.lora_a`);
      const b = tensors.get(`${t.target}.lora_b`);
      assert.ok(a && b, `${t.target} pair`);
      assert.equal(a.type, 0, 'F32 kept');
      assert.deepEqual(a.dims, expected.a.dims, `${t.target}.lora_a dims`);
      assert.deepEqual(b.dims, expected.b.dims, `${t.target}.lora_b dims`);
      assert.deepEqual(a.values, expected.a.values, `${t.target}.lora_a values`);
      assert.deepEqual(b.values, expected.b.values, `${t.target}.lora_b values`);
    }
    // Same tensors as the GGUF fixture, byte for byte.
    const reference = await ggufTensors(fixtures.gguf);
    for (const [name, tensor] of reference.tensors) assert.ok(tensors.get(name)?.raw.equals(tensor.raw), name);
  });
}

test('MLX-LM and llama.cpp compute the same layer output: x·A·B·scale = B·(A·x)·alpha/r', async () => {
  const mlx = openSafetensors(path.join(fixtures.mlx, 'adapters.safetensors'));
  const converted = await convertAdapterFolder(fixtures.mlx, base);
  const scale = converted.spec.alpha / tinyLoraRank;
  assert.equal(scale, tinyLoraScale);
  const pair = (target: string) => {
    const p = converted.spec.pairs.find((x) => x.target === target)!;
    return { a: toFloat32(p.a()), b: toFloat32(p.b()), aShape: p.aShape, bShape: p.bShape };
  };
  const random = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 0.7);

  for (const [module, target] of [
    ['model.layers.1.self_attn.v_proj', 'blk.1.attn_v.weight'],
    ['model.layers.0.self_attn.q_proj', 'blk.0.attn_q.weight'],
    ['model.layers.1.mlp.up_proj', 'blk.1.ffn_up.weight'],
  ] as const) {
    const loraA = mlx.read(`${module}.lora_a`); // (in × r)
    const loraB = mlx.read(`${module}.lora_b`); // (r × out)
    const [inDims, r] = loraA.shape as [number, number];
    const out = loraB.shape[1]!;
    const x = random(inDims, out);
    // MLX-LM: z = (x @ lora_a) @ lora_b; y = scale_mlx * z
    const xa = new Float64Array(r);
    for (let k = 0; k < r; k++) for (let i = 0; i < inDims; i++) xa[k]! += x[i]! * loraA.data[i * r + k]!;
    const yMlx = new Float64Array(out);
    for (let o = 0; o < out; o++) for (let k = 0; k < r; k++) yMlx[o]! += tinyLoraScale * xa[k]! * loraB.data[k * out + o]!;
    // llama.cpp: y = (B · (A · x)) · alpha / rank with A (r × in), B (out × r)
    const { a, b } = pair(target);
    const ax = new Float64Array(r);
    for (let k = 0; k < r; k++) for (let i = 0; i < inDims; i++) ax[k]! += a[k * inDims + i]! * x[i]!;
    const yLlama = new Float64Array(out);
    for (let o = 0; o < out; o++) for (let k = 0; k < r; k++) yLlama[o]! += (b[o * r + k]! * ax[k]! * converted.spec.alpha) / r;
    // llama.cpp's q rows are in its rotary order: output row o is Hugging Face's row permute(o).
    const permute = target.endsWith('attn_q.weight') ? ropePermutationSource(out, base.headCount!) : (o: number) => o;
    for (let o = 0; o < out; o++) assert.ok(Math.abs(yLlama[o]! - yMlx[permute(o)]!) < 1e-9, `${target}[${o}]: ${yLlama[o]} vs ${yMlx[permute(o)]}`);
  }

  // Embeddings: MLX-LM adds scale · lora_a[token] @ lora_b; llama.cpp adds (B · A[token]) · alpha/r.
  const loraA = mlx.read('model.embed_tokens.lora_a'); // (vocab × r)
  const loraB = mlx.read('model.embed_tokens.lora_b'); // (r × embd)
  const { a, b } = pair('token_embd.weight');
  const embd = loraB.shape[1]!;
  for (const token of [0, 7, 300]) {
    for (let e = 0; e < embd; e++) {
      let mlxValue = 0;
      let llamaValue = 0;
      for (let k = 0; k < tinyLoraRank; k++) {
        mlxValue += tinyLoraScale * loraA.data[token * tinyLoraRank + k]! * loraB.data[k * embd + e]!;
        llamaValue += (b[e * tinyLoraRank + k]! * a[token * tinyLoraRank + k]! * converted.spec.alpha) / tinyLoraRank;
      }
      assert.ok(Math.abs(mlxValue - llamaValue) < 1e-9, `token ${token} dim ${e}`);
    }
  }
});

test('F16 stays F16, BF16 becomes exact F32, rsLoRA folds √r into alpha', async () => {
  const dir = tempDir();
  const half = (t: TinyLoraTensor['a']): TensorData => ({ type: 'F16', shape: t.shape, data: Uint16Array.from(t.data, floatToHalf) });
  const layer = update.filter((t) => t.target.startsWith('blk.0.attn_v') || t.target.startsWith('blk.1.ffn_up'));
  const f16Tensors: Record<string, TensorData> = {};
  for (const t of layer) {
    f16Tensors[`base_model.model.${t.module}.lora_A.weight`] = half(t.a);
    f16Tensors[`base_model.model.${t.module}.lora_B.weight`] = half(t.b);
  }
  writeAdapterFolder(path.join(dir, 'f16'), 'adapter_model.safetensors', f16Tensors, peftConfig({ use_rslora: true }));
  const stored = await importAdapter({ source: path.join(dir, 'f16'), baseModelPath: fixtures.base, storeDir: path.join(dir, 'store') });
  assert.equal(stored.alpha, tinyLoraAlpha * Math.sqrt(tinyLoraRank), 'rsLoRA scales by alpha/√r: alpha·√r / r');
  const { tensors } = await ggufTensors(stored.filePath);
  for (const t of layer) {
    const a = tensors.get(`${t.target}.lora_a`)!;
    assert.equal(a.type, 1, 'F16');
    assert.deepEqual(new Uint16Array(a.raw.buffer, a.raw.byteOffset, a.raw.length / 2), half(t.a).data, 'same bits');
  }

  // BF16: what a PEFT adapter of a bf16 model holds; widened to F32 without changing a value.
  const bf16Tensors: Record<string, SafetensorsTensor> = {};
  const toBf16 = (t: TinyLoraTensor['a']) => Uint16Array.from(new Uint32Array(Float32Array.from(t.data).buffer), (w) => w >>> 16);
  for (const t of layer) {
    bf16Tensors[`base_model.model.${t.module}.lora_A.weight`] = { type: 'BF16', shape: t.a.shape, data: toBf16(t.a) };
    bf16Tensors[`base_model.model.${t.module}.lora_B.weight`] = { type: 'BF16', shape: t.b.shape, data: toBf16(t.b) };
  }
  writeAdapterFolder(path.join(dir, 'bf16'), 'adapter_model.safetensors', bf16Tensors, peftConfig());
  const bf16 = await importAdapter({ source: path.join(dir, 'bf16'), baseModelPath: fixtures.base, storeDir: path.join(dir, 'store') });
  const widened = await ggufTensors(bf16.filePath);
  for (const t of layer) {
    const b = widened.tensors.get(`${t.target}.lora_b`)!;
    assert.equal(b.type, 0, 'F32');
    assert.deepEqual([...b.values], [...new Float32Array(new Uint32Array([...toBf16(t.b)].map((h) => h << 16)).buffer)]);
  }
});

test('the adapter store is content-addressed, never overwrites, and leaves the source untouched', async () => {
  const store = tempDir();
  const before = snapshot(fixtures.peft);
  const first = await importAdapter({ source: fixtures.peft, baseModelPath: fixtures.base, storeDir: store });
  const again = await importAdapter({ source: fixtures.peft, baseModelPath: fixtures.base, storeDir: store });
  assert.deepEqual(snapshot(fixtures.peft), before, 'the PEFT folder is unchanged, byte for byte');
  assert.equal(again.filePath, first.filePath);
  assert.equal(first.reused, false);
  assert.equal(again.reused, true);
  assert.equal(path.basename(first.filePath), `${first.sha256}.gguf`);
  assert.equal(crypto.createHash('sha256').update(fs.readFileSync(first.filePath)).digest('hex'), first.sha256);

  const gguf = await importAdapter({ source: fixtures.gguf, baseModelPath: fixtures.base, storeDir: store });
  assert.ok(fs.readFileSync(gguf.filePath).equals(fs.readFileSync(fixtures.gguf)), 'a GGUF adapter is copied as is');
  const mlx = await importAdapter({ source: fixtures.mlx, baseModelPath: fixtures.base, storeDir: store });
  assert.equal(new Set([first.filePath, gguf.filePath, mlx.filePath]).size, 3);
  assert.deepEqual(fs.readdirSync(store).sort(), [first, gguf, mlx].map((s) => `${s.sha256}.gguf`).sort(), 'no staging files left');

  // A damaged file under an adapter's name is reported, not overwritten.
  fs.writeFileSync(first.filePath, 'damaged');
  await rejectsWith(importAdapter({ source: fixtures.peft, baseModelPath: fixtures.base, storeDir: store }), 'ADAPTER_INVALID', 'store_conflict');
  assert.equal(fs.readFileSync(first.filePath, 'utf8'), 'damaged');

  // A write that fails half-way leaves nothing; crash leftovers are cleaned at start-up.
  const failing = tempDir();
  await assert.rejects(
    storeContentAddressed(failing, (staging) => {
      fs.writeFileSync(staging, 'half');
      throw new Error('disk full');
    }),
    /disk full/,
  );
  assert.deepEqual(fs.readdirSync(failing), []);
  fs.writeFileSync(path.join(failing, '.staging-123-abc.gguf'), 'left by a crash');
  assert.equal(removeStaleStaging(failing), 1);
  assert.deepEqual(fs.readdirSync(failing), []);
});

test('the name the adapter was trained on is compared with the base: a mismatch or no name is a warning', async () => {
  assert.equal(modelNameKey('unsloth/Llama-3.2-1B-Instruct-bnb-4bit'), modelNameKey('Llama 3.2 1B Instruct'));
  assert.equal(modelNameKey('mlx-community/Qwen2.5-1.5B-Instruct-4bit'), modelNameKey('Qwen2.5 1.5B Instruct'));
  assert.equal(modelNameKey('C:\\models\\gemma-2-2b-it\\'), modelNameKey('Gemma 2 2b It'));
  assert.notEqual(modelNameKey('meta-llama/Llama-3.2-1B'), modelNameKey('Llama 3.2 1B Instruct'), 'base vs instruct differ');

  const store = tempDir();
  const peft = await importAdapter({ source: fixtures.peft, baseModelPath: fixtures.base, storeDir: store });
  assert.deepEqual(peft.warnings, [], '"evaldesk/EvalDesk-Tiny-Chat" is "EvalDesk Tiny Chat"');
  const mlx = await importAdapter({ source: fixtures.mlx, baseModelPath: fixtures.base, storeDir: store });
  assert.deepEqual(mlx.warnings, []);
  const gguf = await importAdapter({ source: fixtures.gguf, baseModelPath: fixtures.base, storeDir: store });
  assert.deepEqual(gguf.warnings.map((w) => w.code), ['BASE_NAME_UNKNOWN'], 'the GGUF fixture names no base model');

  const other = tempDir();
  fs.cpSync(fixtures.peft, other, { recursive: true });
  fs.writeFileSync(path.join(other, 'adapter_config.json'), JSON.stringify(peftConfig({ base_model_name_or_path: 'meta-llama/Llama-3.2-1B-Instruct' })));
  const mismatched = await importAdapter({ source: other, baseModelPath: fixtures.base, storeDir: store });
  assert.deepEqual(mismatched.warnings.map((w) => w.code), ['BASE_NAME_MISMATCH']);
  assert.match(mismatched.warnings[0]!.message, /trained on "meta-llama\/Llama-3.2-1B-Instruct" but the base model is "EvalDesk Tiny Chat"/);
  // The converted GGUF keeps the declared base, so checking the stored file later says the same.
  const restored = await importAdapter({ source: mismatched.filePath, baseModelPath: fixtures.base, storeDir: store });
  assert.equal(restored.declaredBaseModel, 'meta-llama/Llama-3.2-1B-Instruct');
  assert.deepEqual(restored.warnings.map((w) => w.code), ['BASE_NAME_MISMATCH']);
});

/** A copy of a fixture folder changed by `edit`, for the refusals that need no fixture of their own. */
function variantOf(folder: string, edit: (dir: string) => void): string {
  const dir = path.join(tempDir('evaldesk-adapter-'), path.basename(folder));
  fs.cpSync(folder, dir, { recursive: true });
  edit(dir);
  return dir;
}

const editPeftConfig = (overrides: Record<string, unknown>) => (dir: string) =>
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify(peftConfig(overrides)));
const editMlxConfig = (overrides: Record<string, unknown>) => (dir: string) =>
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify(mlxConfig(overrides)));
/** Rewrites a PEFT folder's weights: `change` gets and returns the tensors by name. */
const editPeftWeights = (change: (tensors: Record<string, TensorData>) => Record<string, TensorData>) => (dir: string) => {
  const file = path.join(dir, 'adapter_model.safetensors');
  const opened = openSafetensors(file);
  writeSafetensors(file, change(Object.fromEntries([...opened.tensors.keys()].map((name) => [name, opened.read(name)]))));
};

const withoutEmbeddings = (tensors: Record<string, TensorData>) => Object.fromEntries(Object.entries(tensors).filter(([name]) => !name.includes('embed_tokens')));

test('bad adapters are refused with their reason and nothing is stored', async () => {
  const store = tempDir();
  const cases: [string, string, string, string, RegExp, string?][] = [
    ['GGUF for another architecture', fixtures.ggufOtherArchitecture, 'ADAPTER_MISMATCH', 'architecture', /"qwen2" model but the base model is "llama"/],
    ['truncated GGUF', fixtures.ggufTruncated, 'ADAPTER_INVALID', 'gguf_truncated', /truncated: its tensors need \d+ bytes but the file has \d+/],
    ['a model, not an adapter', fixtures.base, 'ADAPTER_INVALID', 'not_an_adapter', /general.type is "missing"/],
    ['PEFT for GPT-2', fixtures.peftOtherArchitecture, 'ADAPTER_MISMATCH', 'architecture', /transformer.h.0.attn.c_attn", which a llama model does not have/],
    ['PEFT for a wider llama', fixtures.peftOtherShapes, 'ADAPTER_MISMATCH', 'tensor_shape', /expects "blk.0.attn_\w+.weight" to be \[96, 96\] but the base model's is \[64, 64\]/],
    ['truncated safetensors', fixtures.peftTruncatedSafetensors, 'ADAPTER_INVALID', 'safetensors_truncated', /adapter_model.safetensors is truncated/],
    ['corrupt safetensors', fixtures.peftCorruptSafetensors, 'ADAPTER_INVALID', 'safetensors_corrupt', /header is not JSON/],
    ['PEFT config without lora_alpha', fixtures.peftMissingAlpha, 'ADAPTER_INVALID', 'config_field_missing', /no "lora_alpha"/],
    ['MLX config without rank', fixtures.mlxMissingRank, 'ADAPTER_INVALID', 'config_field_missing', /no "lora_parameters.rank"/],
    ['embedding LoRA on a tied-output base', fixtures.gguf, 'ADAPTER_UNSUPPORTED', 'embedding_lora_tied_output', /reuses them as its output layer/, fixtures.tiedBase],
    ['missing path', path.join(store, 'nope'), 'ADAPTER_INVALID', 'source_missing', /does not exist/],
    ['an unrelated folder', tempDir(), 'ADAPTER_INVALID', 'format_unknown', /neither adapter_model.safetensors .* nor adapters.safetensors/],
    ['an unrelated file', path.join(fixtures.peft, 'adapter_config.json'), 'ADAPTER_INVALID', 'format_unknown', /not an adapter/],
    ['a missing base', fixtures.gguf, 'ADAPTER_INVALID', 'base_unreadable', /base model nope.gguf cannot be read/, path.join(store, 'nope.gguf')],
    ['DoRA (config)', variantOf(fixtures.peft, editPeftConfig({ use_dora: true })), 'ADAPTER_UNSUPPORTED', 'dora', /DoRA/],
    ['DoRA (magnitude vectors)', variantOf(fixtures.peft, editPeftWeights((t) => ({ ...t, 'base_model.model.model.layers.0.self_attn.v_proj.lora_magnitude_vector': { type: 'F32', shape: [64], data: new Float32Array(64) } }))), 'ADAPTER_UNSUPPORTED', 'dora', /magnitude vector/],
    ['not a LoRA', variantOf(fixtures.peft, editPeftConfig({ peft_type: 'IA3' })), 'ADAPTER_UNSUPPORTED', 'peft_type', /PEFT IA3 adapter/],
    ['added tokens (full embeddings)', variantOf(fixtures.peft, editPeftWeights((t) => ({ ...t, 'base_model.model.model.embed_tokens.weight': { type: 'F32', shape: [360, 64], data: new Float32Array(360 * 64) } }))), 'ADAPTER_UNSUPPORTED', 'embeddings_resized', /tokens were added/],
    ['modules_to_save', variantOf(fixtures.peft, editPeftConfig({ modules_to_save: ['lm_head'] })), 'ADAPTER_UNSUPPORTED', 'modules_to_save', /modules_to_save: lm_head/],
    ['per-module alphas', variantOf(fixtures.peft, editPeftConfig({ alpha_pattern: { 'model.layers.0.self_attn.q_proj': 32 } })), 'ADAPTER_UNSUPPORTED', 'alpha_pattern', /single alpha/],
    ['LoRA bias', variantOf(fixtures.peft, editPeftConfig({ lora_bias: true })), 'ADAPTER_UNSUPPORTED', 'lora_bias', /biases/],
    ['trainable tokens', variantOf(fixtures.peft, editPeftConfig({ trainable_token_indices: [5, 6] })), 'ADAPTER_UNSUPPORTED', 'trainable_tokens', /token embeddings/],
    ['a torch pickle', variantOf(fixtures.peft, (dir) => fs.renameSync(path.join(dir, 'adapter_model.safetensors'), path.join(dir, 'adapter_model.bin'))), 'ADAPTER_UNSUPPORTED', 'pickle_weights', /safe_serialization/],
    ['lora_B missing', variantOf(fixtures.peft, editPeftWeights(({ 'base_model.model.model.layers.1.mlp.up_proj.lora_B.weight': _gone, ...rest }) => rest)), 'ADAPTER_INVALID', 'tensor_unpaired', /up_proj" has a lora_A matrix without its lora_B/],
    ['config rank differs from the tensors', variantOf(fixtures.peft, editPeftConfig({ r: 8 })), 'ADAPTER_INVALID', 'rank_inconsistent', /has rank 4 but adapter_config.json declares 8/],
    ['config is not JSON', variantOf(fixtures.peft, (dir) => fs.writeFileSync(path.join(dir, 'adapter_config.json'), '{ "r": 4,')), 'ADAPTER_INVALID', 'config_unreadable', /not valid JSON/],
    ['no config', variantOf(fixtures.peft, (dir) => fs.rmSync(path.join(dir, 'adapter_config.json'))), 'ADAPTER_INVALID', 'config_missing', /no adapter_config.json/],
    ['lora_alpha is text', variantOf(fixtures.peft, editPeftConfig({ lora_alpha: '8' })), 'ADAPTER_INVALID', 'config_field_invalid', /"lora_alpha" .* is not a number/],
    ['lm_head LoRA on a tied-output base', variantOf(fixtures.peft, editPeftWeights((t) => ({ ...withoutEmbeddings(t), 'base_model.model.lm_head.lora_A.weight': { type: 'F32', shape: [4, 64], data: new Float32Array(256) }, 'base_model.model.lm_head.lora_B.weight': { type: 'F32', shape: [351, 4], data: new Float32Array(351 * 4) } }))), 'ADAPTER_UNSUPPORTED', 'output_tied_to_embeddings', /reuses its token embeddings as output/, fixtures.tiedBase],
    ['MLX full fine-tune', variantOf(fixtures.mlx, editMlxConfig({ fine_tune_type: 'full' })), 'ADAPTER_UNSUPPORTED', 'fine_tune_type', /"full" fine-tune/],
    ['MLX DoRA', variantOf(fixtures.mlx, editMlxConfig({ fine_tune_type: 'dora' })), 'ADAPTER_UNSUPPORTED', 'dora', /DoRA/],
    ['MLX without lora_parameters', variantOf(fixtures.mlx, editMlxConfig({ lora_parameters: undefined })), 'ADAPTER_INVALID', 'config_field_missing', /no "lora_parameters"/],
  ];
  for (const [label, source, code, reason, message, baseModelPath = fixtures.base] of cases) {
    const sourceBefore = fs.existsSync(source) ? snapshot(source) : null;
    const error = await rejectsWith(importAdapter({ source, baseModelPath, storeDir: store }), code, reason, message).catch((e: Error) => {
      throw new Error(`${label}: ${e.message}`);
    });
    assert.equal(typeof error.toPayload().params?.['reason'], 'string');
    assert.deepEqual(fs.readdirSync(store), [], `${label}: nothing stored`);
    if (sourceBefore) assert.deepEqual(snapshot(source), sourceBefore, `${label}: source untouched`);
  }
});

test('through node-llama-cpp: all three adapters change greedy output, PEFT and MLX give the GGUF adapter’s exact tokens', async (t) => {
  const llama: Llama = await getLlama({ gpu: false, maxThreads: 1, build: 'never', progressLogs: false, logger: () => {} });
  const model: LlamaModel = await llama.loadModel({ modelPath: fixtures.base });
  t.after(async () => {
    await model.dispose();
    await llama.dispose();
  });
  const greedy = async (context: LlamaContext) => {
    try {
      const tokens: number[] = [];
      for await (const token of context.getSequence().evaluate(model.tokenize('the answer is'), { temperature: 0 })) {
        tokens.push(token);
        if (tokens.length === 16) break;
      }
      return tokens;
    } finally {
      await context.dispose();
    }
  };
  const store = tempDir();
  const stored = async (source: string) => (await importAdapter({ source, baseModelPath: fixtures.base, storeDir: store })).filePath;

  const baseTokens = await greedy(await model.createContext({ contextSize: 256 }));
  const ggufTokens = await greedy(await createContextWithAdapters(model, [{ filePath: await stored(fixtures.gguf) }], { contextSize: 256 }));
  const peftTokens = await greedy(await createContextWithAdapters(model, [{ filePath: await stored(fixtures.peft) }], { contextSize: 256 }));
  const mlxTokens = await greedy(await createContextWithAdapters(model, [{ filePath: await stored(fixtures.mlx) }], { contextSize: 256 }));
  assert.equal(baseTokens.length, 16);
  assert.notDeepEqual(ggufTokens, baseTokens, 'the adapter changes the output');
  assert.deepEqual(peftTokens, ggufTokens);
  assert.deepEqual(mlxTokens, ggufTokens);
  assert.deepEqual(await greedy(await model.createContext({ contextSize: 256 })), baseTokens, 'the base without adapter is unchanged');
  // An F16 adapter (kept F16 by the conversion) loads and applies too.
  const f16Folder = path.join(tempDir(), 'f16');
  const half = (x: TensorData): TensorData => ({ type: 'F16', shape: x.shape, data: Uint16Array.from(toFloat32(x), floatToHalf) });
  const f32Weights = openSafetensors(path.join(fixtures.peft, 'adapter_model.safetensors'));
  writeAdapterFolder(f16Folder, 'adapter_model.safetensors', Object.fromEntries([...f32Weights.tensors.keys()].map((name) => [name, half(f32Weights.read(name))])), peftConfig());
  assert.notDeepEqual(await greedy(await createContextWithAdapters(model, [{ filePath: await stored(f16Folder) }], { contextSize: 256 })), baseTokens);
  // Scale 0 applies nothing: the LoRA path is the only difference.
  assert.deepEqual(await greedy(await createContextWithAdapters(model, [{ filePath: await stored(fixtures.gguf), scale: 0 }], { contextSize: 256 })), baseTokens);

  // llama.cpp's own reason for a refusal, instead of node-llama-cpp's generic message.
  const refused = await rejectsWith(createContextWithAdapters(model, [{ filePath: fixtures.ggufOtherArchitecture }], { contextSize: 256 }), 'ADAPTER_INVALID', 'runtime_refused');
  assert.equal(refused.params['detail'], 'model arch and LoRA arch mismatch');
  const truncated = await rejectsWith(createContextWithAdapters(model, [{ filePath: fixtures.ggufTruncated }], { contextSize: 256 }), 'ADAPTER_INVALID', 'runtime_refused');
  assert.match(String(truncated.params['detail']), /not within the file bounds/);
});
