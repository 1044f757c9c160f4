/**
 * What each workspace category does (issue 14, seed 000): `qa` keeps several named threads per
 * user, continued across sessions with the conversation carried over; `summary` summarizes a
 * document of the workspace or pasted text to a target length; `doc_gen` fills one of the
 * workspace's document templates. Answers come from the real llama.cpp runtime on the tiny
 * fixture model; what is checked is what the model was given and what the log keeps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { documentQuestion, measureLength, summaryQuestion, threadNameFrom } from '../shared/category-tasks.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { addUser, callAs, openTestApp, rejectsWithCode } from './helpers/app.ts';

const fixtures = await ensureFixtures();

async function appWithModel() {
  const app = await openTestApp();
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  await app.call('runtime.load', { modelId: model.id });
  return { app, model };
}

test('lengths are counted per unit, CJK text by characters; thread names come from the first line', () => {
  assert.equal(measureLength('해지 통보는 30일 전에 합니다.', 'characters'), 14);
  assert.equal(measureLength('契約は三十日前に通知する。', 'characters'), 13);
  assert.equal(measureLength('Notice is due thirty days ahead.', 'words'), 6);
  assert.equal(measureLength('一文目です。二文目です！ Third one? Yes.', 'sentences'), 4);
  assert.equal(measureLength('   ', 'words'), 0);
  assert.equal(threadNameFrom('  해지 통보 기간은?\n두 번째 줄'), '해지 통보 기간은?');
  const long = threadNameFrom('가'.repeat(80));
  assert.equal([...long].length, 60);
  assert.ok(long.endsWith('…'));
  assert.equal(summaryQuestion({ text: '본문', title: '규정', targetLength: 200, unit: 'characters', notes: '', language: 'ko' }), '다음 글을 약 200자로 요약해 주세요.\n\n---\n규정\n\n본문');
  assert.equal(summaryQuestion({ text: 'Body', title: '', targetLength: 3, unit: 'sentences', notes: 'Focus on risks.', language: 'en' }), 'Summarize the following text in about 3 sentences.\nFocus on risks.\n\n---\nBody');
  assert.match(documentQuestion({ filled: '# 週報', notes: '', language: 'ja' }), /^以下の文書を完成させてください。[\s\S]*\n---\n# 週報$/);
});

test('qa threads: several per user, named by their first question, continued across sessions with the conversation, private to their owner', async () => {
  const { app, model } = await appWithModel();
  try {
    const workspace = await app.call('workspaces.create', { name: '계약 PoC', category: 'qa', systemPrompt: 'Answer briefly.', temperature: 0, maxTokens: 8, contextSize: 1024, historyTurns: 4 });
    const first = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    assert.ok(first.threadId !== null, 'a qa session begins a thread');
    await app.call('chat.ask', { sessionId: first.id, question: '해지 통보 기간은 얼마인가요?\n자세히', requestId: 't1' });
    await app.call('chat.ask', { sessionId: first.id, question: 'And the penalty?', requestId: 't2' });
    const second = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    assert.notEqual(second.threadId, first.threadId, 'without threadId a new thread begins');

    let threads = await app.call('threads.list', { workspaceId: workspace.id });
    assert.deepEqual(threads.map((t) => [t.id, t.name, t.answers, t.latestSessionId]), [
      [second.threadId, '', 0, second.id],
      [first.threadId, '해지 통보 기간은 얼마인가요?', 2, first.id],
    ]);

    // Continuing the thread in a new session (the same model here; another version works the
    // same way): its earlier turns go into the prompt, so the same question costs more tokens
    // than in a fresh thread.
    const continued = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id, threadId: first.threadId! });
    assert.equal(continued.threadId, first.threadId);
    const inThread = await app.call('chat.ask', { sessionId: continued.id, question: 'Summarize what we said.', requestId: 't3' });
    const fresh = await app.call('chat.ask', { sessionId: second.id, question: 'Summarize what we said.', requestId: 't4' });
    assert.ok(inThread.promptTokens > fresh.promptTokens + 10, `thread prompt ${inThread.promptTokens} vs fresh ${fresh.promptTokens}`);
    const history = await app.call('threads.history', { id: first.threadId! });
    assert.deepEqual(history.map((log) => [log.sessionId, log.question]), [
      [first.id, '해지 통보 기간은 얼마인가요?\n자세히'],
      [first.id, 'And the penalty?'],
      [continued.id, 'Summarize what we said.'],
    ]);
    threads = await app.call('threads.list', { workspaceId: workspace.id });
    assert.equal(threads[0]!.id, second.threadId, 'the thread asked in last comes first');
    assert.equal(threads.find((t) => t.id === first.threadId)!.latestSessionId, continued.id);

    // Rename and archive: hidden from the list, kept with its answers, and not continued until restored.
    await app.call('threads.rename', { id: first.threadId!, name: '해지 조항' });
    await app.call('threads.archive', { id: first.threadId!, archived: true });
    assert.deepEqual((await app.call('threads.list', { workspaceId: workspace.id })).map((t) => t.id), [second.threadId]);
    const archived = (await app.call('threads.list', { workspaceId: workspace.id, includeArchived: true })).find((t) => t.id === first.threadId)!;
    assert.equal(archived.name, '해지 조항');
    assert.equal(archived.answers, 3);
    const refused = await rejectsWithCode(app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id, threadId: first.threadId! }), 'CONFLICT');
    assert.equal(refused.params?.['reason'], 'thread_archived');
    await app.call('threads.archive', { id: first.threadId!, archived: false });
    await rejectsWithCode(app.call('threads.rename', { id: first.threadId!, name: '   ' }), 'VALIDATION');

    // Another member sees none of it, cannot continue it, and starts their own.
    const member = await addUser(app, { username: 'park', memberOf: [workspace.id] });
    const asPark = callAs(app.core, member);
    assert.deepEqual(await asPark('threads.list', { workspaceId: workspace.id }), []);
    await rejectsWithCode(asPark('threads.history', { id: first.threadId! }), 'NOT_FOUND');
    await rejectsWithCode(asPark('threads.rename', { id: first.threadId!, name: 'mine' }), 'NOT_FOUND');
    await rejectsWithCode(asPark('sessions.start', { workspaceId: workspace.id, modelId: model.id, threadId: first.threadId! }), 'NOT_FOUND');
    const theirs = await asPark('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    assert.equal((await asPark('threads.list', { workspaceId: workspace.id })).length, 1);
    assert.notEqual(theirs.threadId, first.threadId);

    // A thread of one workspace is not continued in another; a session that cannot start leaves no thread.
    const other = await app.call('workspaces.create', { name: 'Other', category: 'qa' });
    const wrongPlace = await rejectsWithCode(app.call('sessions.start', { workspaceId: other.id, modelId: model.id, threadId: first.threadId! }), 'VALIDATION');
    assert.equal(wrongPlace.params?.['reason'], 'thread_other_workspace');
    await app.call('prompts.saveTemplate', { workspaceId: other.id, category: 'qa', name: 'needs product', body: 'About {{product}}.', variables: [{ name: 'product', required: true }], isDefault: true });
    await rejectsWithCode(app.call('sessions.start', { workspaceId: other.id, modelId: model.id }), 'VALIDATION');
    assert.deepEqual(await app.call('threads.list', { workspaceId: other.id, includeArchived: true }), []);

    // Sessions of other categories have no thread.
    const summaries = await app.call('workspaces.create', { name: 'Summaries', category: 'summary' });
    assert.equal((await app.call('sessions.start', { workspaceId: summaries.id, modelId: model.id })).threadId, null);
  } finally {
    await app.close();
  }
});

test('summary: a document of the workspace or pasted text, to a target length; the log keeps the task and the model gets the whole source', async () => {
  const { app, model } = await appWithModel();
  try {
    await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
    const workspace = await app.call('workspaces.create', { name: '요약', category: 'summary', temperature: 0, maxTokens: 8, contextSize: 1024 });
    const policy = '해지 통보는 계약 만료 30일 전까지 서면으로 해야 한다. 위약금은 잔여 기간 요금의 10%이다.';
    const added = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'policy', title: '해지 규정', text: policy });
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });

    const fromDocument = await app.call('chat.ask', { sessionId: session.id, requestId: 's1', task: { kind: 'summary', documentId: added.document!.id, targetLength: 40, unit: 'characters', language: 'ko' } });
    assert.equal(fromDocument.question, `다음 글을 약 40자로 요약해 주세요.\n\n---\n해지 규정\n\n${policy}`);
    assert.deepEqual(fromDocument.task, { kind: 'summary', documentId: added.document!.id, title: '해지 규정', targetLength: 40, unit: 'characters', sourceLength: measureLength(policy, 'characters') });
    assert.deepEqual(fromDocument.sources, [], 'the source is the document itself: no retrieval');
    assert.ok(fromDocument.promptTokens > 30, `the whole source went in (${fromDocument.promptTokens} prompt tokens)`);

    const pasted = await app.call('chat.ask', { sessionId: session.id, requestId: 's2', question: 'Keep the numbers.', task: { kind: 'summary', text: 'Notice is due thirty days before the term ends.', targetLength: 2, unit: 'sentences' } });
    assert.equal(pasted.question, 'Summarize the following text in about 2 sentences.\nKeep the numbers.\n\n---\nNotice is due thirty days before the term ends.');
    assert.equal(pasted.task?.kind === 'summary' && pasted.task.documentId, null);
    // Each summary is answered on its own: the earlier one is not history for the next.
    const again = await app.call('chat.ask', { sessionId: session.id, requestId: 's3', question: 'Keep the numbers.', task: { kind: 'summary', text: 'Notice is due thirty days before the term ends.', targetLength: 2, unit: 'sentences' } });
    assert.equal(again.promptTokens, pasted.promptTokens);
    assert.deepEqual((await app.call('logs.get', { id: pasted.id })).log.task, pasted.task);

    // Bad input: both or neither source, empty text, another workspace's document, a private one of another user, the wrong category.
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'b1', task: { kind: 'summary', text: 'x', documentId: added.document!.id, targetLength: 5 } } as never), 'VALIDATION');
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'b2', task: { kind: 'summary', targetLength: 5 } } as never), 'VALIDATION');
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'b3', task: { kind: 'summary', text: '  \n ', targetLength: 5 } }), 'EMPTY_INPUT');
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'b4', task: { kind: 'summary', text: 'x', targetLength: 0 } }), 'VALIDATION');
    const elsewhere = await app.call('workspaces.create', { name: 'Elsewhere', category: 'summary' });
    const foreign = await app.call('documents.addText', { workspaceId: elsewhere.id, docId: 'foreign', title: 'Foreign', text: 'Foreign text.' });
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'b5', task: { kind: 'summary', documentId: foreign.document!.id, targetLength: 5 } }), 'NOT_FOUND');
    const member = await addUser(app, { username: 'lee', memberOf: [workspace.id] });
    const asLee = callAs(app.core, member);
    const secret = await asLee('documents.addText', { workspaceId: workspace.id, docId: 'lee-notes', title: 'Lee notes', text: 'Private notes.', scope: 'private' });
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'b6', task: { kind: 'summary', documentId: secret.document!.id, targetLength: 5 } }), 'NOT_FOUND');
    const mismatch = await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'b7', task: { kind: 'doc_gen', templateId: 1 } }), 'VALIDATION');
    assert.deepEqual([mismatch.params?.['reason'], mismatch.params?.['kind'], mismatch.params?.['category']], ['task_category_mismatch', 'doc_gen', 'summary']);
    // Nothing refused left a log behind.
    assert.equal((await app.call('logs.count', { filters: { sessionId: session.id } })).total, 3);
  } finally {
    await app.close();
  }
});

test('doc_gen: a document template filled from its variables becomes the question; the log keeps the template and the values', async () => {
  const { app, model } = await appWithModel();
  try {
    const workspace = await app.call('workspaces.create', { name: '週報', category: 'doc_gen', temperature: 0, maxTokens: 8, contextSize: 1024 });
    const template = await app.call('prompts.saveTemplate', {
      workspaceId: workspace.id,
      category: 'doc_gen',
      kind: 'document',
      name: '週報テンプレート',
      body: '# 週報 {{project}}\n作成者: {{user_name}}\n期間: {{period}}\n## 成果\n## 課題',
      variables: [{ name: 'project', required: true }, { name: 'period', default: '今週' }],
    });
    // A document template is never a session's system prompt, nor a default.
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    assert.doesNotMatch(session.systemPromptSnapshot, /週報/);
    const notDefault = await rejectsWithCode(app.call('prompts.saveTemplate', { workspaceId: workspace.id, category: 'doc_gen', kind: 'document', name: 'x', body: 'x', isDefault: true }), 'VALIDATION');
    assert.equal(notDefault.params?.['reason'], 'document_template_default');

    const log = await app.call('chat.ask', { sessionId: session.id, requestId: 'd1', task: { kind: 'doc_gen', templateId: template.id, values: { project: 'Falcon' }, language: 'ja' } });
    const user = await app.call('users.current', {});
    assert.equal(log.question, `以下の文書を完成させてください。構成を保ち、すべての項目を埋めてください。\n\n---\n# 週報 Falcon\n作成者: ${user.displayName}\n期間: 今週\n## 成果\n## 課題`);
    assert.deepEqual(log.task, { kind: 'doc_gen', templateId: template.id, templateName: '週報テンプレート', values: { project: 'Falcon', period: '今週' } });
    assert.ok(['finished', 'max_tokens'].includes(log.stopReason));

    // A missing required value, an unknown variable, a system template or another workspace's template: refused, nothing logged.
    const missing = await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'd2', task: { kind: 'doc_gen', templateId: template.id } }), 'VALIDATION');
    assert.deepEqual([missing.params?.['reason'], missing.params?.['name']], ['template_missing_variable', 'project']);
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'd3', task: { kind: 'doc_gen', templateId: template.id, values: { project: 'x', colour: 'red' } } }), 'VALIDATION');
    const system = await app.call('prompts.saveTemplate', { workspaceId: workspace.id, category: 'doc_gen', name: 'system', body: 'Be formal.' });
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'd4', task: { kind: 'doc_gen', templateId: system.id } }), 'NOT_FOUND');
    const other = await app.call('workspaces.create', { name: 'Other', category: 'doc_gen' });
    const foreign = await app.call('prompts.saveTemplate', { workspaceId: other.id, category: 'doc_gen', kind: 'document', name: 'foreign', body: 'x' });
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, requestId: 'd5', task: { kind: 'doc_gen', templateId: foreign.id } }), 'NOT_FOUND');
    assert.equal((await app.call('logs.count', { filters: { sessionId: session.id } })).total, 1);
    assert.deepEqual((await app.call('prompts.templates', { workspaceId: workspace.id })).map((t) => [t.name, t.kind]).sort(), [['system', 'system'], ['週報テンプレート', 'document']]);
  } finally {
    await app.close();
  }
});
