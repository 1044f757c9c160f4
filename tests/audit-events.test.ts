/**
 * The audit log records what issue 14 lists (seed 000's event_logs), whichever method does it:
 * sign-out, workspace and settings changes, model, version and adapter registrations (also those
 * a folder scan makes), model changes, evaluations saved and changed with before and after (also
 * through re-judging a run, which saves evaluations without evaluations.save), exports and
 * "marked as trained", and the password policy. Real dispatcher, real SQLite file, real fixtures.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { AuditEvent, AuditEventName } from '../shared/contract/people.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { ensureLoraFixtures } from './fixtures/tiny-lora.ts';
import { openTestApp, tempDir, type TestApp } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

const fixtures = await ensureFixtures();
const lora = await ensureLoraFixtures();

/** The events of one kind, oldest first. */
async function eventsOf(app: TestApp, event: AuditEventName): Promise<AuditEvent[]> {
  return (await app.call('audit.query', { filters: { events: [event] }, limit: 1000 })).rows.reverse();
}

test('every change issue 14 lists is in the audit log, with who, where and what (before and after for changes)', async () => {
  const app = await openTestApp();
  try {
    const me = await app.call('users.current', {});
    const raw = app.core.internals!.db.raw;

    // Settings.
    await app.call('settings.update', { batchParallelism: 3 });
    const [settingsChanged] = await eventsOf(app, 'settings.changed');
    assert.deepEqual(settingsChanged?.detail, { changed: { batchParallelism: 3 } });
    assert.equal(settingsChanged?.userId, me.id);
    assert.equal(settingsChanged?.username, me.username);

    // Workspaces: created, and changed with before and after of exactly what changed.
    const workspace = await app.call('workspaces.create', { name: 'Audit PoC', temperature: 0.5 });
    const [created] = await eventsOf(app, 'workspace.created');
    assert.equal(created?.workspaceId, workspace.id);
    assert.deepEqual(created?.detail, { name: 'Audit PoC', category: 'qa' });
    await app.call('workspaces.update', { id: workspace.id, patch: { temperature: 0.9, name: 'Audit PoC' } });
    const [updated] = await eventsOf(app, 'workspace.updated');
    assert.equal(updated?.workspaceId, workspace.id);
    assert.deepEqual(updated?.detail, { before: { temperature: 0.5 }, after: { temperature: 0.9 } }, 'an unchanged name is not a change');

    // Models: added by path, found by a folder scan, changed.
    const base = await app.call('models.add', { path: lora.base });
    const modelsDir = tempDir('evaldesk-audit-models-');
    fs.copyFileSync(fixtures.tinyNoChat, path.join(modelsDir, 'scanned.gguf'));
    await app.call('settings.update', { modelsDir });
    const scan = await app.call('models.scan', {});
    assert.equal(scan.added.length, 1);
    const registered = await eventsOf(app, 'model.registered');
    assert.deepEqual(
      registered.map((event) => event.detail),
      [
        { modelId: base.id, name: base.displayName, file: base.filePath },
        { modelId: scan.added[0]!.id, name: scan.added[0]!.displayName, file: path.join(modelsDir, 'scanned.gguf'), via: 'scan' },
      ],
    );
    await app.call('models.update', { id: scan.added[0]!.id, patch: { description: 'For the audit', version: '2' } });
    const [modelUpdated] = await eventsOf(app, 'model.updated');
    assert.deepEqual(modelUpdated?.detail, { modelId: scan.added[0]!.id, before: { description: '', version: scan.added[0]!.version }, after: { description: 'For the audit', version: '2' } });

    // An adapter brought in, and a version registered from one.
    const adapter = await app.call('adapters.import', { baseModelId: base.id, path: lora.peft });
    const [imported] = await eventsOf(app, 'adapter.imported');
    assert.deepEqual(imported?.detail, { baseModelId: base.id, source: lora.peft, file: adapter.filePath, sha256: adapter.sha256, format: 'peft', reused: false });
    const version = await app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.mlx });
    const [versionRegistered] = await eventsOf(app, 'version.registered');
    assert.equal(versionRegistered?.detail['versionId'], version.id);
    assert.equal(versionRegistered?.detail['name'], 'v1');
    assert.equal(versionRegistered?.detail['baseModelId'], base.id);

    // Evaluations: saved, then changed with before and after.
    seedLogs(raw, { logs: 6, verdict: () => null });
    const [logA, logB] = raw.prepare('SELECT id FROM conversation_logs ORDER BY id LIMIT 2').pluck().all() as number[];
    const logWorkspace = raw.prepare('SELECT workspace_id FROM conversation_logs WHERE id = ?').pluck().get(logA) as number;
    await app.call('evaluations.save', { logId: logA!, evaluation: 1 });
    await app.call('evaluations.save', { logId: logA!, evaluation: 3, reason: 'Wrong year', correctAnswer: 'In 2026.', priority: 2 });
    const [saved] = await eventsOf(app, 'evaluation.saved');
    assert.equal(saved?.workspaceId, logWorkspace);
    assert.deepEqual(saved?.detail, { logId: logA, after: { evaluation: 1, priority: null, status: 1, reason: null, correctAnswer: null } });
    const [changed] = await eventsOf(app, 'evaluation.changed');
    assert.deepEqual(changed?.detail, {
      logId: logA,
      before: { evaluation: 1, priority: null, status: 1, reason: null, correctAnswer: null },
      after: { evaluation: 3, priority: 2, status: 1, reason: 'Wrong year', correctAnswer: 'In 2026.' },
    });

    // Re-judging a run saves an evaluation of the run's answer: audited alike, with the run and item.
    const now = new Date().toISOString();
    const session = raw.prepare('SELECT session_id FROM conversation_logs WHERE id = ?').pluck().get(logB) as number;
    const model = raw.prepare('SELECT model_id FROM conversation_logs WHERE id = ?').pluck().get(logB) as number;
    const set = Number(raw.prepare("INSERT INTO question_sets (workspace_id, name, created_by, created_at, updated_at) VALUES (?, 'regression', ?, ?, ?)").run(logWorkspace, me.id, now, now).lastInsertRowid);
    const item = Number(raw.prepare("INSERT INTO question_set_items (set_id, position, question, tags, origin) VALUES (?, 1, 'q', '[]', 'typed')").run(set).lastInsertRowid);
    const run = Number(
      raw.prepare("INSERT INTO batch_runs (set_id, workspace_id, model_id, session_id, parallelism, temperature, seed, status, total, created_by, created_at) VALUES (?, ?, ?, ?, 1, 0, 42, 'completed', 1, ?, ?)").run(set, logWorkspace, model, session, me.id, now).lastInsertRowid,
    );
    raw.prepare('INSERT INTO batch_run_items (run_id, item_id, position, log_id) VALUES (?, ?, 1, ?)').run(run, item, logB);
    await app.call('rejudge.save', { runId: run, itemId: item, evaluation: 2, reason: 'Half of it' });
    await app.call('rejudge.save', { runId: run, itemId: item, evaluation: 1 });
    const rejudgedSaved = (await eventsOf(app, 'evaluation.saved')).filter((event) => event.detail['logId'] === logB);
    assert.deepEqual(rejudgedSaved.map((event) => event.detail), [{ logId: logB, runId: run, itemId: item, after: { evaluation: 2, priority: null, status: 1, reason: 'Half of it', correctAnswer: null } }]);
    assert.equal(rejudgedSaved[0]!.workspaceId, logWorkspace);
    const rejudgedChanged = (await eventsOf(app, 'evaluation.changed')).filter((event) => event.detail['logId'] === logB);
    assert.deepEqual(rejudgedChanged.map((event) => event.detail), [
      { logId: logB, runId: run, itemId: item, before: { evaluation: 2, priority: null, status: 1, reason: 'Half of it', correctAnswer: null }, after: { evaluation: 1, priority: null, status: 1, reason: null, correctAnswer: null } },
    ]);

    // Exports and "marked as trained".
    const dataset = await app.call('export.run', { format: 'mlx', name: 'audited', outDir: path.join(tempDir(), 'audited') });
    const [exported] = await eventsOf(app, 'export.created');
    assert.deepEqual(exported?.detail, { datasetId: dataset.datasetId, format: 'mlx', name: 'audited', total: dataset.manifest.counts.total });
    await app.call('export.markTrained', { datasetId: dataset.datasetId });
    const [marked] = await eventsOf(app, 'export.marked_trained');
    assert.equal(marked?.detail['datasetId'], dataset.datasetId);
    assert.equal(typeof marked?.detail['updated'], 'number');

    // The password policy, with before and after.
    await app.call('auth.setPasswordPolicy', { minLength: 14, forbidCommon: true });
    const [policy] = await eventsOf(app, 'auth.password_policy_changed');
    assert.deepEqual(policy?.detail, { before: { minLength: 10 }, after: { minLength: 14 } }, 'only what changed');

    // Sign-out (multi-user mode: someone signed in signs out).
    const { token } = await app.call('auth.enableMultiUser', { username: 'lead', password: 'a long passphrase 2026' });
    const signedIn = await app.core.resolveCaller(token!);
    const out = await app.core.dispatch('auth.signOut', {}, signedIn, 'cli');
    assert.ok(out.ok && (out.value as { signedOut: boolean }).signedOut);
    const [signOut] = await eventsOf(app, 'auth.sign_out');
    assert.equal(signOut?.userId, me.id);
    assert.equal(signOut?.username, 'lead');

    // Append-only from the API: no method changes or removes an event, and SQL refuses it too.
    assert.throws(() => raw.prepare('DELETE FROM event_logs').run());
    assert.throws(() => raw.prepare("UPDATE event_logs SET detail = '{}'").run());
  } finally {
    await app.close();
  }
});

test('a refused change records nothing: an adapter for an unknown base, a model update that fails validation', async () => {
  const app = await openTestApp();
  try {
    const base = await app.call('models.add', { path: lora.base });
    const before = (await app.call('audit.query', {})).total;
    const refused = await app.raw('adapters.import', { baseModelId: base.id, path: lora.ggufOtherArchitecture });
    assert.equal(!refused.ok && refused.error.code, 'ADAPTER_MISMATCH');
    const selfBase = await app.raw('models.update', { id: base.id, patch: { baseModelId: base.id } });
    assert.equal(!selfBase.ok && selfBase.error.code, 'VALIDATION');
    const noop = await app.call('models.update', { id: base.id, patch: { description: '' } });
    assert.equal(noop.description, '');
    assert.equal((await app.call('audit.query', {})).total, before, 'no event for a refusal or a change that changes nothing');
  } finally {
    await app.close();
  }
});
