import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openTestApp, rejectsWithCode, tempDir } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

interface Line {
  messages: Array<{ role: string; content: string }>;
}

function readJsonl(file: string): Line[] {
  const text = fs.readFileSync(file, 'utf8');
  return text === '' ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as Line);
}

test('MLX export: chat messages, right target per verdict, seeded split, manifest with hashes', async () => {
  const app = await openTestApp();
  try {
    // Verdict pattern 1,2,3,none; every 5th correction removed to make draft verdicts.
    seedLogs(app.core.internals!.db.raw, { logs: 200 });
    app.core.internals!.db.raw.prepare('UPDATE evaluations SET correct_answer = NULL WHERE evaluation > 1 AND log_id % 5 = 0').run();
    const outDir = path.join(tempDir(), 'mlx-set');
    const result = await app.call('export.run', { format: 'mlx', name: 'first', outDir, seed: 7, validRatio: 0.2, testRatio: 0.1 });

    assert.deepEqual(fs.readdirSync(outDir).sort(), ['manifest.json', 'test.jsonl', 'train.jsonl', 'valid.jsonl']);
    const manifest = JSON.parse(fs.readFileSync(path.join(outDir, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest, result.manifest);
    const train = readJsonl(path.join(outDir, 'train.jsonl'));
    const valid = readJsonl(path.join(outDir, 'valid.jsonl'));
    const test = readJsonl(path.join(outDir, 'test.jsonl'));
    assert.equal(train.length + valid.length + test.length, manifest.counts.total);
    assert.deepEqual(manifest.counts.perSplit, { train: train.length, valid: valid.length, test: test.length });
    assert.ok(valid.length > 0 && test.length > 0);
    for (const file of manifest.files) {
      const bytes = fs.readFileSync(path.join(outDir, file.name));
      assert.equal(file.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
      assert.equal(file.bytes, bytes.length);
    }
    // 150 evaluated logs: 50 of each verdict; 2s and 3s lose 10 each to missing corrections.
    assert.deepEqual(manifest.counts.perEvaluation, { '1': 50, '2': 40, '3': 40 });
    assert.deepEqual(manifest.skipped, { total: 20, reasons: { missing_correct_answer: 20 } });
    assert.equal(manifest.app.name, 'EvalDesk');
    assert.equal(manifest.seed, 7);

    for (const line of [...train, ...valid, ...test]) {
      assert.deepEqual(line.messages.map((m) => m.role), ['system', 'user', 'assistant']);
      assert.match(line.messages[0]!.content, /You answer questions for team/);
    }
    const all = [...train, ...valid, ...test];
    const targets = new Set(all.map((l) => l.messages[2]!.content));
    assert.ok([...targets].some((t) => t.startsWith('Corrected answer for')), 'verdicts 2/3 use the correct answer');
    assert.ok([...targets].some((t) => t.startsWith('Model answer number')), 'verdict 1 uses the model answer');

    // Same seed, same split; exporting does not change statuses.
    const again = await app.call('export.run', { format: 'mlx', name: 'second', seed: 7, validRatio: 0.2, testRatio: 0.1 });
    assert.deepEqual(again.manifest.counts.perSplit, manifest.counts.perSplit);
    assert.equal(fs.readFileSync(path.join(again.outDir, 'valid.jsonl'), 'utf8'), fs.readFileSync(path.join(outDir, 'valid.jsonl'), 'utf8'));
    assert.equal((await app.call('logs.count', { filters: { status: 2 } })).total, 0);

    // Marking trained is its own step, and records the dataset.
    const marked = await app.call('export.markTrained', { datasetId: result.datasetId });
    assert.equal(marked.updated, manifest.counts.total);
    const row = app.core.internals!.db.raw.prepare('SELECT count(*) AS n FROM evaluations WHERE status = 2 AND trained_dataset_id = ?').get(result.datasetId) as { n: number };
    assert.equal(row.n, manifest.counts.total);
    assert.equal((await app.call('datasets.list', {})).find((d) => d.id === result.datasetId)?.markedTrainedAt !== null, true);
  } finally {
    await app.close();
  }
});

test('valid.jsonl is never empty, even when the seeded split puts nothing there', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 3, verdict: () => 1 });
    const result = await app.call('export.run', { format: 'mlx', name: 'tiny', seed: 1, validRatio: 0.01 });
    assert.deepEqual(result.manifest.counts.perSplit, { train: 2, valid: 1 });
    assert.equal(readJsonl(path.join(result.outDir, 'valid.jsonl')).length, 1);
    assert.equal(readJsonl(path.join(result.outDir, 'train.jsonl')).length, 2);
    const items = app.core.internals!.db.raw.prepare('SELECT split, count(*) AS n FROM dataset_items GROUP BY split ORDER BY split').all();
    assert.deepEqual(items, [{ split: 'train', n: 2 }, { split: 'valid', n: 1 }]);
  } finally {
    await app.close();
  }
});

test('OpenAI export writes training and validation files of chat messages', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 40 });
    const result = await app.call('export.run', { format: 'openai', name: 'oa', filters: { evaluations: [2, 3], priorities: [1] } });
    assert.deepEqual(fs.readdirSync(result.outDir).sort(), ['manifest.json', 'training.jsonl', 'validation.jsonl']);
    const lines = [...readJsonl(path.join(result.outDir, 'training.jsonl')), ...readJsonl(path.join(result.outDir, 'validation.jsonl'))];
    assert.ok(lines.length > 0);
    assert.ok(lines.every((l) => l.messages.at(-1)!.content.startsWith('Corrected answer')));
    assert.equal(result.manifest.counts.perEvaluation['1'], 0);
  } finally {
    await app.close();
  }
});

test('export errors: nothing matches, folder not writable, folder not empty, cancelled — and nothing is left behind', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 20 });
    const empty = await rejectsWithCode(app.call('export.run', { format: 'mlx', name: 'none', filters: { workspaceId: 99 } }), 'EXPORT_EMPTY');
    assert.match(empty.message, /No evaluated answers match/);

    const base = tempDir();
    const blocker = path.join(base, 'a-file');
    fs.writeFileSync(blocker, 'not a folder');
    const notWritable = await rejectsWithCode(app.call('export.run', { format: 'mlx', name: 'x', outDir: path.join(blocker, 'inside') }), 'EXPORT_NOT_WRITABLE');
    assert.match(notWritable.message, /cannot write to|is a file/);
    await rejectsWithCode(app.call('export.run', { format: 'mlx', name: 'x', outDir: blocker }), 'EXPORT_NOT_WRITABLE');

    const readOnly = path.join(base, 'read-only');
    fs.mkdirSync(readOnly);
    fs.chmodSync(readOnly, 0o500);
    if (process.getuid?.() !== 0) {
      await rejectsWithCode(app.call('export.run', { format: 'mlx', name: 'x', outDir: path.join(readOnly, 'set') }), 'EXPORT_NOT_WRITABLE');
    }

    const busy = path.join(base, 'busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'keep.txt'), 'user file');
    await rejectsWithCode(app.call('export.run', { format: 'mlx', name: 'x', outDir: busy }), 'CONFLICT');
    assert.equal(fs.readFileSync(path.join(busy, 'keep.txt'), 'utf8'), 'user file');

    await rejectsWithCode(app.call('export.run', { format: 'mlx', name: 'x', outDir: 'relative/path' }), 'VALIDATION');
    const badName = await app.raw('export.run', { format: 'mlx', name: '../../escape' });
    assert.equal(badName.ok, false);

    // Cancel from the first progress event: the staging folder and dataset row disappear.
    const target = path.join(base, 'cancelled');
    const stop = app.core.events.subscribe((event, payload) => {
      if (event === 'job.progress' && (payload as { jobId: string }).jobId === 'export-1') void app.call('jobs.cancel', { jobId: 'export-1' });
    });
    await rejectsWithCode(app.call('export.run', { format: 'mlx', name: 'cancel', outDir: target, jobId: 'export-1' }), 'CANCELLED');
    stop();
    assert.equal(fs.existsSync(target), false);
    assert.deepEqual(fs.readdirSync(base).filter((n) => n.includes('partial')), []);
    assert.equal((await app.call('datasets.list', {})).length, 0);
  } finally {
    await app.close();
  }
});

test('an MLX split smaller than mlx-lm\'s batch size is a warning in the manifest, with a --batch-size that works', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 12, verdict: () => 1 });
    const small = await app.call('export.run', { format: 'mlx', name: 'small', outDir: path.join(tempDir(), 'small'), validRatio: 0.1 });
    const { perSplit } = small.manifest.counts;
    const valid = perSplit['valid']!;
    assert.ok(valid < 4, `valid has ${valid} rows`);
    assert.deepEqual(small.manifest.warnings, [{ code: 'MLX_SPLIT_BELOW_BATCH_SIZE', split: 'valid', rows: valid, batchSize: 4, suggestedBatchSize: valid }]);
    const openai = await app.call('export.run', { format: 'openai', name: 'small-openai', outDir: path.join(tempDir(), 'small-openai') });
    assert.deepEqual(openai.manifest.warnings, [], 'only MLX has the batch-size rule');
  } finally {
    await app.close();
  }
});
