/**
 * Model versions (issue 12): a trained adapter registered as a version of its base, with its
 * lineage and its dataset; the dataset's evaluations become "trained into" the version.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ensureLoraFixtures, peftConfig } from './fixtures/tiny-lora.ts';
import { openTestApp, rejectsWithCode, tempDir } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

const lora = await ensureLoraFixtures();

test('registering adapters as versions: lineage, the dataset linked and its evaluations trained into the version', async () => {
  const app = await openTestApp();
  try {
    const base = await app.call('models.add', { path: lora.base });
    seedLogs(app.core.internals!.db.raw, { logs: 40 });
    const dataset = await app.call('export.run', { format: 'mlx', name: 'round-1', outDir: path.join(tempDir(), 'round-1') });

    const v1 = await app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.peft, datasetId: dataset.datasetId, trainer: 'mlx_lm.lora', hyperparameters: { iters: 600, learningRate: 1e-5 }, trainedAt: '2026-11-20' });
    assert.equal(v1.parentVersionId, null);
    assert.equal(v1.datasetName, 'round-1');
    assert.equal(v1.adapters.length, 1);
    assert.equal(v1.adapters[0]!.format, 'peft');
    assert.equal(v1.adapters[0]!.scale, 1);
    assert.equal(v1.baseFingerprint, base.fingerprint);
    assert.equal(v1.hyperparameters['iters'], 600);
    assert.equal(v1.hyperparameters['rank'], '4', 'what the adapter says is recorded too');
    assert.equal(v1.trainedEvaluations, dataset.manifest.counts.total, 'every exported evaluation was trained into v1');
    const raw = app.core.internals!.db.raw;
    assert.equal(raw.prepare('SELECT count(*) FROM evaluations WHERE trained_version_id = ? AND status = 2').pluck().get(v1.id), dataset.manifest.counts.total);
    assert.ok((await app.call('datasets.list', {})).find((d) => d.id === dataset.datasetId)?.markedTrainedAt);

    const v2 = await app.call('versions.register', { baseModelId: base.id, name: 'v2', parentVersionId: v1.id, adapterPath: lora.mlx, scale: 0.5 });
    assert.equal(v2.parentVersionId, v1.id);
    assert.deepEqual((await app.call('versions.list', { baseModelId: base.id })).map((v) => [v.name, v.parentVersionId]), [['v1', null], ['v2', v1.id]]);

    await rejectsWithCode(app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.gguf }), 'CONFLICT');
  } finally {
    await app.close();
  }
});

test('an adapter naming another base model is registered only when confirmed; a wrong one never, and nothing is half-registered', async () => {
  const app = await openTestApp();
  try {
    const base = await app.call('models.add', { path: lora.base });
    const other = path.join(tempDir(), 'peft-other-name');
    fs.cpSync(lora.peft, other, { recursive: true });
    fs.writeFileSync(path.join(other, 'adapter_config.json'), JSON.stringify(peftConfig({ base_model_name_or_path: 'someone/another-model-7b' })));
    const unconfirmed = await rejectsWithCode(app.call('versions.register', { baseModelId: base.id, name: 'maybe', adapterPath: other }), 'CONFLICT');
    assert.equal(unconfirmed.params?.['reason'], 'confirm_base_name');
    assert.equal(unconfirmed.params?.['declared'], 'someone/another-model-7b');
    assert.deepEqual(await app.call('versions.list', {}), []);
    const confirmed = await app.call('versions.register', { baseModelId: base.id, name: 'maybe', adapterPath: other, confirmBaseName: true });
    assert.equal(confirmed.name, 'maybe');

    const wrong = await rejectsWithCode(app.call('versions.register', { baseModelId: base.id, name: 'wrong', adapterPath: lora.peftOtherShapes, confirmBaseName: true }), 'ADAPTER_MISMATCH');
    assert.equal(wrong.params?.['reason'], 'tensor_shape');
    await rejectsWithCode(app.call('versions.register', { baseModelId: base.id, name: 'child', parentVersionId: 999, adapterPath: lora.gguf }), 'NOT_FOUND');
    await rejectsWithCode(app.call('versions.register', { baseModelId: base.id, name: 'no-dataset', datasetId: 999, adapterPath: lora.gguf }), 'NOT_FOUND');
    const raw = app.core.internals!.db.raw;
    assert.equal(raw.prepare('SELECT count(*) FROM model_versions').pluck().get(), 1);
    assert.equal(raw.prepare('SELECT count(*) FROM fine_tune_jobs').pluck().get(), 1);
  } finally {
    await app.close();
  }
});
