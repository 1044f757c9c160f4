import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrationProvider } from '../electron/services/db/migrations/index.ts';
import { fromRow, toColumns } from '../electron/services/db/rows.ts';
import type { DatabaseSchema } from '../electron/services/db/schema.ts';
import { defaultRefusalResponse, sessionSettingsDefaults, workspaceDefaults } from '../shared/contract/entities.ts';
import { openTestApp, tempDir } from './helpers/app.ts';

test('a workspace patch changes exactly the fields it names', async () => {
  const app = await openTestApp();
  try {
    const created = await app.call('workspaces.create', { name: 'Legal', topN: 7, chatMode: 'query', hybridSearch: true, refusalResponse: 'Nothing found.' });
    const renamed = await app.call('workspaces.update', { id: created.id, patch: { name: 'Legal PoC' } });
    assert.deepEqual({ ...renamed, updatedAt: created.updatedAt }, { ...created, name: 'Legal PoC' }, 'no other setting went back to its default');
    const plain = await app.call('workspaces.update', { id: created.id, patch: { hybridSearch: false } });
    assert.equal(plain.hybridSearch, false);
    assert.equal(plain.topN, 7);
  } finally {
    await app.close();
  }
});

test('the contract defaults are the database defaults: one definition, read back unchanged', async () => {
  const app = await openTestApp();
  try {
    // A workspace row written the way migration 002 left existing ones: retrieval columns from their SQL defaults.
    const now = new Date().toISOString();
    const id = Number(
      app.core.internals!.db.raw
        .prepare("INSERT INTO workspaces (name, category, temperature, max_tokens, context_size, history_turns, created_at, updated_at) VALUES ('old', 'qa', 0.7, 512, 4096, 4, ?, ?)")
        .run(now, now).lastInsertRowid,
    );
    const stored = await app.call('workspaces.get', { id });
    const { businessDomain: _b, category: _c, systemPrompt: _s, temperature: _t, maxTokens: _m, contextSize: _x, historyTurns: _h, ...retrievalDefaults } = workspaceDefaults;
    for (const [field, value] of Object.entries(retrievalDefaults)) assert.deepEqual(stored[field as keyof typeof stored], value, field);
    assert.equal(stored.refusalResponse, defaultRefusalResponse);
    const { id: _id, createdAt: _created, updatedAt: _updated, ...settings } = await app.call('workspaces.create', { name: 'new' });
    assert.deepEqual(settings, { ...workspaceDefaults, name: 'new' });
  } finally {
    await app.close();
  }
});

test('a session freezes the workspace settings; sessions from before documents get the retrieval defaults', async () => {
  const app = await openTestApp();
  try {
    const workspace = await app.call('workspaces.create', { name: 'w', topN: 9, chatMode: 'query', chunkSize: 64 });
    const raw = app.core.internals!.db.raw;
    const now = new Date().toISOString();
    const modelId = Number(
      raw.prepare("INSERT INTO models (display_name, file_path, file_size, fingerprint, architecture, has_chat_template, created_at, registered_at) VALUES ('m', '/m.gguf', 1, 'f', 'llama', 1, ?, ?)").run(now, now).lastInsertRowid,
    );
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId });
    assert.deepEqual(session.settingsSnapshot, { temperature: 0.7, maxTokens: 512, contextSize: 4096, historyTurns: 4, topN: 9, similarityThreshold: 0.25, chatMode: 'query', refusalResponse: defaultRefusalResponse, hybridSearch: false, sqlRoute: false, entityRetrieval: false, seed: null, useDocuments: true });
    await app.call('workspaces.update', { id: workspace.id, patch: { topN: 1 } });
    assert.equal((await app.call('sessions.get', { id: session.id })).settingsSnapshot.topN, 9, 'editing the workspace later changes nothing');

    const oldId = Number(
      raw
        .prepare("INSERT INTO sessions (user_id, workspace_id, model_id, system_prompt_snapshot, settings_snapshot, started_at) VALUES (1, ?, ?, '', '{\"temperature\":0.2,\"maxTokens\":256,\"contextSize\":2048,\"historyTurns\":2}', ?)")
        .run(workspace.id, modelId, now).lastInsertRowid,
    );
    assert.deepEqual((await app.call('sessions.get', { id: oldId })).settingsSnapshot, { ...sessionSettingsDefaults, temperature: 0.2, maxTokens: 256, contextSize: 2048, historyTurns: 2 });
  } finally {
    await app.close();
  }
});

test('rows map to entities one way for every table: camelCase fields, 0/1 columns as booleans', () => {
  const row = { id: 1, display_name: 'm', file_path: '/m.gguf', file_size: 1, fingerprint: 'f', architecture: 'llama', parameter_count: null, quantization: null, training_context_length: 2048, has_chat_template: 1 as const, kind: 'base' as const, version: '1', base_model_id: null, description: '', created_at: 'c', trained_at: null, registered_at: 'r', removed_at: null };
  const model = fromRow('models', row);
  assert.equal(model.hasChatTemplate, true);
  assert.equal(model.trainingContextLength, 2048);
  assert.deepEqual(toColumns('models', model), row, 'and back');
  assert.deepEqual(toColumns('documents', { pinned: false, watched: true, title: undefined }), { pinned: 0, watched: 1 }, 'a patch leaves out what it does not name');
});

test('migration 004 gives existing citations the chunk index their chunk id held', async () => {
  const raw = new BetterSqlite3(path.join(tempDir(), 'evaldesk.sqlite'));
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    const migrator = new Migrator({ db, provider: migrationProvider });
    assert.equal((await migrator.migrateTo('003_crash_safety')).error, undefined);
    // The sources need no log for this check.
    raw.pragma('foreign_keys = OFF');
    const insert = raw.prepare("INSERT INTO conversation_log_sources (log_id, rank, chunk_id, document_id, doc_id, title, score, prompt_text) VALUES (1, ?, ?, 1, 'd', 't', 1, 'p')");
    for (const [rank, chunkId] of [[1, '1:board_post:12:7'], [2, '3:file:a.md#0123456789:0'], [3, 'not-a-chunk-id']] as const) insert.run(rank, chunkId);
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    assert.deepEqual(raw.prepare('SELECT chunk_index FROM conversation_log_sources ORDER BY rank').pluck().all(), [7, 0, 0]);
  } finally {
    await db.destroy();
  }
});
