/**
 * Graph-RAG metadata in the app (issue 15): extraction after ingest in a workspace that turned it
 * on, stored in SQLite and on the document's LanceDB rows, re-extracted when the content changes,
 * shown through documents.graph and graph.entities as the caller may see them, and entity-aware
 * retrieval that brings in the documents naming the question's entities, recorded as a step. The
 * model's answers are fixed at the service boundary (the extraction itself is tested in
 * tests/graph.test.ts, also through the real runtime).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonGenerator } from '../electron/services/runtime/json-generator.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { addUser, callAs, openTestApp, rejectsWithCode } from './helpers/app.ts';

const fixtures = await ensureFixtures();

/** Reads the entities named in the document text it is shown, as a model would (deterministically). */
let readerCalls = 0;
const reader: JsonGenerator = async (prompt) => {
  readerCalls++;
  const entities = ['N2SQL', 'A프로젝트', '経費システム'].filter((name) => prompt.includes(name));
  const relations = entities.includes('A프로젝트') && entities.includes('N2SQL') ? [{ source: 'A프로젝트', relation: 'uses', target: 'N2SQL' }] : [];
  const summary = prompt.includes('version two') ? 'Second version summary.' : `Summary naming ${entities.join(', ') || 'nothing'}.`;
  return JSON.stringify({ summary, entities: entities.map((name) => ({ name, type: 'technology', description: `${name} as the document describes it` })), relations });
};

test('graph metadata is extracted after ingest, stored in SQLite and LanceDB, re-extracted on change, and brings its documents into answers', { timeout: 120_000 }, async () => {
  const app = await openTestApp({ graphGenerator: reader });
  try {
    await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const workspace = await app.call('workspaces.create', { name: 'graph', temperature: 0, maxTokens: 4, contextSize: 1024, chunkSize: 48, chunkOverlap: 8, similarityThreshold: 0.999, topN: 3, graphExtraction: true, entityRetrieval: true });
    const off = await app.call('workspaces.create', { name: 'no graph', temperature: 0, maxTokens: 4, contextSize: 1024 });
    await app.call('runtime.load', { modelId: model.id });
    const graphIdle = () => app.core.internals!.graph.idle();

    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'board_post:12', title: 'N2SQL 소개', text: 'N2SQL은 텍스트를 SQL로 바꾸는 기술입니다. 사내 데이터 조회에 씁니다.' });
    const project = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'project_document:7', title: 'A프로젝트 계획', text: 'A프로젝트는 N2SQL을 사용해 보고서를 만듭니다. 일정은 3월까지입니다.' });
    const other = await addUser(app, { username: 'mina', memberOf: [workspace.id] });
    const asOther = callAs(app.core, other);
    const secret = await asOther('documents.addText', { workspaceId: workspace.id, docId: 'note:1', title: 'Private', text: '経費システム의 비밀 메모: N2SQL 예산.', scope: 'private' });
    const untouched = await app.call('documents.addText', { workspaceId: off.id, docId: 'board_post:1', title: 'N2SQL', text: 'N2SQL 문서입니다.' });
    await graphIdle();

    const graph = await app.call('documents.graph', { documentId: project.document!.id });
    assert.equal(graph!.outcome, 'extracted');
    assert.equal(graph!.summary, 'Summary naming N2SQL, A프로젝트.');
    assert.deepEqual(graph!.entities.map((e) => e.name), ['N2SQL', 'A프로젝트']);
    assert.deepEqual(graph!.relations, [{ source: 'A프로젝트', relation: 'uses', target: 'N2SQL' }]);
    assert.equal(await app.call('documents.graph', { documentId: untouched.document!.id }), null, 'extraction is off in the other workspace');

    // Seed 002's top-level metadata on the document's LanceDB rows.
    const table = await app.core.internals!.vectors.rawTableForBenchmarks(project.document!.embedderId!, 64);
    const columns = ['ai_summary', 'entity_nodes', 'entity_relations', 'entity_names', 'entity_count', 'relation_count'];
    const rowsOf = async (docId: string) => ((await table.query().where(`doc_id = '${docId}'`).select(columns).toArray()) as Array<{ toJSON(): unknown }>).map((row) => JSON.parse(JSON.stringify(row.toJSON())) as Record<string, unknown>);
    const rows = await rowsOf('project_document:7');
    assert.ok(rows.length > 0);
    for (const row of rows) {
      assert.deepEqual(row, { ai_summary: 'Summary naming N2SQL, A프로젝트.', entity_nodes: graph!.entities, entity_relations: graph!.relations, entity_names: ['N2SQL', 'A프로젝트'], entity_count: 2, relation_count: 1 });
    }

    // The entity view counts only what the caller may see: the private note's entity is not listed for the owner of the workspace.
    const entities = await app.call('graph.entities', { workspaceId: workspace.id });
    assert.deepEqual(entities.entities.map((e) => [e.name, e.mentions]), [['N2SQL', 2], ['A프로젝트', 1]]);
    assert.ok((await asOther('graph.entities', { workspaceId: workspace.id })).entities.some((e) => e.name === '経費システム'), 'its owner sees it');
    await rejectsWithCode(app.call('documents.graph', { documentId: secret.document!.id }), 'NOT_FOUND');

    // A question naming N2SQL: nothing clears the 0.999 threshold, the graph brings both documents in.
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const log = await app.call('chat.ask', { sessionId: session.id, question: 'N2SQL은 어디에 쓰이나요?', requestId: 'q1' });
    assert.deepEqual(log.sources.map((s) => s.docId).sort(), ['board_post:12', 'project_document:7']);
    const step = log.toolCalls.find((c) => c.toolName === 'graph')!;
    assert.deepEqual(step.arguments, { entities: ['N2SQL'] });
    const why = JSON.parse(step.resultSummary) as { documents: Array<{ docId: string; via: string[]; added: boolean }>; relations: unknown[] };
    assert.deepEqual(why.documents.map((d) => [d.docId, d.via, d.added]).sort(), [['board_post:12', ['N2SQL'], true], ['project_document:7', ['N2SQL'], true]]);
    assert.deepEqual(why.relations, [{ source: 'A프로젝트', relation: 'uses', target: 'N2SQL' }]);
    assert.ok(!log.sources.some((s) => s.docId === 'note:1'), "another user's private document is never brought in");

    // Changed content: extracted again; unchanged content: not.
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'project_document:7', title: 'A프로젝트 계획', text: 'A프로젝트 version two: N2SQL 없이 진행합니다.' });
    await graphIdle();
    assert.equal((await app.call('documents.graph', { documentId: project.document!.id }))!.summary, 'Second version summary.');
    for (const row of await rowsOf('project_document:7')) assert.equal(row['ai_summary'], 'Second version summary.', 'the re-ingested rows carry the new extraction');
    // Re-embedding rewrites the rows with the same content: the stored extraction goes back on them, no model call.
    const callsBefore = readerCalls;
    await app.call('documents.reembed', { workspaceId: workspace.id });
    await graphIdle();
    assert.equal(readerCalls, callsBefore);
    for (const row of await rowsOf('project_document:7')) assert.deepEqual([row['ai_summary'], row['entity_count']], ['Second version summary.', 2]);
  } finally {
    await app.close();
  }
});

test('an extraction whose answer is unusable keeps the summary alone (seed 002 fallback); extracting in a missing workspace is NOT_FOUND', { timeout: 60_000 }, async () => {
  let calls = 0;
  const failingGraph: JsonGenerator = async (_prompt, schema) => {
    calls++;
    // The extraction call breaks; the summary-only fallback works.
    return 'required' in schema && Array.isArray(schema.required) && schema.required.includes('entities') ? '{"summary": "x", "entities": [' : JSON.stringify({ summary: 'Only the summary.' });
  };
  const app = await openTestApp({ graphGenerator: failingGraph });
  try {
    await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    await app.call('runtime.load', { modelId: model.id });
    const workspace = await app.call('workspaces.create', { name: 'fallback', graphExtraction: true });
    const doc = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'd:1', title: 'Doc', text: '연차휴가는 최소 사흘 전에 신청해야 합니다.' });
    await app.core.internals!.graph.idle();
    const graph = await app.call('documents.graph', { documentId: doc.document!.id });
    assert.deepEqual({ outcome: graph!.outcome, reason: graph!.reason, summary: graph!.summary, entities: graph!.entities }, { outcome: 'summary_only', reason: 'unusable_output', summary: 'Only the summary.', entities: [] });
    assert.ok(calls >= 2);
    const callsBefore = calls;
    await rejectsWithCode(app.call('graph.extract', { workspaceId: 999 }), 'NOT_FOUND');
    assert.deepEqual(await app.call('graph.extract', { workspaceId: workspace.id }), { scheduled: 1 });
    await app.core.internals!.graph.idle();
    assert.equal(calls, callsBefore, 'unchanged content is not extracted again');
  } finally {
    await app.close();
  }
});
