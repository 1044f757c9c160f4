import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { maxInputDepth, maxInputValues } from '../electron/core/input-limits.ts';
import { isAbsolutePath } from '../shared/contract/paths.ts';
import { ensureTinyEmbedder } from './fixtures/tiny-embedder.ts';
import { runFuzz } from './fuzz/fuzzer.ts';
import { deeplyNestedJson } from './fuzz/hostile-values.ts';
import { checkAnswer, createLeakWatch } from './fuzz/oracle.ts';
import { seededEmbedderSpec } from './fuzz/seeded.ts';
import { openTestApp } from './helpers/app.ts';

/** Fixed, so a failure here replays with `npm run fuzz -- 500 20261125` (which also keeps the known issues). */
const suiteSeed = 20261125;

test('the web bridge survives a few hundred generated and hostile requests: no crash, hang, INTERNAL, stack or path leak', async () => {
  const report = await runFuzz({ requests: 500, seed: suiteSeed, inSuite: true, timeoutMs: 15_000 });
  const summary = JSON.stringify({ ...report, byMethod: undefined, findings: report.findings.slice(0, 10) }, null, 2);
  assert.equal(report.requests, 500);
  assert.deepEqual(report.findings, [], summary);
  assert.equal(report.integrity, 'ok', summary);
  // The stream reaches every method and both kinds of answer, or the run proves little.
  assert.ok(Object.keys(report.byMethod).filter((m) => !m.startsWith('http:')).length >= 45, summary);
  assert.ok((report.byCode['ok'] ?? 0) > 30 && (report.byCode['VALIDATION'] ?? 0) > 30, summary);
});

test('an input nested thousands of levels deep is a VALIDATION error naming the field, not a stack overflow', async () => {
  const app = await openTestApp();
  try {
    const deep = JSON.parse(deeplyNestedJson(10_000, 'object')) as unknown;
    const result = await app.raw('drafts.save', { key: 'evaluation:1', value: deep });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.error.code === 'VALIDATION', JSON.stringify(result));
    assert.equal(result.error.params?.['field'], 'value');
    assert.match(result.error.message, new RegExp(`nested more than ${maxInputDepth} levels deep`));

    const deepList = JSON.parse(deeplyNestedJson(100_000, 'array')) as unknown;
    const inFilters = await app.raw('logs.query', { filters: { text: deepList } });
    assert.ok(!inFilters.ok && inFilters.error.code === 'VALIDATION' && inFilters.error.params?.['field'] === 'filters');

    // A reasonably nested draft still saves and comes back as it was.
    const nested = JSON.parse(deeplyNestedJson(maxInputDepth - 3, 'array')) as unknown;
    await app.call('drafts.save', { key: 'evaluation:2', value: nested });
    assert.deepEqual((await app.call('drafts.get', { key: 'evaluation:2' }))?.value, nested);

    // The 1 MB draft limit still answers with its own message.
    const big = await app.raw('drafts.save', { key: 'evaluation:3', value: { text: 'x'.repeat(1_000_001) } });
    assert.ok(!big.ok && big.error.code === 'VALIDATION' && /larger than 1 MB/.test(big.error.message), JSON.stringify(big).slice(0, 300));

    const tooMany = await app.raw('documents.addFiles', { workspaceId: 1, paths: new Array<number>(maxInputValues + 1).fill(0) });
    assert.ok(!tooMany.ok && tooMany.error.code === 'VALIDATION' && /more than 1,000,000 values/.test(tooMany.error.message));
  } finally {
    await app.close();
  }
});

test('paths must be absolute: relative ones are refused before they can resolve against the working folder', async () => {
  const app = await openTestApp();
  try {
    const cases: Array<[string, unknown, string]> = [
      ['models.add', { path: '..' }, 'path'],
      ['models.add', { path: 'C:\\Models\\tiny.gguf' }, 'path'],
      ['documents.addFiles', { workspaceId: 1, paths: ['/tmp', '..'] }, 'paths.1'],
      ['settings.update', { modelsDir: 'models' }, 'modelsDir'],
      ['export.run', { format: 'mlx', name: 'v1', outDir: './out' }, 'outDir'],
    ];
    for (const [method, input, field] of cases) {
      const result = await app.raw(method, input);
      assert.ok(!result.ok && result.error.code === 'VALIDATION', `${method}: ${JSON.stringify(result)}`);
      assert.equal(result.error.params?.['field'], field);
      assert.match(result.error.message, /an absolute path is needed/);
      assert.ok(!result.error.message.includes(process.cwd()), 'the error does not name the working folder');
    }
    const nul = await app.raw('models.add', { path: '/tmp/model\u0000.gguf' });
    assert.ok(!nul.ok && nul.error.code === 'VALIDATION' && /U\+0000/.test(nul.error.message));
    // An absolute path that does not exist is the service's to judge, with its own error.
    const missing = await app.raw('models.add', { path: '/nonexistent/evaldesk/model.gguf' });
    assert.ok(!missing.ok && missing.error.code !== 'VALIDATION' && missing.error.code !== 'INTERNAL', JSON.stringify(missing));
  } finally {
    await app.close();
  }
});

test('absolute paths are recognised in POSIX and Windows forms without node:path', () => {
  for (const path of ['/', '/home/me/models', 'C:\\Models', 'c:/models', '\\\\server\\share\\model.gguf']) assert.ok(isAbsolutePath(path, null), path);
  for (const path of ['', '.', '..', 'models', './x', '~/models', 'C:', 'C:relative', '\\\\server', 'file:///etc']) assert.ok(!isAbsolutePath(path, null), path);
  // On a POSIX host the Windows forms are relative names; on Windows both forms are absolute.
  assert.ok(!isAbsolutePath('C:\\Models', 'posix') && !isAbsolutePath('\\\\server\\share', 'posix') && isAbsolutePath('/srv', 'posix'));
  assert.ok(isAbsolutePath('C:\\Models', 'windows') && isAbsolutePath('\\\\server\\share', 'windows') && isAbsolutePath('/srv', 'windows'));
});

test('a passage index past 32 bits is a VALIDATION error, not a failed vector query', async () => {
  const app = await openTestApp();
  try {
    const embedder = ensureTinyEmbedder();
    fs.cpSync(embedder.dir, path.join(app.dataDir, 'models', 'embeddings', embedder.name), { recursive: true });
    await app.call('settings.update', { embedder: seededEmbedderSpec });
    const workspace = await app.call('workspaces.create', { name: 'Passages' });
    const added = await app.call('documents.addText', { workspaceId: workspace.id, docId: 'note:1', title: 'Note', text: 'The notice period is thirty days.' });
    const documentId = added.document!.id;
    const past = await app.raw('documents.passage', { documentId, chunkIndex: 2 ** 31 });
    assert.ok(!past.ok && past.error.code === 'VALIDATION' && past.error.params?.['field'] === 'chunkIndex', JSON.stringify(past));
    const last = await app.raw('documents.passage', { documentId, chunkIndex: 2 ** 31 - 1 });
    assert.ok(!last.ok && last.error.code === 'NOT_FOUND', JSON.stringify(last));
    assert.equal((await app.call('documents.passage', { documentId, chunkIndex: 0 })).chunkIndex, 0);
  } finally {
    await app.close();
  }
});

test('the oracle flags INTERNAL, stack frames, malformed results and server paths the caller did not send', () => {
  const watch = createLeakWatch(['/srv/evaldesk/app']);
  const needles = watch.active();
  const answer = (body: unknown, status = 200) => ({ status, body: JSON.stringify(body) });
  const kinds = (body: unknown, sent = '{}') => checkAnswer(answer(body), sent, needles, true).map((p) => p.kind);

  assert.deepEqual(kinds({ ok: true, value: [] }), []);
  assert.deepEqual(kinds({ ok: false, error: { code: 'INTERNAL', message: 'Something unexpected went wrong.' } }), ['internal']);
  assert.deepEqual(kinds({ ok: false, error: { code: 'NOPE', message: 'x' } }), ['malformed']);
  assert.deepEqual(kinds({ ok: true }), ['malformed']);
  assert.deepEqual(kinds({ ok: false, error: { code: 'VALIDATION', message: 'Bad.\n    at parse (file:///srv/x/api.ts:12:5)' } }), ['stack', 'stack', 'stack']);
  assert.deepEqual(kinds({ ok: false, error: { code: 'NOT_FOUND', message: '/srv/evaldesk/app/models/x.gguf does not exist.' } }), ['leak', 'leak']);
  // What the caller sent may come back.
  assert.deepEqual(kinds({ ok: false, error: { code: 'NOT_FOUND', message: '/srv/evaldesk/app/x does not exist.' } }, '{"path":"/srv/evaldesk/app/x"}'), []);
  // Once the caller pointed the app at a folder holding the project, its files may be listed.
  watch.accepted('{"method":"settings.update","input":{"modelsDir":"/srv"}}', 7);
  assert.deepEqual(watch.active(), []);
  assert.deepEqual(watch.retired(), { '/srv/evaldesk/app': 7, '/srv/evaldesk': 7 });
});
