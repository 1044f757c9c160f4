/**
 * Issue 10's regressions, in process: unwritable export targets end with a clear error instead of
 * hanging, a data folder that cannot be created is a start-up error, two questions at once never
 * share the model, and start-up recovery cleans up after a crash (answers, documents, exports).
 * Real kill -9 trials are in tests/crash.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startWebBridge } from '../electron/adapters/web/web-bridge.ts';
import { createAppCore } from '../electron/core/app-core.ts';
import { createClient } from '../shared/contract/client.ts';
import { createWebBridge } from '../shared/contract/web-client.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { openTestApp, rejectsWithCode, tempDir, type TestApp } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

const fixtures = await ensureFixtures();

/** Each case must answer quickly: a hang fails the test instead of the whole run. */
const quick = { timeout: 20_000 };

async function exportTo(app: TestApp, outDir: string) {
  return app.call('export.run', { format: 'mlx', name: 'target', outDir });
}

/** Mounts a read-only tmpfs (root only); null where this process may not mount. */
function readOnlyMount(): { dir: string; unmount(): void } | null {
  const dir = tempDir('evaldesk-ro-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return { dir, unmount: () => execFileSync('umount', [dir], { stdio: 'ignore' }) };
}

test('exports to folders that cannot be written end at once with the reason, and the backend keeps answering', quick, async (t) => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 20 });
    const cases: Array<{ outDir: string; reason: string }> = [
      // procfs: Node's recursive mkdir retried these forever (issue 10).
      { outDir: '/proc/foo', reason: 'cannot_create' },
      { outDir: '/proc/evaldesk-export/nested', reason: 'cannot_create' },
      { outDir: '/proc/self/foo', reason: 'cannot_create' },
      { outDir: '/proc/sys/foo', reason: 'cannot_create' },
      { outDir: '/proc/1/foo', reason: 'cannot_create' },
    ];
    if (fs.existsSync('/sys/kernel')) cases.push({ outDir: '/sys/foo', reason: 'permission_denied' });
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, 'not a folder');
    cases.push({ outDir: path.join(file, 'inside'), reason: 'not_a_folder' });
    cases.push({ outDir: path.join(file, 'deeper', 'still'), reason: 'not_a_folder' });

    for (const { outDir, reason } of cases) {
      const error = await rejectsWithCode(exportTo(app, outDir), 'EXPORT_NOT_WRITABLE');
      // /proc answers EACCES or ENOENT depending on the entry; both say "cannot be written".
      if (!outDir.startsWith('/proc') && !outDir.startsWith('/sys')) assert.equal(error.params?.['reason'], reason, outDir);
      assert.ok(['cannot_create', 'permission_denied', 'not_a_folder', 'read_only'].includes(String(error.params?.['reason'])), `${outDir}: ${error.params?.['reason']}`);
      assert.equal(error.params?.['path'], outDir);
    }

    const mount = readOnlyMount();
    if (mount) {
      try {
        const error = await rejectsWithCode(exportTo(app, path.join(mount.dir, 'set')), 'EXPORT_NOT_WRITABLE');
        assert.equal(error.params?.['reason'], 'read_only', 'a read-only mount is reported as such, not as "does not exist"');
        await rejectsWithCode(exportTo(app, mount.dir), 'EXPORT_NOT_WRITABLE');
      } finally {
        mount.unmount();
      }
    } else {
      t.diagnostic('read-only mount case not run: this process may not mount (needs root)');
    }

    // A chmod 555 folder: the export does what the operating system does for this user (root
    // may write there), never what the permission bits alone suggest.
    const readOnlyBits = tempDir();
    fs.chmodSync(readOnlyBits, 0o555);
    let osAllows = true;
    try {
      fs.writeFileSync(path.join(readOnlyBits, 'probe'), '');
      fs.rmSync(path.join(readOnlyBits, 'probe'));
    } catch {
      osAllows = false;
    }
    if (osAllows) assert.equal((await exportTo(app, path.join(readOnlyBits, 'set'))).manifest.counts.total > 0, true);
    else await rejectsWithCode(exportTo(app, path.join(readOnlyBits, 'set')), 'EXPORT_NOT_WRITABLE');

    // Nothing was journalled or left behind, and the backend still serves calls.
    const raw = app.core.internals!.db.raw;
    assert.equal(raw.prepare('SELECT count(*) FROM pending_exports').pluck().get(), 0);
    assert.equal((await app.call('datasets.list', {})).length, osAllows ? 1 : 0);
    assert.equal((await app.call('workspaces.list', {})).length, 1);
  } finally {
    await app.close();
  }
});

test('a data folder that cannot be created is a clear start-up error, not a hang', quick, async () => {
  for (const dataDir of ['/proc/evaldesk-data', '/proc/self/evaldesk']) {
    const core = await createAppCore({ dataDir, appVersion: 'test', threads: 1, gpu: 'cpu', lockDataDir: true, watchIntervalMs: 0 });
    assert.equal(core.startupError?.code, 'DATA_DIR_UNWRITABLE', dataDir);
    const info = await core.dispatch('app.info', {}, core.localCaller());
    assert.equal(info.ok && (info.value as { startupError: { code: string } }).startupError.code, 'DATA_DIR_UNWRITABLE');
    await core.close();
  }
});

/** Two clients of one web bridge, as two browser tabs or two people would be. */
async function twoClients(app: TestApp) {
  const bridge = await startWebBridge({ dispatch: app.core.dispatch, events: app.core.events, resolveCaller: app.core.resolveCaller, rendererDir: tempDir() });
  const wires = [createWebBridge(bridge.origin, bridge.token), createWebBridge(bridge.origin, bridge.token)];
  return {
    clients: wires.map((wire) => createClient(wire)),
    async close() {
      for (const wire of wires) wire.close();
      await bridge.close();
    },
  };
}

test('two questions at the same moment from two clients: one answers exactly as it would alone, the other gets MODEL_BUSY (with and without documents)', quick, async () => {
  const app = await openTestApp();
  const { clients, close } = await twoClients(app);
  try {
    await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    await app.call('runtime.load', { modelId: model.id });
    const plain = await app.call('workspaces.create', { name: 'plain', temperature: 0, maxTokens: 24, contextSize: 1024, historyTurns: 0 });
    const withDocs = await app.call('workspaces.create', { name: 'docs', temperature: 0, maxTokens: 24, contextSize: 1024, historyTurns: 0, similarityThreshold: -1, chunkSize: 48, chunkOverlap: 8 });
    const added = await app.call('documents.addText', { workspaceId: withDocs.id, docId: 'policy', title: 'Leave policy', text: 'Leave must be requested three days ahead. 연차는 사흘 전에 신청합니다.' });
    assert.equal(added.result, 'added', JSON.stringify(added.error));

    for (const workspace of [plain, withDocs]) {
      const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
      const alone = await app.call('chat.ask', { sessionId: session.id, question: 'Tell me about the leave policy.', requestId: `alone-${workspace.id}` });
      const fresh = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
      const results = await Promise.allSettled(clients.map((client, i) => client.call('chat.ask', { sessionId: fresh.id, question: 'Tell me about the leave policy.', requestId: `together-${workspace.id}-${i}` })));
      const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code: string }).code] : []));
      assert.equal(answered.length, 1, `${workspace.name}: exactly one answer`);
      assert.deepEqual(refused, ['MODEL_BUSY'], workspace.name);
      assert.equal(answered[0]!.stopReason, alone.stopReason, workspace.name);
      assert.equal(answered[0]!.answer, alone.answer, `${workspace.name}: the answer is not garbled by the other question`);
      assert.equal((await app.call('chat.history', { sessionId: fresh.id })).length, 1, 'the refused question left no log');
    }
  } finally {
    await close();
    await app.close();
  }
});

test('start-up recovery: an answer left streaming reads "interrupted" with the text that was saved', quick, async () => {
  const dataDir = tempDir();
  let app = await openTestApp({ dataDir });
  const raw = app.core.internals!.db.raw;
  seedLogs(raw, { logs: 2 });
  raw.prepare("UPDATE conversation_logs SET stop_reason = 'answering', answer = 'The notice period is' WHERE id = 2").run();
  await app.close();

  app = await openTestApp({ dataDir });
  try {
    const log = await app.call('logs.get', { id: 2 });
    assert.equal(log.log.stopReason, 'interrupted');
    assert.equal(log.log.answer, 'The notice period is');
    assert.equal(app.core.recovery?.interruptedAnswers, 1);
    // An interrupted answer can be judged like any other.
    await app.call('evaluations.save', { logId: 2, evaluation: 3, reason: 'cut off', correctAnswer: 'Thirty days.', priority: 1 });
  } finally {
    await app.close();
  }
});

test('an answer still streaming cannot be judged, and is not offered as the next one to judge', quick, async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 1, verdict: () => null });
    raw.prepare("UPDATE conversation_logs SET stop_reason = 'answering' WHERE id = 1").run();
    await rejectsWithCode(app.call('evaluations.save', { logId: 1, evaluation: 1 }), 'CONFLICT');
    assert.equal((await app.call('logs.nextUnevaluated', {})).logId, null);
  } finally {
    await app.close();
  }
});

test('start-up recovery: an interrupted export is removed, or finished when its dataset was committed; legacy orphans go', quick, async () => {
  const dataDir = tempDir();
  let app = await openTestApp({ dataDir });
  seedLogs(app.core.internals!.db.raw, { logs: 40 });
  const base = tempDir();
  // A committed export whose rename did not happen yet: staging folder + journal row with dataset.
  const done = await app.call('export.run', { format: 'mlx', name: 'done', outDir: path.join(base, 'done') });
  const raw = app.core.internals!.db.raw;
  const stagingDone = path.join(base, '.done.partial-aaaa1111');
  fs.renameSync(path.join(base, 'done'), stagingDone);
  fs.rmSync(path.join(stagingDone, 'manifest.json'));
  raw.prepare('INSERT INTO pending_exports (staging_dir, out_dir, dataset_id, owner_pid, started_at) VALUES (?, ?, ?, ?, ?)').run(stagingDone, path.join(base, 'done'), done.datasetId, 999_999_999, new Date().toISOString());
  // An export killed while writing: staging folder + journal row without dataset.
  const stagingHalf = path.join(base, '.half.partial-bbbb2222');
  fs.mkdirSync(stagingHalf);
  fs.writeFileSync(path.join(stagingHalf, 'train.jsonl'), '{"messages": []}\n');
  raw.prepare('INSERT INTO pending_exports (staging_dir, out_dir, dataset_id, owner_pid, started_at) VALUES (?, ?, NULL, ?, ?)').run(stagingHalf, path.join(base, 'half'), 999_999_999, new Date().toISOString());
  // What versions before the journal left: a dataset row without a manifest, with items.
  const orphan = Number(raw.prepare("INSERT INTO datasets (name, format, out_dir, seed, filters, manifest, example_count, created_by, created_at) VALUES ('old', 'mlx', '/x', 1, '{}', NULL, 0, 1, '2026-01-01')").run().lastInsertRowid);
  raw.prepare("INSERT INTO dataset_items (dataset_id, evaluation_id, split) SELECT ?, id, 'train' FROM evaluations LIMIT 5").run(orphan);
  await app.close();

  app = await openTestApp({ dataDir });
  try {
    const raw2 = app.core.internals!.db.raw;
    assert.deepEqual(fs.readdirSync(base).sort(), ['done']);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(base, 'done', 'manifest.json'), 'utf8')), done.manifest);
    assert.equal(raw2.prepare('SELECT count(*) FROM pending_exports').pluck().get(), 0);
    assert.equal(raw2.prepare('SELECT count(*) FROM datasets WHERE manifest IS NULL').pluck().get(), 0);
    assert.equal(raw2.prepare('SELECT count(*) FROM dataset_items WHERE dataset_id = ?').pluck().get(orphan), 0);
    assert.deepEqual((await app.call('datasets.list', {})).map((d) => d.id), [done.datasetId]);
  } finally {
    await app.close();
  }
});

test('an export writes its dataset row, items and manifest together: none exists until it is complete', quick, async () => {
  const app = await openTestApp();
  try {
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 20_000 });
    const seen: number[] = [];
    const stop = app.core.events.subscribe((event, payload) => {
      if (event === 'job.progress' && (payload as { jobId: string }).jobId === 'tx' && (payload as { progress: number }).progress < 1) {
        seen.push(Number(raw.prepare('SELECT count(*) FROM datasets').pluck().get()) + Number(raw.prepare('SELECT count(*) FROM dataset_items').pluck().get()));
      }
    });
    const result = await app.call('export.run', { format: 'openai', name: 'tx', outDir: path.join(tempDir(), 'tx'), jobId: 'tx' });
    stop();
    assert.ok(seen.length >= 2, 'progress was reported while writing');
    assert.ok(seen.every((count) => count === 0), 'no dataset or item rows before the end');
    assert.equal(raw.prepare('SELECT count(*) FROM dataset_items WHERE dataset_id = ?').pluck().get(result.datasetId), result.manifest.counts.total);
  } finally {
    await app.close();
  }
});

/** Wakes every reader blocked on a FIFO (they read end-of-file), so stuck threads can finish. */
function releaseFifo(fifo: string): void {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch {
    // No reader left.
  }
}

const hungWorker = path.join(import.meta.dirname, 'fixtures', 'hung-embedder-worker.ts');

test('an embedder that never finishes loading: ingestion and questions end with a clear error, cancel works, closing does not wait for it', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const fifo = path.join(dir, 'embedder.gguf');
  execFileSync('mkfifo', [fifo]);
  const app = await openTestApp({ ingestWorkerPath: hungWorker, embedderLoadTimeoutMs: 1_500 });
  try {
    await app.call('settings.update', { embedder: `gguf:${fifo}` });
    const workspace = await app.call('workspaces.create', { name: 'hung', chatMode: 'query' });

    let started = performance.now();
    const timedOut = await rejectsWithCode(app.call('documents.addText', { workspaceId: workspace.id, docId: 'a', title: 'a', text: 'hello' }), 'EMBEDDER_UNAVAILABLE');
    assert.equal(timedOut.params?.['reason'], 'timeout');
    assert.ok(performance.now() - started < 10_000);

    // Cancelled while waiting for the embedder: ends at once, long before the timeout.
    started = performance.now();
    const adding = app.call('documents.addFiles', { workspaceId: workspace.id, paths: [fixtures.tinyChat], jobId: 'wait' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await app.call('jobs.cancel', { jobId: 'wait' }), { cancelled: true });
    await rejectsWithCode(adding, 'CANCELLED');
    assert.ok(performance.now() - started < 1_400, 'the cancel did not wait for the load timeout');

    // A question in a workspace with ready documents: the query embedder hangs too.
    const raw = app.core.internals!.db.raw;
    raw.prepare(
      "INSERT INTO documents (workspace_id, doc_id, scope, owner_id, title, format, status, embedder_id, dimensions, created_at, updated_at) VALUES (?, 'ready', 'shared', 1, 'ready', 'txt', 'ready', 'gguf:x', 64, '2026-01-01', '2026-01-01')",
    ).run(workspace.id);
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    started = performance.now();
    const asking = app.call('chat.ask', { sessionId: session.id, question: 'hello?', requestId: 'hung-ask' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await app.call('chat.stop', { requestId: 'hung-ask' }), { stopped: true });
    await rejectsWithCode(asking, 'CANCELLED');
    assert.ok(performance.now() - started < 1_400);
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, question: 'hello?', requestId: 'hung-ask-2' }), 'EMBEDDER_UNAVAILABLE');
    assert.equal((await app.call('chat.history', { sessionId: session.id })).length, 0, 'refused questions leave no half log');

    // Closing with threads still blocked in the FIFO read finishes within its deadline.
    started = performance.now();
    const closed = await app.core.close();
    assert.ok(performance.now() - started < 8_000);
    assert.equal(closed.clean, false, 'closing says some work could not be stopped');
  } finally {
    releaseFifo(fifo);
    await app.close();
  }
});

test('SIGTERM ends the process within seconds with the database closed, even with a thread stuck on a dead drive', { timeout: 60_000 }, async () => {
  const { spawn } = await import('node:child_process');
  const dataDir = tempDir();
  const fifo = path.join(tempDir(), 'embedder.gguf');
  execFileSync('mkfifo', [fifo]);
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'fixtures', 'hung-embedder-app.ts'), dataDir, fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (data: Buffer) => String(data).includes('hung') && resolve());
      child.once('exit', (code) => reject(new Error(`exited early (${code})`)));
    });
    const started = performance.now();
    child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    assert.ok(performance.now() - started < 8_000, 'ended within seconds');
    assert.equal(signal ?? (code === 0 ? 'exit 0' : `exit ${code}`), 'SIGTERM');
    assert.equal(fs.existsSync(path.join(dataDir, 'evaldesk.sqlite-wal')), false, 'the database was closed cleanly (WAL checkpointed and removed)');
    assert.equal(fs.existsSync(path.join(dataDir, 'evaldesk.lock')), false, 'the data folder lock was released');
  } finally {
    child.kill('SIGKILL');
    releaseFifo(fifo);
  }
});

/** A workspace whose documents are embedded with the GGUF fixture (identical text, identical vector). */
async function documentsApp(dataDir?: string) {
  const app = await openTestApp(dataDir ? { dataDir } : {});
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  const [existing] = await app.call('workspaces.list', {});
  const workspace = existing ?? (await app.call('workspaces.create', { name: 'docs', similarityThreshold: -1, topN: 10, chunkSize: 48, chunkOverlap: 8 }));
  return { app, workspace };
}

async function retrievedDocIds(app: TestApp, workspaceId: number): Promise<string[]> {
  const { passages } = await app.core.internals!.retriever.retrieve({ workspaceId, userId: app.core.localCaller().user.id, question: 'leave policy', topN: 10, threshold: -1 });
  return [...new Set(passages.map((p) => p.docId))].sort();
}

test('documents interrupted mid-ingestion: never searchable, their chunks removed at start-up, files ingested again', { timeout: 60_000 }, async () => {
  const dataDir = tempDir();
  const folder = tempDir('evaldesk-docs-');
  const file = path.join(folder, 'policy.txt');
  fs.writeFileSync(file, 'Leave must be requested three days ahead.');
  let { app, workspace } = await documentsApp(dataDir);
  const fromFile = (await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [file] }))[0]!;
  const fromApi = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'board_post:1', title: 'Board', text: 'Leave requests go to the team lead.' });
  const ready = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'board_post:2', title: 'Other', text: 'Expenses close on the 25th.' });
  assert.deepEqual(await retrievedDocIds(app, workspace.id), ['board_post:1', 'board_post:2', fromFile.docId].sort());

  // What a kill -9 after LanceDB's commit and before SQLite's "ready" leaves: chunks in the table,
  // the row still `ingesting`. Search must not return them.
  const raw = app.core.internals!.db.raw;
  raw.prepare("UPDATE documents SET status = 'ingesting' WHERE id IN (?, ?)").run(fromFile.document!.id, fromApi.document!.id);
  assert.deepEqual(await retrievedDocIds(app, workspace.id), ['board_post:2']);
  await app.close();

  ({ app, workspace } = await documentsApp(dataDir));
  try {
    assert.equal(app.core.recovery?.interruptedDocuments, 2);
    const byDocId = async () => new Map((await app.call('documents.list', { workspaceId: workspace.id })).map((d) => [d.docId, d]));
    // The API document cannot be read again: failed, with no chunks left behind.
    const apiDoc = (await byDocId()).get('board_post:1')!;
    assert.equal(apiDoc.status, 'failed');
    assert.match(apiDoc.error ?? '', /closed while this document was being added/);
    const vectors = app.core.internals!.vectors;
    assert.equal(await vectors.countRows(apiDoc.embedderId!, 64, { docId: 'board_post:1' }), 0);
    // The file is ingested again in the background.
    for (let i = 0; i < 100 && (await byDocId()).get(fromFile.docId)!.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await byDocId()).get(fromFile.docId)!.status, 'ready');
    assert.equal((await byDocId()).get('board_post:2')!.updatedAt, ready.document!.updatedAt, 'a ready document is left alone');
    assert.deepEqual(await retrievedDocIds(app, workspace.id), ['board_post:2', fromFile.docId].sort());
  } finally {
    await app.close();
  }
});

test('re-adding unchanged documents never takes them out of the ready state', quick, async () => {
  const { app, workspace } = await documentsApp();
  try {
    const folder = tempDir('evaldesk-docs-');
    for (const name of ['a.txt', 'b.txt', 'c.txt']) fs.writeFileSync(path.join(folder, name), `Document ${name}: leave policy text.`);
    await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [folder] });
    const raw = app.core.internals!.db.raw;
    const statuses: string[] = [];
    const stop = app.core.events.subscribe((event) => {
      if (event === 'document.progress') statuses.push(...(raw.prepare('SELECT status FROM documents').pluck().all() as string[]));
    });
    const again = await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [folder] });
    stop();
    assert.deepEqual(again.map((o) => o.result), ['unchanged', 'unchanged', 'unchanged']);
    assert.ok(statuses.length > 0);
    assert.deepEqual([...new Set(statuses)], ['ready']);
  } finally {
    await app.close();
  }
});

test('scanning "/" as the models folder is bounded and runs in the background: other calls keep answering', { timeout: 60_000 }, async () => {
  const app = await openTestApp();
  try {
    await app.call('settings.update', { modelsDir: '/' });
    const scanning = app.call('models.scan', {});
    const started = performance.now();
    await app.call('workspaces.list', {});
    await app.call('runtime.status', {});
    assert.ok(performance.now() - started < 1_000, `other calls answered while scanning (${Math.round(performance.now() - started)} ms)`);
    const result = await scanning;
    assert.equal(result.truncated, true, 'the walk stopped at its depth or entry limit');
  } finally {
    await app.close();
  }
});
