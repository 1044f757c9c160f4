/**
 * A batch run killed with SIGKILL in the middle and resumed (issue 13): no question answered
 * twice, none skipped, the database intact, the run paused with the reason until resumed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { ensureLoraFixtures } from './fixtures/tiny-lora.ts';
import { openTestApp, tempDir } from './helpers/app.ts';

const lora = await ensureLoraFixtures();
const childScript = path.join(import.meta.dirname, 'helpers', 'batch-run-child.ts');

test('a batch run killed with SIGKILL mid-run resumes where it stopped: every question answered exactly once', { timeout: 120_000 }, async () => {
  const dataDir = tempDir();
  const setup = await openTestApp({ dataDir });
  const model = await setup.call('models.add', { path: lora.base });
  const workspace = await setup.call('workspaces.create', { name: 'crash', maxTokens: 48, contextSize: 512 });
  const set = await setup.call('questionSets.create', { workspaceId: workspace.id, name: 'set', items: Array.from({ length: 40 }, (_, i) => ({ question: `Question number ${i}: what is the notice period?` })) });
  await setup.close();

  const child = spawn(process.execPath, [childScript, dataDir, String(model.id), String(set.id)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const watcher = new BetterSqlite3(path.join(dataDir, 'evaldesk.sqlite'), { readonly: true, fileMustExist: true });
  let answeredAtKill = 0;
  try {
    // Killed once a few answers are committed, while others are being generated.
    for (let polls = 0; polls < 6000; polls++) {
      answeredAtKill = watcher.prepare('SELECT count(log_id) FROM batch_run_items').pluck().get() as number;
      if (answeredAtKill >= 5) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill('SIGKILL');
    await exited;
  } finally {
    watcher.close();
  }
  assert.ok(answeredAtKill >= 5 && answeredAtKill < 40, `killed mid-run (${answeredAtKill} answered)`);

  const app = await openTestApp({ dataDir, lockDataDir: true });
  try {
    const raw = app.core.internals!.db.raw;
    assert.equal(raw.prepare('PRAGMA integrity_check').pluck().get(), 'ok');
    const [run] = await app.call('runs.list', { workspaceId: workspace.id });
    assert.equal(run!.status, 'paused', 'start-up recovery pauses the interrupted run');
    assert.equal(run!.error?.code, 'INTERRUPTED');
    assert.ok(run!.answered >= answeredAtKill);
    assert.equal(raw.prepare("SELECT count(*) FROM conversation_logs WHERE stop_reason = 'answering'").pluck().get(), 0);
    await app.call('runtime.load', { modelId: model.id });
    const done = await app.call('runs.resume', { id: run!.id, wait: true });
    assert.equal(done.status, 'completed', done.error?.message);
    const links = raw.prepare('SELECT r.item_id, r.log_id, l.question, l.stop_reason FROM batch_run_items r JOIN conversation_logs l ON l.id = r.log_id WHERE r.run_id = ?').all(run!.id) as Array<{ item_id: number; log_id: number; question: string; stop_reason: string }>;
    assert.equal(links.length, 40, 'none skipped');
    assert.equal(new Set(links.map((link) => link.item_id)).size, 40);
    assert.equal(new Set(links.map((link) => link.question)).size, 40, 'each answer is to its own question');
    assert.ok(links.every((link) => link.stop_reason === 'finished' || link.stop_reason === 'max_tokens'));
    // Answers cut off by the kill stay as interrupted logs of the session, never as the run's answers.
    const interrupted = raw.prepare("SELECT count(*) FROM conversation_logs WHERE session_id = ? AND stop_reason = 'interrupted'").pluck().get(done.sessionId) as number;
    const linkedInterrupted = links.filter((link) => link.stop_reason === 'interrupted').length;
    assert.equal(linkedInterrupted, 0);
    assert.ok(interrupted <= 2, 'at most one answer per parallel sequence was cut off');
  } finally {
    await app.close();
  }
});
