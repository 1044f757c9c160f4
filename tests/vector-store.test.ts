import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createVectorStore, similarityFromDistance, type ChunkRow } from '../electron/services/vectors/vector-store.ts';
import { tempDir } from './helpers/app.ts';

const dims = 8;
const unit = (hot: number, second = -1): number[] => Array.from({ length: dims }, (_, i) => (i === hot ? 1 : i === second ? 0.5 : 0));

function row(overrides: Partial<ChunkRow> & Pick<ChunkRow, 'chunk_id' | 'doc_id' | 'vector'>): ChunkRow {
  return {
    workspace_id: 1,
    document_id: 1,
    chunk_index: 0,
    scope: 'shared',
    owner_id: 1,
    text: 'text',
    page: null,
    section: null,
    source_type: 'file',
    title: 'Doc',
    updated_at: '2026-11-01T00:00:00Z',
    summary: null,
    entities: null,
    ...overrides,
  };
}

test('similarity is a monotonic function of cosine distance and distance >= 1 is never a match', () => {
  assert.equal(similarityFromDistance(0), 1);
  assert.equal(similarityFromDistance(1), 0);
  assert.equal(similarityFromDistance(2), -1);
  assert.ok(similarityFromDistance(0.2) > similarityFromDistance(0.3));
  assert.ok(similarityFromDistance(1.0001) < 0.5);
});

test('LanceDB: replace by doc_id, delete, scope isolation, threshold and top N', async () => {
  const store = createVectorStore({ dir: path.join(tempDir(), 'vectors') });
  try {
    await store.replaceDocument('test-embedder', dims, 1, 'board_post:12', [
      row({ chunk_id: '1:board_post:12:0', doc_id: 'board_post:12', vector: unit(0), text: 'old A' }),
      row({ chunk_id: '1:board_post:12:1', doc_id: 'board_post:12', chunk_index: 1, vector: unit(1), text: 'old B' }),
    ]);
    await store.replaceDocument('test-embedder', dims, 1, "o'brien", [row({ chunk_id: "1:o'brien:0", doc_id: "o'brien", document_id: 2, vector: unit(2), text: 'quote-safe' })]);
    await store.replaceDocument('test-embedder', dims, 1, 'private-a', [
      row({ chunk_id: '1:private-a:0', doc_id: 'private-a', document_id: 3, vector: unit(0, 1), scope: 'private', owner_id: 7, text: "user 7's secret" }),
    ]);
    await store.replaceDocument('test-embedder', dims, 2, 'other-ws', [row({ chunk_id: '2:other-ws:0', workspace_id: 2, doc_id: 'other-ws', document_id: 4, vector: unit(0) })]);
    assert.equal(await store.countRows('test-embedder', dims), 5);

    // Re-ingesting replaces: one chunk now, new text; the other workspace and document untouched.
    await store.replaceDocument('test-embedder', dims, 1, 'board_post:12', [row({ chunk_id: '1:board_post:12:0', doc_id: 'board_post:12', vector: unit(0), text: 'new A' })]);
    assert.equal(await store.countRows('test-embedder', dims, "doc_id = 'board_post:12'"), 1);
    assert.equal(await store.countRows('test-embedder', dims), 4);

    const asUser1 = await store.search('test-embedder', dims, { vector: unit(0), workspaceId: 1, userId: 1, topN: 10, threshold: -1 });
    assert.equal(asUser1[0]!.text, 'new A');
    assert.equal(asUser1[0]!.score, 1);
    assert.ok(asUser1.every((hit) => hit.scope === 'shared'), 'user 1 never sees user 7 private chunk');
    assert.ok(!asUser1.some((hit) => hit.docId === 'other-ws'), 'another workspace never leaks in');
    const asUser7 = await store.search('test-embedder', dims, { vector: unit(0), workspaceId: 1, userId: 7, topN: 10, threshold: -1 });
    assert.ok(asUser7.some((hit) => hit.text === "user 7's secret"));

    const strict = await store.search('test-embedder', dims, { vector: unit(0), workspaceId: 1, userId: 1, topN: 10, threshold: 0.5 });
    assert.deepEqual(strict.map((h) => h.text), ['new A'], 'orthogonal chunks (distance 1) fall below the threshold');
    assert.equal((await store.search('test-embedder', dims, { vector: unit(2), workspaceId: 1, userId: 1, topN: 1, threshold: -1 })).length, 1);

    await store.deleteDocument('test-embedder', dims, 1, "o'brien");
    assert.equal(await store.countRows('test-embedder', dims), 3);
    await assert.rejects(store.search('test-embedder', dims, { vector: [1, 0], workspaceId: 1, userId: 1, topN: 1, threshold: 0 }), /dimensions/);
  } finally {
    await store.close();
  }
});

test('hybrid search adds full-text matches (n-grams, so CJK without spaces works) under the same scope filter', async () => {
  const store = createVectorStore({ dir: path.join(tempDir(), 'vectors') });
  try {
    await store.replaceDocument('test-embedder', dims, 1, 'rules', [
      row({ chunk_id: '1:rules:0', doc_id: 'rules', vector: unit(0), text: '年次有給休暇は入社6か月後に付与されます' }),
      row({ chunk_id: '1:rules:1', doc_id: 'rules', chunk_index: 1, vector: unit(1), text: 'Expense reports close on the 25th' }),
      row({ chunk_id: '1:rules:2', doc_id: 'rules', chunk_index: 2, vector: unit(2), text: '出張旅費の精算は月末まで', scope: 'private', owner_id: 9 }),
    ]);
    // The query vector points at chunk 1 only; the words point at chunk 0 (and at a private chunk).
    const request = { vector: unit(1), workspaceId: 1, userId: 1, topN: 3, threshold: 0.5 };
    const vectorOnly = await store.search('test-embedder', dims, request);
    assert.deepEqual(vectorOnly.map((h) => h.chunkId), ['1:rules:1']);
    const hybrid = await store.search('test-embedder', dims, { ...request, fullText: '有給休暇 精算' });
    assert.deepEqual(hybrid.map((h) => h.chunkId).sort(), ['1:rules:0', '1:rules:1']);
    assert.ok(hybrid.every((h) => h.scope === 'shared'), 'the private chunk matching the words is still filtered out');
    assert.equal(hybrid.find((h) => h.chunkId === '1:rules:0')!.score, 0, 'full-text hits keep their true cosine score');
  } finally {
    await store.close();
  }
});
