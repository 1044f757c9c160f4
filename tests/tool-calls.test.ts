/**
 * Tool-call records (issue 15, seed 003): the steps an answer took before the model wrote it are
 * stored with its log, in order, and the log detail returns them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { openTestApp } from './helpers/app.ts';

const fixtures = await ensureFixtures();

test('a document search is recorded as a step of the answer; a workspace without documents records none; steps go with their log', async () => {
  const app = await openTestApp();
  try {
    await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const docs = await app.call('workspaces.create', { name: 'docs', temperature: 0, maxTokens: 8, contextSize: 1024, chunkSize: 48, chunkOverlap: 8, similarityThreshold: -1, topN: 2 });
    const plain = await app.call('workspaces.create', { name: 'plain', temperature: 0, maxTokens: 8, contextSize: 1024 });
    await app.call('documents.addText', { workspaceId: docs.id, docId: 'policy:1', title: 'Leave policy', text: '연차휴가는 최소 사흘 전에 신청해야 합니다. 팀장의 승인이 필요합니다.' });
    await app.call('runtime.load', { modelId: model.id });

    const ask = async (workspaceId: number, question: string) => {
      const session = await app.call('sessions.start', { workspaceId, modelId: model.id });
      return app.call('chat.ask', { sessionId: session.id, question, requestId: `q-${workspaceId}-${question}` });
    };
    const withDocs = await ask(docs.id, '연차는 언제 신청하나요?');
    const detail = await app.call('logs.get', { id: withDocs.id });
    assert.equal(detail.toolCalls.length, 1);
    const [search] = detail.toolCalls;
    assert.deepEqual({ position: search!.position, toolName: search!.toolName, success: search!.success, errorCode: search!.errorCode }, { position: 0, toolName: 'retrieve', success: true, errorCode: null });
    assert.deepEqual(search!.arguments, { topN: 2, threshold: -1, hybrid: false });
    assert.deepEqual(JSON.parse(search!.resultSummary), { outcome: 'found', passages: withDocs.sources.length, pinned: 0 });
    assert.ok(search!.executionTimeMs > 0);

    const withoutDocs = await ask(plain.id, 'Hello?');
    assert.deepEqual((await app.call('logs.get', { id: withoutDocs.id })).toolCalls, []);

    // The records belong to the log: a database constraint refuses malformed ones, and they go with it.
    const raw = app.core.internals!.db.raw;
    assert.throws(() => raw.prepare("INSERT INTO tool_calls (log_id, position, tool_name, arguments, success, execution_time_ms) VALUES (?, 1, 'shell', '{}', 1, 0)").run(withDocs.id), /CHECK constraint failed/);
    assert.throws(() => raw.prepare("INSERT INTO tool_calls (log_id, position, tool_name, arguments, success, execution_time_ms) VALUES (?, 1, 'sql', '[1]', 1, 0)").run(withDocs.id), /CHECK constraint failed/);
    raw.prepare('DELETE FROM conversation_log_sources WHERE log_id = ?').run(withDocs.id);
    raw.prepare('DELETE FROM conversation_logs WHERE id = ?').run(withDocs.id);
    assert.equal(raw.prepare('SELECT count(*) FROM tool_calls WHERE log_id = ?').pluck().get(withDocs.id), 0);
  } finally {
    await app.close();
  }
});
