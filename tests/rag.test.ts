import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { MethodInput } from '../shared/contract/api.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { addUser, callAs, openTestApp, rejectsWithCode, tempDir } from './helpers/app.ts';

const fixtures = await ensureFixtures();

/** The GGUF embedding path, on the foundation's fixture model (random weights: identical text, identical vector). */
async function ragApp(workspace: Partial<MethodInput<'workspaces.create'>> = {}, options: { watchIntervalMs?: number } = {}) {
  const app = await openTestApp(options);
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  const ws = await app.call('workspaces.create', { name: 'Docs PoC', temperature: 0, maxTokens: 8, contextSize: 1024, chunkSize: 48, chunkOverlap: 8, similarityThreshold: 0.999, topN: 3, ...workspace });
  return { app, model, workspace: ws };
}

const leave = '연차휴가는최소사흘전에신청해야합니다。팀장의승인이필요합니다。';
const expenses = '経費精算の締め日は毎月二十五日です。領収書の原本を添付してください。';

test('text documents with a stable doc_id are chunked, embedded, replaced atomically and skipped when unchanged', async () => {
  const { app, workspace } = await ragApp();
  try {
    const first = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'board_post:12', title: 'Leave policy', text: `${leave}\n\n${expenses}` });
    assert.equal(first.result, 'added', JSON.stringify(first.error));
    assert.equal(first.document!.status, 'ready');
    assert.ok(first.document!.chunkCount >= 1);
    assert.match(first.document!.embedderId!, /^gguf:tiny-llama-chat\.gguf$/);

    const same = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'board_post:12', title: 'Leave policy', text: `${leave}\n\n${expenses}` });
    assert.equal(same.result, 'unchanged');

    const changed = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'board_post:12', title: 'Leave policy', text: leave });
    assert.equal(changed.result, 'updated');
    const vectors = app.core.internals!.vectors;
    const rows = await vectors.countRows(changed.document!.embedderId!, 64, { docId: 'board_post:12' });
    assert.equal(rows, changed.document!.chunkCount, 'old chunks are gone, new ones are in');
    assert.deepEqual((await app.call('documents.list', { workspaceId: workspace.id })).map((d) => d.docId), ['board_post:12']);

    const badId = await app.raw('documents.addText', { workspaceId: workspace.id, docId: 'bad\u0000id', title: 't', text: 'x' });
    assert.equal(badId.ok, false);
  } finally {
    await app.close();
  }
});

test('a folder with good and broken files: each file gets its own outcome and nothing broken is searchable', async () => {
  const { app, workspace } = await ragApp();
  try {
    const folder = tempDir('evaldesk-docs-');
    fs.writeFileSync(path.join(folder, 'leave.md'), `# 휴가\n${leave}\n`);
    fs.writeFileSync(path.join(folder, 'expenses.txt'), expenses);
    fs.writeFileSync(path.join(folder, 'empty.txt'), '');
    fs.writeFileSync(path.join(folder, 'fake.docx'), 'not a zip at all');
    fs.writeFileSync(path.join(folder, 'program.txt'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256)));
    fs.writeFileSync(path.join(folder, 'ignored.exe'), 'MZ');
    // 500 MB, stored sparse: refused from its size, without reading it into memory.
    const huge = fs.openSync(path.join(folder, 'huge.txt'), 'w');
    fs.ftruncateSync(huge, 500 * 1024 * 1024);
    fs.closeSync(huge);
    const outcomes = await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [folder, path.join(folder, 'missing.txt')] });
    const byName = Object.fromEntries(outcomes.map((o) => [path.basename(o.path ?? ''), o]));
    assert.equal(byName['leave.md']!.result, 'added');
    assert.equal(byName['expenses.txt']!.result, 'added');
    assert.equal(byName['empty.txt']!.error?.code, 'DOCUMENT_EMPTY');
    assert.match(byName['fake.docx']!.error!.message, /not a Word/);
    assert.match(byName['program.txt']!.error!.message, /binary file/);
    assert.equal(byName['missing.txt']!.error?.code, 'NOT_FOUND');
    assert.equal(byName['huge.txt']!.error?.code, 'DOCUMENT_TOO_LARGE');
    assert.match(byName['huge.txt']!.error!.message, /500 MB/);
    assert.equal(byName['ignored.exe'], undefined, 'unsupported files inside a folder are skipped');

    const documents = await app.call('documents.list', { workspaceId: workspace.id });
    const failed = documents.filter((d) => d.status === 'failed');
    assert.equal(documents.filter((d) => d.status === 'ready').length, 2);
    assert.ok(failed.every((d) => d.chunkCount === 0 && d.error));
    const embedderId = documents[0]!.embedderId ?? `gguf:tiny-llama-chat.gguf`;
    assert.equal(await app.core.internals!.vectors.countRows(embedderId, 64, { documentIds: failed.map((d) => d.id) }), 0);
  } finally {
    await app.close();
  }
});

test('answers cite the passages they used; user B never receives user A\'s private chunks through any path', async () => {
  const { app, workspace, model } = await ragApp({ similarityThreshold: 0.999 });
  try {
    const shared = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'shared-leave', title: 'Leave', text: leave });
    const memo = 'Budget memo: project Falcon costs 42.';
    const secret = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'a-private', title: 'A notes', text: memo, scope: 'private' });
    assert.equal(secret.document!.chunkCount, 1);
    assert.equal(secret.document!.scope, 'private');
    await app.call('runtime.load', { modelId: model.id });

    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const asA = await app.call('chat.ask', { sessionId: session.id, question: memo, requestId: 'a1' });
    assert.ok(asA.sources.some((s) => s.docId === 'a-private' && s.score > 0.999), 'the owner retrieves their private passage');
    assert.ok(asA.sources[0]!.promptText.includes(memo));
    assert.match(asA.sources[0]!.promptText, /^\[1\] A notes/);
    const detail = await app.call('logs.get', { id: asA.id });
    assert.deepEqual(detail.log.sources, asA.sources, 'the trace is stored with the log');
    // A citation opens its passage by the index it carries; nobody parses the store's chunk id.
    const cited = asA.sources[0]!;
    const opened = await app.call('documents.passage', { documentId: cited.documentId!, chunkIndex: cited.chunkIndex });
    assert.ok(cited.promptText.includes(opened.text.trim().slice(0, 20)));

    // A second user, a member of the workspace, checks seed 004's private scope through every API path.
    const b = await addUser(app, { username: 'b', memberOf: [workspace.id] });
    const asB = callAs(app.core, b);
    // Issue 14's leaks: another user's session, log and history show no private passage, and the session is not B's to use.
    const seenByB = await asB('logs.get', { id: asA.id });
    assert.equal(seenByB.log.sources.length, asA.sources.length, 'B sees that passages were cited');
    for (const source of seenByB.log.sources.filter((_source, i) => asA.sources[i]!.docId === 'a-private')) assert.deepEqual([source.promptText, source.title, source.docId], ['', '', ''], 'but not the private passage');
    const historyForB = await asB('chat.history', { sessionId: session.id });
    assert.ok(!JSON.stringify(historyForB.map((log) => log.sources)).includes(memo), 'no private passage in the history either');
    await rejectsWithCode(asB('chat.ask', { sessionId: session.id, question: 'what did A ask?', requestId: 'b-in-a' }), 'NOT_FOUND');
    await rejectsWithCode(asB('sessions.end', { id: session.id }), 'NOT_FOUND');
    assert.deepEqual((await asB('documents.list', { workspaceId: workspace.id })).map((d) => d.docId), ['shared-leave']);
    await rejectsWithCode(asB('documents.passage', { documentId: secret.document!.id, chunkIndex: 0 }), 'NOT_FOUND');
    await rejectsWithCode(asB('documents.remove', { id: secret.document!.id }), 'NOT_FOUND');
    await rejectsWithCode(asB('documents.setPinned', { id: secret.document!.id, pinned: true }), 'NOT_FOUND');
    const sessionB = await asB('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const answerB = await asB('chat.ask', { sessionId: sessionB.id, question: memo, requestId: 'b1' });
    assert.ok(!answerB.sources.some((s) => s.docId === 'a-private'), 'B asked the exact private text and still got nothing of it');
    const passage = await asB('documents.passage', { documentId: shared.document!.id, chunkIndex: 0 });
    assert.ok(passage.text.length > 0);

    // Training exports can carry the retrieved context in the user turn; the manifest says so.
    await app.call('evaluations.save', { logId: asA.id, evaluation: 3, correctAnswer: 'Falcon costs 42.' });
    await app.call('evaluations.save', { logId: answerB.id, evaluation: 1 });
    const exported = await app.call('export.run', { format: 'mlx', name: 'with-context', includeContext: true, dedupeQuestions: false });
    assert.equal(exported.manifest.includesRetrievedContext, true);
    const lines = ['train.jsonl', 'valid.jsonl'].flatMap((f) => fs.readFileSync(path.join(exported.outDir, f), 'utf8').trim().split('\n'));
    const userTurns = lines.map((line) => (JSON.parse(line) as { messages: Array<{ role: string; content: string }> }).messages.find((m) => m.role === 'user')!.content);
    assert.ok(userTurns.some((turn) => turn.startsWith('Context:\n[1] A notes') && turn.endsWith(`Question: ${memo}`)));
  } finally {
    await app.close();
  }
});

test('query mode refuses without calling the model when no passage clears the threshold; pinned documents always go in', async () => {
  const { app, workspace, model } = await ragApp({ chatMode: 'query', refusalResponse: '문서에 관련 정보가 없습니다.' });
  try {
    const added = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'leave', title: 'Leave', text: leave });
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    // No model is loaded: a refusal must not need one.
    const tokens: string[] = [];
    const stop = app.core.events.subscribe((event, payload) => {
      if (event === 'chat.token') tokens.push((payload as { text: string }).text);
    });
    const refused = await app.call('chat.ask', { sessionId: session.id, question: 'Completely unrelated question about the weather', requestId: 'q1' });
    stop();
    assert.equal(refused.answer, '문서에 관련 정보가 없습니다.');
    assert.equal(refused.completionTokens, 0);
    assert.deepEqual(tokens, ['문서에 관련 정보가 없습니다.']);
    assert.equal((await app.call('runtime.status', {})).state, 'idle');

    await app.call('documents.setPinned', { id: added.document!.id, pinned: true });
    await app.call('runtime.load', { modelId: model.id });
    const answered = await app.call('chat.ask', { sessionId: session.id, question: 'Completely unrelated question about the weather', requestId: 'q2' });
    assert.ok(answered.sources.length > 0 && answered.sources.every((s) => s.pinned));
    assert.deepEqual(answered.sources.map((s) => s.chunkIndex), answered.sources.map((_, i) => i), 'a pinned document goes in whole, in order');
    assert.ok(answered.completionTokens > 0, 'the model answered from the pinned document');

    await app.call('documents.remove', { id: added.document!.id });
    assert.equal(await app.core.internals!.vectors.countRows(added.document!.embedderId!, 64), 0, 'vectors go with the document');
  } finally {
    await app.close();
  }
});

test('watched documents are re-ingested when their file changes, with a history of sync runs', async () => {
  const { app, workspace } = await ragApp();
  try {
    const file = path.join(tempDir(), 'policy.md');
    fs.writeFileSync(file, `# Policy\n${leave}`);
    const [added] = await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [file], watched: true });
    assert.equal(added!.document!.watched, true);
    assert.deepEqual((await app.call('documents.sync', {})).map((r) => r.result), ['unchanged']);
    fs.writeFileSync(file, `# Policy v2\n${expenses}`);
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.deepEqual((await app.call('documents.sync', {})).map((r) => r.result), ['updated']);
    fs.rmSync(file);
    const [missing] = await app.call('documents.sync', {});
    assert.equal(missing!.result, 'missing');
    const runs = await app.call('documents.syncRuns', { documentId: added!.document!.id });
    assert.deepEqual(runs.map((r) => r.result), ['missing', 'updated', 'unchanged']);
    await rejectsWithCode(app.call('documents.addText', { workspaceId: 999, docId: 'x', title: 't', text: 'x' }), 'NOT_FOUND');
  } finally {
    await app.close();
  }
});

test('switching the embedder re-embeds every document in the background and keeps the old vectors', async () => {
  const { app, workspace } = await ragApp();
  try {
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'leave', title: 'Leave', text: leave });
    const file = path.join(tempDir(), 'expenses.txt');
    fs.writeFileSync(file, expenses);
    await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [file] });
    fs.rmSync(file); // re-embedding must not need the original file
    const progress: number[] = [];
    const stop = app.core.events.subscribe((event, payload) => {
      if (event === 'job.progress' && (payload as { kind: string }).kind === 'ingest') progress.push((payload as { progress: number }).progress);
    });
    await app.call('workspaces.update', { id: workspace.id, patch: { embedderId: `gguf:${fixtures.tinyNoChat}` } });
    let documents = await app.call('documents.list', { workspaceId: workspace.id });
    for (let i = 0; i < 100 && documents.some((d) => d.embedderId !== 'gguf:tiny-llama-nochat.gguf' || d.status !== 'ready'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      documents = await app.call('documents.list', { workspaceId: workspace.id });
    }
    stop();
    assert.deepEqual(documents.map((d) => [d.embedderId, d.status]), [['gguf:tiny-llama-nochat.gguf', 'ready'], ['gguf:tiny-llama-nochat.gguf', 'ready']]);
    assert.ok(progress.includes(1), 'the re-embedding job reported progress');
    const vectors = app.core.internals!.vectors;
    assert.ok((await vectors.countRows('gguf:tiny-llama-nochat.gguf', 64)) >= 2);
    assert.ok((await vectors.countRows('gguf:tiny-llama-chat.gguf', 64)) >= 2, 'old vectors are not wiped');
  } finally {
    await app.close();
  }
});

test('a folder with a thousand files is ingested completely, with progress, and stays searchable', async () => {
  const { app, workspace } = await ragApp({ similarityThreshold: 0.9, topN: 1 });
  try {
    await app.call('settings.update', { annIndexThreshold: 1000 });
    const folder = tempDir('evaldesk-many-');
    for (let i = 0; i < 1000; i++) {
      fs.mkdirSync(path.join(folder, `dept-${i % 10}`), { recursive: true });
      fs.writeFileSync(path.join(folder, `dept-${i % 10}`, `memo-${i}.txt`), `Memo ${i}: item ${i} is filed.`);
    }
    const progress: number[] = [];
    const stop = app.core.events.subscribe((event, payload) => {
      if (event === 'job.progress' && (payload as { kind: string }).kind === 'ingest') progress.push((payload as { progress: number }).progress);
    });
    const outcomes = await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [folder] });
    stop();
    assert.equal(outcomes.length, 1000);
    assert.ok(outcomes.every((o) => o.result === 'added'), JSON.stringify(outcomes.find((o) => o.result !== 'added')));
    assert.equal(progress.at(-1), 1);
    assert.equal((await app.call('documents.list', { workspaceId: workspace.id })).length, 1000);
    const embedderId = outcomes[0]!.document!.embedderId!;
    const vectors = app.core.internals!.vectors;
    assert.equal(await vectors.countRows(embedderId, 64), 1000);
    // Above the configured threshold an ANN index is built in the background; search keeps working.
    let indexed = false;
    for (let i = 0; i < 100 && !indexed; i++) {
      indexed = await vectors.hasVectorIndex(embedderId, 64);
      if (!indexed) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(indexed, 'the vector index was built');
    const probe = await vectors.search(embedderId, 64, { vector: new Float32Array(64).fill(0.125), workspaceId: workspace.id, userId: 1, topN: 5, threshold: -1 });
    assert.equal(probe.length, 5);
  } finally {
    await app.close();
  }
});

test('the background sync picks up a changed watched file by itself', async () => {
  const { app, workspace } = await ragApp({}, { watchIntervalMs: 200 });
  try {
    const file = path.join(tempDir(), 'watched.txt');
    fs.writeFileSync(file, 'Version one of the rules.');
    const [added] = await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [file], watched: true });
    fs.writeFileSync(file, 'Version two of the rules, with a new paragraph.');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    let runs = await app.call('documents.syncRuns', { documentId: added!.document!.id });
    for (let i = 0; i < 100 && !runs.some((r) => r.result === 'updated'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      runs = await app.call('documents.syncRuns', { documentId: added!.document!.id });
    }
    assert.ok(runs.some((r) => r.result === 'updated' && r.trigger === 'watch'), JSON.stringify(runs));
  } finally {
    await app.close();
  }
});

test('cancelling a folder ingestion stops it; nothing half-ingested is searchable', async () => {
  const { app, workspace } = await ragApp();
  try {
    const folder = tempDir('evaldesk-cancel-');
    for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(folder, `note-${String(i).padStart(3, '0')}.txt`), `Note ${i} about the policy.`);
    let cancelled = false;
    const stop = app.core.events.subscribe((event, payload) => {
      if (event === 'document.progress' && !cancelled && (payload as { phase: string }).phase === 'ready') {
        cancelled = true;
        void app.call('jobs.cancel', { jobId: 'ingest-1' });
      }
    });
    const outcomes = await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [folder], jobId: 'ingest-1' });
    stop();
    const added = outcomes.filter((o) => o.result === 'added');
    assert.ok(outcomes.some((o) => o.result === 'cancelled'), 'later files were cancelled');
    assert.ok(added.length < 200);
    const embedderId = added[0]!.document!.embedderId!;
    assert.equal(await app.core.internals!.vectors.countRows(embedderId, 64), added.reduce((sum, o) => sum + o.document!.chunkCount, 0), 'only completed documents have vectors');
    const documents = await app.call('documents.list', { workspaceId: workspace.id });
    assert.ok(documents.every((d) => d.status === 'ready' || d.status === 'failed'), 'no document is left half-ingested');
  } finally {
    await app.close();
  }
});

test('an answer says when nothing passed the threshold, and a passage found in two identical documents is used once', async () => {
  const { app, model, workspace } = await ragApp({ similarityThreshold: -1, topN: 4 });
  try {
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'copy:1', title: 'Leave (copy 1)', text: leave });
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'copy:2', title: 'Leave (copy 2)', text: leave });
    await app.call('runtime.load', { modelId: model.id });
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const log = await app.call('chat.ask', { sessionId: session.id, question: leave, requestId: 'dedupe' });
    assert.equal(log.retrievalOutcome, 'found');
    const texts = log.sources.map((source) => source.promptText.split('\n').slice(1).join('\n'));
    assert.equal(new Set(texts).size, texts.length, 'no passage text twice');
    assert.ok(log.sources.length >= 1);

    // A threshold nothing can pass: searched, nothing used, and the log says so.
    await app.call('workspaces.update', { id: workspace.id, patch: { similarityThreshold: 1 } });
    const strict = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const none = await app.call('chat.ask', { sessionId: strict.id, question: 'Something else entirely', requestId: 'none' });
    assert.deepEqual(none.sources, []);
    assert.equal(none.retrievalOutcome, 'below_threshold');
    assert.equal((await app.call('logs.get', { id: none.id })).log.retrievalOutcome, 'below_threshold', 'stored with the log');
  } finally {
    await app.close();
  }
});
