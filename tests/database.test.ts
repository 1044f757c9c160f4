import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../electron/services/db/database.ts';
import { acquireInstanceLock } from '../electron/services/db/instance-lock.ts';
import { openTestApp, rejectsWithCode, tempDir } from './helpers/app.ts';

test('a new database is created in WAL mode with foreign keys and the full schema', async () => {
  const dir = tempDir();
  const opened = await openDatabase(path.join(dir, 'evaldesk.sqlite'));
  try {
    assert.equal(opened.raw.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(opened.raw.pragma('foreign_keys', { simple: true }), 1);
    const tables = opened.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    for (const table of ['users', 'workspaces', 'models', 'sessions', 'conversation_logs', 'evaluations', 'drafts', 'datasets', 'dataset_items']) {
      assert.ok(tables.includes(table), `missing table ${table}`);
    }
  } finally {
    await opened.close();
  }
  // Opening again runs no migration twice.
  const again = await openDatabase(path.join(dir, 'evaldesk.sqlite'));
  await again.close();
});

test('CHECK constraints reject coded values nobody can interpret', async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    const now = new Date().toISOString();
    assert.throws(
      () => raw.prepare("INSERT INTO workspaces (name, category, temperature, max_tokens, context_size, history_turns, created_at, updated_at) VALUES ('w', 'chatbot', 0.5, 10, 512, 1, ?, ?)").run(now, now),
      /CHECK constraint failed/,
    );
    raw.prepare("INSERT INTO workspaces (name, category, temperature, max_tokens, context_size, history_turns, created_at, updated_at) VALUES ('w', 'qa', 0.5, 10, 512, 1, ?, ?)").run(now, now);
    raw.prepare("INSERT INTO models (display_name, file_path, file_size, fingerprint, architecture, has_chat_template, created_at, registered_at) VALUES ('m', '/x.gguf', 1, 'f', 'llama', 0, ?, ?)").run(now, now);
    raw.prepare("INSERT INTO sessions (user_id, workspace_id, model_id, system_prompt_snapshot, settings_snapshot, started_at) VALUES (1, 1, 1, '', '{}', ?)").run(now);
    const insertLog = raw.prepare(
      "INSERT INTO conversation_logs (session_id, workspace_id, model_id, user_id, question, answer, asked_at, completed_at, prompt_tokens, completion_tokens, stop_reason) VALUES (1, 1, 1, 1, 'q', 'a', ?, ?, 1, 1, ?)",
    );
    assert.throws(() => insertLog.run(now, now, 'timeout'), /CHECK constraint failed/);
    insertLog.run(now, now, 'finished');
    const insertEvaluation = raw.prepare(
      'INSERT INTO evaluations (log_id, evaluator_id, evaluation, correct_answer, priority, status, created_at, updated_at) VALUES (1, 1, ?, ?, ?, ?, ?, ?)',
    );
    assert.throws(() => insertEvaluation.run(4, null, null, 1, now, now), /CHECK constraint failed/);
    assert.throws(() => insertEvaluation.run(2, 'x', 5, 1, now, now), /CHECK constraint failed/);
    assert.throws(() => insertEvaluation.run(2, 'x', 1, 9, now, now), /CHECK constraint failed/);
    // Seed 001: a correct answer belongs to verdicts 2 and 3 only.
    assert.throws(() => insertEvaluation.run(1, 'x', null, 1, now, now), /CHECK constraint failed/);
    insertEvaluation.run(3, 'right answer', 1, 1, now, now);
  } finally {
    await app.close();
  }
});

test('a database file that is not SQLite is reported as corrupt and left untouched', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'evaldesk.sqlite');
  const garbage = Buffer.from('this is not a database, but it is somebody\'s data\n'.repeat(200));
  fs.writeFileSync(file, garbage);
  const error = await rejectsWithCode(openDatabase(file), 'DB_CORRUPT');
  assert.match(error.message, /damaged or is not an EvalDesk database/);
  assert.deepEqual(fs.readFileSync(file), garbage);

  // The app still starts: app.info explains the problem, every other call returns it.
  const app = await openTestApp({ dataDir: dir });
  try {
    const info = await app.call('app.info', {});
    assert.equal(info.startupError?.code, 'DB_CORRUPT');
    await rejectsWithCode(app.call('workspaces.list', {}), 'DB_CORRUPT');
  } finally {
    await app.close();
  }
  assert.deepEqual(fs.readFileSync(file), garbage);
});

test('a database locked by another program gives DB_LOCKED and loses nothing', async () => {
  const app = await openTestApp();
  const other = new BetterSqlite3(path.join(app.dataDir, 'evaldesk.sqlite'));
  try {
    const workspace = await app.call('workspaces.create', { name: 'Before the lock' });
    other.exec('BEGIN EXCLUSIVE');
    app.core.internals!.db.raw.pragma('busy_timeout = 100');
    await rejectsWithCode(app.call('workspaces.update', { id: workspace.id, patch: { name: 'During the lock' } }), 'DB_LOCKED');
    other.exec('ROLLBACK');
    const updated = await app.call('workspaces.update', { id: workspace.id, patch: { name: 'After the lock' } });
    assert.equal(updated.name, 'After the lock');
  } finally {
    other.close();
    await app.close();
  }
});

test('a second interactive instance on the same data folder is refused; a stale lock is taken over', async () => {
  const dir = tempDir();
  const first = acquireInstanceLock(dir);
  // A lock owned by this (live) process but a different "instance" is simulated by rewriting its pid
  // to the parent process, which is certainly alive.
  fs.writeFileSync(path.join(dir, 'evaldesk.lock'), JSON.stringify({ pid: process.ppid }));
  const app = await openTestApp({ dataDir: dir, lockDataDir: true });
  try {
    assert.equal(app.core.startupError?.code, 'INSTANCE_RUNNING');
    assert.match(app.core.startupError!.message, /already running with this data folder/);
  } finally {
    await app.close();
  }
  // A lock whose process is gone (pid that cannot exist) is stale.
  fs.writeFileSync(path.join(dir, 'evaldesk.lock'), JSON.stringify({ pid: 2 ** 22 + 12345 }));
  const second = acquireInstanceLock(dir);
  second.release();
  first.release();
  assert.equal(fs.existsSync(path.join(dir, 'evaldesk.lock')), false);
});
