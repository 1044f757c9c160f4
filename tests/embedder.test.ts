import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openEmbedder } from '../electron/services/embeddings/embedder.ts';
import { familyFor } from '../electron/services/embeddings/families.ts';
import { ApiError } from '../shared/contract/errors.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { ensureTinyEmbedder } from './fixtures/tiny-embedder.ts';
import { openTestApp, tempDir } from './helpers/app.ts';

const embedder = ensureTinyEmbedder();
const fixtures = await ensureFixtures();
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

function folderHash(dir: string): string {
  const hash = crypto.createHash('sha256');
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) hash.update(fs.readFileSync(path.join(dir, file)));
  return hash.digest('hex');
}

test('the ONNX embedder fixture is generated deterministically', () => {
  const a = ensureTinyEmbedder(tempDir());
  const b = ensureTinyEmbedder(tempDir());
  assert.equal(folderHash(a.dir), folderHash(b.dir));
  assert.equal(folderHash(a.dir), folderHash(embedder.dir));
});

test('transformers.js loads it from the local folder only, tokenizes CJK and pools normalized vectors', async () => {
  for (const dtype of ['', '@fp32']) {
    const onnx = await openEmbedder(`onnx:${embedder.name}${dtype}`, { onnxDir: embedder.embeddingsDir, threads: 1 });
    try {
      assert.equal(onnx.id, `onnx:${embedder.name}`);
      assert.equal(onnx.dimensions, 32);
      // [CLS] + one token per syllable/character piece + [SEP]: no word collapses into [UNK].
      assert.equal(onnx.countTokens('연차 휴가 신청 절차'), 10);
      assert.equal(onnx.countTokens('経費精算の締め日'), 10);
      assert.equal(onnx.countTokens('合同审核需要哪些文件'), 12);
      const [korean, japanese, english] = await onnx.embedPassages(['연차 휴가는 사흘 전에 신청합니다', '経費精算の締め日は毎月二十五日です', 'The travel policy requires approval']);
      for (const vector of [korean!, japanese!, english!]) assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-4, 'vectors are normalized');
      const query = await onnx.embedQuery('휴가 신청');
      assert.ok(cosine(query, korean!) > cosine(query, japanese!) + 0.3, 'a query sharing syllables with a passage scores clearly higher');
      assert.ok(cosine(query, korean!) > cosine(query, english!) + 0.3);
    } finally {
      await onnx.dispose();
    }
  }
});

test('a missing embedding model is a clear error, never a download', async () => {
  await assert.rejects(openEmbedder('onnx:not-installed', { onnxDir: embedder.embeddingsDir }), (error: unknown) => error instanceof ApiError && error.code === 'EMBEDDER_UNAVAILABLE' && /not in/.test(error.message));
  await assert.rejects(openEmbedder('onnx:../../etc', { onnxDir: embedder.embeddingsDir }), (error: unknown) => error instanceof ApiError && error.code === 'EMBEDDER_UNAVAILABLE');
  await assert.rejects(openEmbedder('http://example.com/model', { onnxDir: embedder.embeddingsDir }), (error: unknown) => error instanceof ApiError && error.code === 'VALIDATION');
});

test('model families get their query and passage prefixes', () => {
  assert.deepEqual(familyFor('intfloat/multilingual-e5-small'), { name: 'e5', query: 'query: ', passage: 'passage: ' });
  assert.equal(familyFor('nomic-embed-text-v1.5').query, 'search_query: ');
  assert.equal(familyFor('bge-small-en-v1.5').passage, '');
  assert.equal(familyFor('evaldesk-tiny-embedder').name, 'plain');
});

test('Korean and Japanese documents without spaces are chunked by the embedder\'s tokens and found by meaning', async () => {
  const app = await openTestApp();
  try {
    const settings = await app.call('settings.get', {});
    fs.mkdirSync(path.join(settings.modelsDir, 'embeddings'), { recursive: true });
    fs.cpSync(embedder.dir, path.join(settings.modelsDir, 'embeddings', embedder.name), { recursive: true });
    await app.call('settings.update', { embedder: `onnx:${embedder.name}` });
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const workspace = await app.call('workspaces.create', { name: 'CJK', chunkSize: 24, chunkOverlap: 4, similarityThreshold: 0.3, topN: 2, temperature: 0, maxTokens: 4 });
    const korean = '연차휴가는최소사흘전에신청해야합니다。팀장의승인이필요합니다。병가는진단서를제출해야합니다。';
    const japanese = '経費精算の締め日は毎月二十五日です。領収書の原本を添付してください。出張旅費は事前承認が必要です。';
    const added = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'hr:leave', title: '휴가 규정', text: korean });
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'fin:expenses', title: '経費規程', text: japanese });
    assert.equal(added.document!.embedderId, `onnx:${embedder.name}`);
    assert.ok(added.document!.chunkCount >= 2, `chunked by tokens: ${added.document!.chunkCount} chunks`);

    await app.call('runtime.load', { modelId: model.id });
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const askKorean = await app.call('chat.ask', { sessionId: session.id, question: '병가 진단서 제출', requestId: 'k' });
    assert.equal(askKorean.sources[0]?.docId, 'hr:leave');
    assert.match(askKorean.sources[0]!.promptText, /진단서/);
    const askJapanese = await app.call('chat.ask', { sessionId: session.id, question: '領収書の原本', requestId: 'j' });
    assert.equal(askJapanese.sources[0]?.docId, 'fin:expenses');
    assert.ok(askJapanese.sources.every((s) => s.docId === 'fin:expenses'), 'the Korean document stays below the threshold');
  } finally {
    await app.close();
  }
});
