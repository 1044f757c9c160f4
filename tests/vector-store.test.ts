import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createVectorStore, similarityFromDistance, type ChunkOwner, type NewChunk } from '../electron/services/vectors/vector-store.ts';
import { tempDir } from './helpers/app.ts';

const dims = 8;
const unit = (hot: number, second = -1): number[] => Array.from({ length: dims }, (_, i) => (i === hot ? 1 : i === second ? 0.5 : 0));

function doc(overrides: Partial<ChunkOwner> & Pick<ChunkOwner, 'docId'>): ChunkOwner {
  return { workspaceId: 1, documentId: 1, scope: 'shared', ownerId: 1, title: 'Doc', sourceType: 'file', updatedAt: '2026-11-01T00:00:00Z', ...overrides };
}

function chunk(index: number, vector: number[], text = 'text'): NewChunk {
  return { index, text, page: null, section: null, vector };
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
    await store.replaceDocument('test-embedder', dims, doc({ docId: 'board_post:12' }), [chunk(0, unit(0), 'old A'), chunk(1, unit(1), 'old B')]);
    await store.replaceDocument('test-embedder', dims, doc({ docId: "o'brien", documentId: 2 }), [chunk(0, unit(2), 'quote-safe')]);
    await store.replaceDocument('test-embedder', dims, doc({ docId: 'private-a', documentId: 3, scope: 'private', ownerId: 7 }), [chunk(0, unit(0, 1), "user 7's secret")]);
    await store.replaceDocument('test-embedder', dims, doc({ docId: 'other-ws', workspaceId: 2, documentId: 4 }), [chunk(0, unit(0))]);
    assert.equal(await store.countRows('test-embedder', dims), 5);

    // Re-ingesting replaces: one chunk now, new text; the other workspace and document untouched.
    await store.replaceDocument('test-embedder', dims, doc({ docId: 'board_post:12' }), [chunk(0, unit(0), 'new A')]);
    assert.equal(await store.countRows('test-embedder', dims, { workspaceId: 1, docId: 'board_post:12' }), 1);
    assert.equal(await store.countRows('test-embedder', dims, { docId: "o'brien" }), 1, 'quotes in a doc id are data, not filter syntax');
    assert.equal(await store.countRows('test-embedder', dims), 4);
    assert.deepEqual(
      (await store.documentChunks('test-embedder', dims, 1)).map((c) => [c.chunkId, c.chunkIndex, c.text]),
      [['1:board_post:12:0', 0, 'new A']],
    );
    assert.equal((await store.chunk('test-embedder', dims, 2, 0))?.text, 'quote-safe');
    assert.equal(await store.chunk('test-embedder', dims, 2, 1), null);

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
    await store.replaceDocument('test-embedder', dims, doc({ docId: 'rules' }), [chunk(0, unit(0), '年次有給休暇は入社6か月後に付与されます'), chunk(1, unit(1), 'Expense reports close on the 25th')]);
    await store.replaceDocument('test-embedder', dims, doc({ docId: 'rules-private', documentId: 2, scope: 'private', ownerId: 9 }), [chunk(0, unit(2), '出張旅費の精算は月末まで')]);
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
