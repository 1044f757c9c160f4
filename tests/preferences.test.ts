/**
 * Per-user preferences (issue 14, seed 003's user_llm_preferences) are applied in the main
 * process: a chat session a user starts freezes their temperature, max tokens and "use documents"
 * (explicit session input > the user's preferences > the workspace's settings); someone without
 * preferences gets the workspace's. Bad input is refused with a clear code and saves nothing.
 * Real dispatcher, real SQLite file; the last test answers with the real llama.cpp runtime.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { addUser, callAs, openTestApp, rejectsWithCode, type TestApp } from './helpers/app.ts';

const fixtures = await ensureFixtures();

/** A registered model row (sessions.start only needs it to exist; nothing is loaded). */
function modelRow(app: TestApp, name: string): number {
  const now = new Date().toISOString();
  return Number(
    app.core.internals!.db.raw
      .prepare("INSERT INTO models (display_name, file_path, file_size, fingerprint, architecture, has_chat_template, created_at, registered_at) VALUES (?, ?, 1, 'f', 'llama', 1, ?, ?)")
      .run(name, `/models/${name}.gguf`, now, now).lastInsertRowid,
  );
}

test("a session started by a user with preferences freezes their temperature, max tokens and documents choice; another user's keeps the workspace's", async () => {
  const app = await openTestApp();
  try {
    const workspace = await app.call('workspaces.create', { name: 'Prefs', temperature: 0.4, maxTokens: 300 });
    const modelId = modelRow(app, 'm');
    const other = callAs(app.core, await addUser(app, { username: 'kim', memberOf: [workspace.id] }));

    assert.deepEqual(await app.call('preferences.get', {}), { preferredModelId: null, temperature: null, maxTokens: null, useDocuments: true, language: null }, 'nothing set: the defaults');
    const saved = await app.call('preferences.update', { preferredModelId: modelId, temperature: 1.1, maxTokens: 128, useDocuments: false, language: 'ko' });
    assert.deepEqual(saved, { preferredModelId: modelId, temperature: 1.1, maxTokens: 128, useDocuments: false, language: 'ko' });

    const mine = await app.call('sessions.start', { workspaceId: workspace.id, modelId });
    assert.equal(mine.settingsSnapshot.temperature, 1.1);
    assert.equal(mine.settingsSnapshot.maxTokens, 128);
    assert.equal(mine.settingsSnapshot.useDocuments, false);
    assert.equal(mine.settingsSnapshot.contextSize, workspace.contextSize, 'what the preferences do not name comes from the workspace');

    const theirs = await other('sessions.start', { workspaceId: workspace.id, modelId });
    assert.equal(theirs.settingsSnapshot.temperature, 0.4, 'no preferences: the workspace temperature');
    assert.equal(theirs.settingsSnapshot.maxTokens, 300);
    assert.equal(theirs.settingsSnapshot.useDocuments, true);
    assert.deepEqual(await other('preferences.get', {}), { preferredModelId: null, temperature: null, maxTokens: null, useDocuments: true, language: null }, 'preferences are per user');

    // Explicit session input wins over the preference, field by field.
    const explicit = await app.call('sessions.start', { workspaceId: workspace.id, modelId, settings: { temperature: 0.2, useDocuments: true } });
    assert.deepEqual([explicit.settingsSnapshot.temperature, explicit.settingsSnapshot.maxTokens, explicit.settingsSnapshot.useDocuments], [0.2, 128, true]);

    // A preference set back to null gives the workspace's value again; the others stay.
    await app.call('preferences.update', { temperature: null });
    const reset = await app.call('sessions.start', { workspaceId: workspace.id, modelId });
    assert.deepEqual([reset.settingsSnapshot.temperature, reset.settingsSnapshot.maxTokens], [0.4, 128]);
    assert.equal((await app.call('preferences.get', {})).language, 'ko', 'a patch changes only what it names');

    // A query workspace answers only from documents: a preference cannot turn them off.
    const query = await app.call('workspaces.create', { name: 'Query', chatMode: 'query' });
    const inQuery = await app.call('sessions.start', { workspaceId: query.id, modelId, settings: { useDocuments: false } });
    assert.equal(inQuery.settingsSnapshot.useDocuments, true);

    // Editing the preferences later changes no session already started.
    await app.call('preferences.update', { maxTokens: 64 });
    assert.equal((await app.call('sessions.get', { id: mine.id })).settingsSnapshot.maxTokens, 128);
  } finally {
    await app.close();
  }
});

test('bad preferences are refused with a clear code and nothing of them is saved', async () => {
  const app = await openTestApp();
  try {
    const modelId = modelRow(app, 'kept');
    const before = await app.call('preferences.update', { preferredModelId: modelId, temperature: 0.5, maxTokens: 200, language: 'ja' });

    const hot = await rejectsWithCode(app.call('preferences.update', { temperature: 2.5, maxTokens: 100 }), 'VALIDATION');
    assert.match(hot.message, /temperature/);
    await rejectsWithCode(app.call('preferences.update', { temperature: -0.1 }), 'VALIDATION');
    await rejectsWithCode(app.call('preferences.update', { maxTokens: 0 }), 'VALIDATION');
    await rejectsWithCode(app.call('preferences.update', { maxTokens: 1.5 }), 'VALIDATION');
    await rejectsWithCode(app.call('preferences.update', { maxTokens: 40_000 }), 'VALIDATION');
    assert.equal((await app.raw('preferences.update', { language: 'fr' })).ok, false);
    assert.equal((await app.raw('preferences.update', { theme: 'dark' })).ok, false, 'an unknown field is refused');
    assert.equal((await app.raw('preferences.update', { useDocuments: 'yes' })).ok, false);

    // An unknown model id, together with a valid temperature: NOT_FOUND, and the temperature is not saved either.
    const unknown = await rejectsWithCode(app.call('preferences.update', { preferredModelId: 999_999, temperature: 0.9 }), 'NOT_FOUND');
    assert.equal(unknown.params?.['entity'], 'model');
    assert.equal(unknown.params?.['field'], 'preferredModelId');
    // A removed model (kept for the history of its answers) cannot be preferred either.
    const removed = modelRow(app, 'gone');
    app.core.internals!.db.raw.prepare('UPDATE models SET removed_at = ? WHERE id = ?').run(new Date().toISOString(), removed);
    await rejectsWithCode(app.call('preferences.update', { preferredModelId: removed }), 'NOT_FOUND');

    assert.deepEqual(await app.call('preferences.get', {}), before, 'nothing of a refused change was saved');
    const workspace = await app.call('workspaces.create', { name: 'w' });
    await rejectsWithCode(app.call('sessions.start', { workspaceId: workspace.id, modelId, settings: { temperature: 3 } }), 'VALIDATION');
    await rejectsWithCode(app.call('sessions.start', { workspaceId: workspace.id, modelId, settings: { seed: 1 } as never }), 'VALIDATION');
  } finally {
    await app.close();
  }
});

test('answers of a session without documents retrieve nothing; the same question with documents cites them', async () => {
  const app = await openTestApp();
  try {
    await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const workspace = await app.call('workspaces.create', { name: 'Docs', temperature: 0, maxTokens: 8, contextSize: 1024, chunkSize: 48, chunkOverlap: 8, similarityThreshold: -1, topN: 2 });
    const text = '연차휴가는최소사흘전에신청해야합니다。팀장의승인이필요합니다。';
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'leave', title: 'Leave', text });
    await app.call('runtime.load', { modelId: model.id });

    await app.call('preferences.update', { useDocuments: false, maxTokens: 4 });
    const without = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const bare = await app.call('chat.ask', { sessionId: without.id, question: text, requestId: 'without' });
    assert.deepEqual(bare.sources, []);
    assert.equal(bare.retrievalOutcome, null, 'retrieval did not run');
    assert.ok(bare.completionTokens !== null && bare.completionTokens <= 4, `the preferred max tokens bound the answer (${bare.completionTokens})`);

    const withDocs = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id, settings: { useDocuments: true } });
    const cited = await app.call('chat.ask', { sessionId: withDocs.id, question: text, requestId: 'with' });
    assert.equal(cited.retrievalOutcome, 'found');
    assert.ok(cited.sources.length >= 1);
  } finally {
    await app.close();
  }
});
