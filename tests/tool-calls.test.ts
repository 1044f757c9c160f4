/**
 * Tool-call records (issue 15, seed 003): the steps an answer took before the model wrote it are
 * stored with its log, in order, and the log detail returns them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { routeOutputSchema, type JsonGenerator } from '../electron/services/sql-route/route.ts';
import { addUser, callAs, openTestApp } from './helpers/app.ts';

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
    assert.deepEqual(withDocs.toolCalls, detail.log.toolCalls, 'the answer carries the steps it stored');
    assert.deepEqual((await app.call('chat.history', { sessionId: withDocs.sessionId })).at(-1)!.toolCalls, detail.log.toolCalls);
    assert.equal(detail.log.toolCalls.length, 1);
    const [search] = detail.log.toolCalls;
    assert.deepEqual({ position: search!.position, toolName: search!.toolName, success: search!.success, errorCode: search!.errorCode }, { position: 0, toolName: 'retrieve', success: true, errorCode: null });
    assert.deepEqual(search!.arguments, { topN: 2, threshold: -1, hybrid: false });
    assert.deepEqual(JSON.parse(search!.resultSummary), { outcome: 'found', passages: withDocs.sources.length, pinned: 0 });
    assert.ok(search!.executionTimeMs > 0);

    const withoutDocs = await ask(plain.id, 'Hello?');
    assert.deepEqual((await app.call('logs.get', { id: withoutDocs.id })).log.toolCalls, []);

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

/** The model's side of the SQL route replaced by fixed answers: SQL route for every question, and `sql` as the query. */
function fixedRoute(answers: { route: 'sql' | 'rag'; sql: string }): JsonGenerator {
  return async (_prompt, schema) => (schema === routeOutputSchema ? JSON.stringify({ route: answers.route, reason: 'it asks about evaluations' }) : JSON.stringify({ sql: answers.sql }));
}

test('the SQL route answers an admin from the read-only views with a table; unsafe SQL, the model choosing documents and non-admins go to documents, each step recorded', async () => {
  const route = { route: 'sql' as 'sql' | 'rag', sql: 'SELECT count(*) AS workspaces FROM v_workspaces' };
  const app = await openTestApp({ sqlRouteGenerator: fixedRoute(route) });
  try {
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const routed = await app.call('workspaces.create', { name: 'admin data', temperature: 0, maxTokens: 6, contextSize: 1024, sqlRoute: true });
    const off = await app.call('workspaces.create', { name: 'no route', temperature: 0, maxTokens: 6, contextSize: 1024 });
    await app.call('runtime.load', { modelId: model.id });
    const raw = app.core.internals!.db.raw;
    const checksum = () => JSON.stringify(['workspaces', 'users', 'evaluations'].map((table) => raw.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()));
    const ask = async (workspaceId: number, question: string) => {
      const session = await app.call('sessions.start', { workspaceId, modelId: model.id });
      return app.call('chat.ask', { sessionId: session.id, question, requestId: `${workspaceId}-${question}` });
    };

    // The local user of single-user mode is an admin: the route answers with the rows.
    const answered = await ask(routed.id, 'How many workspaces are there?');
    assert.equal(answered.answer, '| workspaces |\n| --- |\n| 2 |');
    assert.deepEqual(answered.toolCalls.map((c) => [c.toolName, c.success, c.errorCode]), [['route', true, null], ['sql', true, null]]);
    assert.deepEqual(answered.toolCalls[1]!.arguments, { sql: route.sql });
    assert.deepEqual(JSON.parse(answered.toolCalls[1]!.resultSummary), { columns: ['workspaces'], rows: [[2]], truncated: false });
    assert.equal(answered.stopReason, 'finished');

    // A write is refused by the check; the model answers from documents instead, and the log says why.
    await app.call('evaluations.save', { logId: answered.id, evaluation: 1 });
    const before = checksum();
    route.sql = "DELETE FROM evaluations; SELECT 1";
    const refused = await ask(routed.id, 'Delete everything');
    assert.deepEqual(refused.toolCalls.map((c) => [c.toolName, c.success, c.errorCode]), [['route', true, null], ['sql', false, 'multiple_statements']]);
    assert.notEqual(refused.answer, '', 'the model answered instead');
    route.sql = 'SELECT password_hash FROM users';
    const hidden = await ask(routed.id, 'Show the password hashes');
    assert.equal(hidden.toolCalls[1]!.errorCode, 'table_not_allowed');
    assert.equal(checksum(), before, 'nothing was changed by the refused queries');

    // The model chose documents: one recorded step, then the usual answer.
    route.route = 'rag';
    const rag = await ask(routed.id, 'What does the policy say?');
    assert.deepEqual(rag.toolCalls.map((c) => [c.toolName, c.success, c.errorCode]), [['route', false, 'model_chose_rag']]);

    // The option off, or a user who is not an admin: documents only, no route step at all.
    route.route = 'sql';
    assert.deepEqual((await ask(off.id, 'How many workspaces are there?')).toolCalls, []);
    const evaluator = await addUser(app, { username: 'eve', role: 'evaluator', memberOf: [routed.id] });
    const asEvaluator = callAs(app.core, evaluator);
    const session = await asEvaluator('sessions.start', { workspaceId: routed.id, modelId: model.id });
    const theirs = await asEvaluator('chat.ask', { sessionId: session.id, question: 'How many workspaces are there?', requestId: 'eve-1' });
    assert.deepEqual(theirs.toolCalls, []);
  } finally {
    await app.close();
  }
});

test('the SQL route through the real runtime: the loaded model decides under a JSON grammar, and the answer completes either way', async () => {
  const app = await openTestApp();
  try {
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const workspace = await app.call('workspaces.create', { name: 'admin data', temperature: 0, maxTokens: 6, contextSize: 1024, sqlRoute: true });
    await app.call('runtime.load', { modelId: model.id });
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const log = await app.call('chat.ask', { sessionId: session.id, question: 'How many answers were judged wrong last week?', requestId: 'real-route' });
    const [routeStep] = log.toolCalls;
    assert.equal(routeStep!.toolName, 'route');
    // The random fixture's choice is its own; the grammar makes it parse (a failure would be unusable_output).
    if (routeStep!.success) assert.ok(['sql', 'rag'].includes(JSON.parse(routeStep!.resultSummary).route));
    else assert.equal(routeStep!.errorCode, 'model_chose_rag');
    assert.ok(['finished', 'max_tokens'].includes(log.stopReason));
  } finally {
    await app.close();
  }
});
