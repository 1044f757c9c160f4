import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { createVectorStore, similarityFromDistance, tableNameFor, type ChunkOwner, type NewChunk } from '../electron/services/vectors/vector-store.ts';
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

test("seed 002's graph-RAG fields are top-level columns, set on all of a document's chunks and queryable; an older table is upgraded in place", async () => {
  const dir = path.join(tempDir(), 'vectors');
  // A table as EvalDesk wrote it before these columns: one `summary` and one `entities` JSON column.
  const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');
  const lancedb = await import('@lancedb/lancedb');
  const legacy = await (await lancedb.connect(dir)).createEmptyTable(
    tableNameFor('test-embedder', dims),
    new arrow.Schema([
      ...['chunk_id', 'doc_id', 'scope', 'text', 'source_type', 'title', 'updated_at'].map((name) => new arrow.Field(name, new arrow.Utf8(), false)),
      ...['workspace_id', 'document_id', 'chunk_index', 'owner_id'].map((name) => new arrow.Field(name, new arrow.Int32(), false)),
      new arrow.Field('page', new arrow.Int32(), true),
      new arrow.Field('section', new arrow.Utf8(), true),
      new arrow.Field('summary', new arrow.Utf8(), true),
      new arrow.Field('entities', new arrow.Utf8(), true),
      new arrow.Field('vector', new arrow.FixedSizeList(dims, new arrow.Field('item', new arrow.Float32(), true)), false),
    ]),
  );
  await legacy.add([{ chunk_id: '1:old:0', workspace_id: 1, doc_id: 'old', document_id: 9, chunk_index: 0, scope: 'shared', owner_id: 1, text: 'older row', page: null, section: null, source_type: 'file', title: 'Old', updated_at: '2026-10-01T00:00:00Z', summary: null, entities: null, vector: unit(3) }]);
  legacy.close();

  const store = createVectorStore({ dir });
  try {
    assert.equal(await store.countRows('test-embedder', dims), 1, 'the older row is still there');
    const table = await store.rawTableForBenchmarks('test-embedder', dims);
    const columns = (await table.schema()).fields.map((field) => field.name);
    for (const name of ['ai_summary', 'entity_nodes', 'entity_relations', 'entity_names', 'entity_count', 'relation_count']) assert.ok(columns.includes(name), name);
    assert.ok(!columns.includes('summary') && !columns.includes('entities'));

    await store.replaceDocument('test-embedder', dims, doc({ docId: 'project_document:7', documentId: 7 }), [chunk(0, unit(0), 'A'), chunk(1, unit(1), 'B')]);
    await store.replaceDocument('test-embedder', dims, doc({ docId: 'board_post:12', documentId: 12 }), [chunk(0, unit(2), 'C')]);
    const metadata = {
      ai_summary: "A프로젝트 uses N2SQL; it's due in March.",
      entity_nodes: [{ name: 'A프로젝트', type: 'project', description: '2차 과제' }, { name: 'N2SQL', type: 'technology', description: 'text to SQL' }],
      entity_relations: [{ source: 'A프로젝트', relation: 'uses', target: 'N2SQL' }],
      entity_names: ['A프로젝트', 'N2SQL'],
      entity_count: 2,
      relation_count: 1,
    };
    await store.setDocumentMetadata('test-embedder', dims, 1, 'project_document:7', metadata);

    const rows = (await table.query().where("array_has_any(entity_names, ['N2SQL'])").select(['chunk_id', 'text', 'vector', ...Object.keys(metadata)]).toArray()).map((row) => (row as { toJSON(): Record<string, unknown> }).toJSON());
    assert.deepEqual(rows.map((row) => row['chunk_id']).sort(), ['1:project_document:7:0', '1:project_document:7:1'], 'both chunks of the document, and only them');
    for (const row of rows) {
      assert.deepEqual(JSON.parse(JSON.stringify({ ...row, chunk_id: undefined, text: undefined, vector: undefined })), metadata);
    }
    assert.deepEqual(Array.from(rows.find((row) => row['text'] === 'B')!['vector'] as ArrayLike<number>), unit(1), 'the vectors are kept');
    assert.equal(await table.countRows('entity_count IS NULL'), 2, 'the other documents carry no metadata yet');

    // Re-ingesting the document rewrites its rows without metadata until the extraction runs again.
    await store.replaceDocument('test-embedder', dims, doc({ docId: 'project_document:7', documentId: 7 }), [chunk(0, unit(0), 'A2')]);
    assert.equal(await table.countRows("doc_id = 'project_document:7' AND ai_summary IS NULL"), 1);
  } finally {
    await store.close();
  }
});
