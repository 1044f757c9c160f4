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
import { resolvePromptFormat } from '../electron/services/runtime/chat-template.ts';
import { buildPromptTokens } from '../electron/services/chat/prompt-tokens.ts';
import { generateFromTokens } from '../electron/services/chat/token-generation.ts';
import type { LlamaContextSequence } from 'node-llama-cpp';

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

test('a version switch replaces the adapters of the live context: the same tokens as a context created with the adapter, and back; a refused adapter leaves the context as it was', async () => {
  const app = await openTestApp();
  try {
    const base = await app.call('models.add', { path: lora.base });
    const version = await app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.gguf, confirmBaseName: true });
    const adapters = [{ filePath: version.adapters[0]!.filePath, scale: 1 }];
    await app.call('runtime.load', { modelId: base.id });
    const runtime = app.core.internals!.runtime;
    const model = runtime.internals().loaded!.model;
    const format = resolvePromptFormat(model);
    assert.equal(format.rule, 'jinja-whole-text');
    if (format.rule !== 'jinja-whole-text') return;
    const prompt = buildPromptTokens(model, format.template, [{ role: 'user', content: 'Which notice period applies to this contract?' }]).tokens;
    const greedy = async (sequence: LlamaContextSequence) =>
      (await generateFromTokens(sequence, prompt, { maxTokens: 24, temperature: 0, signal: new AbortController().signal, stopTokens: format.stopTokens, onToken: () => {}, onText: () => {} })).tokens;
    /** What a context created for the purpose generates: the reference. */
    const fresh = async (withAdapter: boolean) => {
      const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1, ...(withAdapter && { lora: { adapters } }) });
      try {
        return await greedy(context.getSequence());
      } finally {
        await context.dispose();
      }
    };
    const baseReference = await fresh(false);
    const versionReference = await fresh(true);
    assert.notDeepEqual(versionReference, baseReference, 'the adapter changes the greedy answer');

    const onBase = await runtime.acquireContext(base.id, 512, []);
    assert.deepEqual(await greedy(onBase.sequence), baseReference);
    const onVersion = await runtime.acquireContext(base.id, 512, adapters);
    assert.equal(onVersion.context, onBase.context, 'the same context: no new KV cache');
    assert.equal(onVersion.sequence.nextTokenIndex, 0, 'what the base evaluated is cleared');
    assert.deepEqual(await greedy(onVersion.sequence), versionReference, 'the same tokens as a context created with the adapter');
    assert.equal((await runtime.status()).adapters?.length, 1, 'the status bar shows the applied adapter');
    const backOnBase = await runtime.acquireContext(base.id, 512, []);
    assert.equal(backOnBase.context, onBase.context);
    assert.deepEqual(await greedy(backOnBase.sequence), baseReference, 'and the base again');
    assert.deepEqual((await runtime.status()).adapters, []);

    // A truncated adapter (not registered: handed to the runtime directly) is refused with
    // llama.cpp's reason, and the context goes on as the base with what it had evaluated.
    const truncated = path.join(tempDir(), 'truncated.gguf');
    const bytes = fs.readFileSync(adapters[0]!.filePath);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const refused = await rejectsWithCode(runtime.acquireContext(base.id, 512, [{ filePath: truncated, scale: 1 }]), 'ADAPTER_INVALID');
    assert.equal(refused.params?.['reason'], 'runtime_refused');
    assert.match(String(refused.params?.['detail']), /bounds|truncat|size|failed/i);
    const after = await runtime.acquireContext(base.id, 512, []);
    assert.equal(after.context, onBase.context);
    assert.ok(after.sequence.nextTokenIndex > 0, 'the base\'s evaluated tokens were kept');
    assert.deepEqual(await greedy(after.sequence), baseReference);
  } finally {
    await app.close();
  }
});

test('asking a version applies its adapters on the loaded base; the base answers as before; a missing adapter or a changed base says so', async () => {
  const app = await openTestApp();
  try {
    const baseCopy = path.join(tempDir(), 'base.gguf');
    fs.copyFileSync(lora.base, baseCopy);
    const base = await app.call('models.add', { path: baseCopy });
    const version = await app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.peft, confirmBaseName: true });
    const workspace = await app.call('workspaces.create', { name: 'v', temperature: 0, maxTokens: 16, contextSize: 512, historyTurns: 0 });
    await app.call('runtime.load', { modelId: base.id });

    const ask = async (versionId: number | null) => {
      const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId });
      assert.equal(session.versionId, versionId);
      return (await app.call('chat.ask', { sessionId: session.id, question: 'Tell me about the notice period.', requestId: `q-${versionId}-${Math.random()}` })).answer;
    };
    const baseAnswer = await ask(null);
    const versionAnswer = await ask(version.id);
    assert.notEqual(versionAnswer, baseAnswer, 'the adapter changes the greedy answer');
    assert.equal(await ask(null), baseAnswer, 'back on the base alone');
    assert.deepEqual((await app.call('runtime.status', {})).adapters, []);
    assert.equal(await ask(version.id), versionAnswer, 'and the version again');
    assert.equal((await app.call('runtime.status', {})).adapters?.length, 1, 'the status bar shows the applied adapter');

    // Scale 0 in a session of the version gives the base's answer.
    const zero = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId: version.id, adapterScale: 0 });
    assert.equal(zero.adapterScale, 0);
    assert.equal((await app.call('chat.ask', { sessionId: zero.id, question: 'Tell me about the notice period.', requestId: 'zero' })).answer, baseAnswer);

    // Logs, their filters and exports know the version.
    const ofVersion = await app.call('logs.query', { filters: { versionId: version.id } });
    assert.equal(ofVersion.rows.length, 3, 'two asks of v1 and the scale-0 session');
    assert.ok(ofVersion.rows.every((row) => row.versionName === 'v1'));
    const ofBase = await app.call('logs.query', { filters: { versionId: 0 } });
    assert.equal(ofBase.rows.length, 2);
    assert.ok(ofBase.rows.every((row) => row.versionName === null));
    assert.equal((await app.call('logs.get', { id: ofVersion.rows[0]!.id })).versionName, 'v1');
    for (const row of ofVersion.rows) await app.call('evaluations.save', { logId: row.id, evaluation: 1 });
    for (const row of ofBase.rows) await app.call('evaluations.save', { logId: row.id, evaluation: 1 });
    const exported = await app.call('export.run', { format: 'openai', name: 'v1-only', outDir: path.join(tempDir(), 'v1-only'), filters: { versionId: version.id }, dedupeQuestions: false });
    assert.equal(exported.manifest.counts.total, 3);

    // The adapter file disappears from the data folder: asking says so instead of answering as the base.
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId: version.id });
    fs.renameSync(version.adapters[0]!.filePath, `${version.adapters[0]!.filePath}.moved`);
    const missing = await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, question: 'hello', requestId: 'missing' }), 'ADAPTER_INVALID');
    assert.equal(missing.params?.['reason'], 'adapter_missing');
    fs.renameSync(`${version.adapters[0]!.filePath}.moved`, version.adapters[0]!.filePath);

    // The base file is replaced (same shapes, other bytes): the version cannot start a session.
    await app.call('runtime.unload', {});
    const bytes = fs.readFileSync(baseCopy);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    fs.writeFileSync(baseCopy, bytes);
    const changed = await rejectsWithCode(app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId: version.id }), 'ADAPTER_MISMATCH');
    assert.equal(changed.params?.['reason'], 'base_changed');
  } finally {
    await app.close();
  }
});
