import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { openTestApp, rejectsWithCode, tempDir } from './helpers/app.ts';

const fixtures = await ensureFixtures();

test('registering a GGUF reads its metadata from the header without loading it', async () => {
  const app = await openTestApp();
  try {
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    assert.equal(model.displayName, 'tiny-llama-chat', 'named after the file, not the header');
    assert.equal(model.architecture, 'llama');
    assert.equal(model.quantization, 'ALL_F32');
    assert.equal(model.trainingContextLength, 2048);
    assert.equal(model.hasChatTemplate, true);
    assert.ok(model.parameterCount && model.parameterCount > 50_000 && model.parameterCount < 500_000, String(model.parameterCount));
    assert.equal(model.fileSize, fs.statSync(fixtures.tinyChat).size);
    assert.match(model.fingerprint, /^sha256-sampled:[0-9a-f]{64}$/);
    assert.equal(model.fileExists, true);
    assert.equal((await app.call('runtime.status', {})).state, 'idle', 'registration does not load the model');

    const plain = await app.call('models.add', { path: fixtures.tinyNoChat, displayName: 'Plain one' });
    assert.equal(plain.hasChatTemplate, false);
    assert.equal(plain.displayName, 'Plain one');
    assert.notEqual(plain.fingerprint, model.fingerprint);
    // Adding the same path again refreshes, never duplicates.
    assert.equal((await app.call('models.add', { path: fixtures.tinyChat })).id, model.id);
    assert.equal((await app.call('models.list', {})).length, 2);

    const updated = await app.call('models.update', { id: plain.id, patch: { version: '2', description: 'LoRA later', baseModelId: model.id } });
    assert.equal(updated.baseModelId, model.id);
    await rejectsWithCode(app.call('models.update', { id: plain.id, patch: { baseModelId: plain.id } }), 'VALIDATION');
  } finally {
    await app.close();
  }
});

test('broken model files get clear messages and are not registered', async () => {
  const app = await openTestApp();
  try {
    assert.match((await rejectsWithCode(app.call('models.add', { path: fixtures.notAModel }), 'MODEL_INVALID')).message, /not a GGUF model file/);
    assert.match((await rejectsWithCode(app.call('models.add', { path: fixtures.truncated }), 'MODEL_INVALID')).message, /truncated|damaged/);
    assert.match((await rejectsWithCode(app.call('models.add', { path: fixtures.unsupportedArch }), 'MODEL_UNSUPPORTED')).message, /evaldesk-unknown-arch/);
    await rejectsWithCode(app.call('models.add', { path: path.join(tempDir(), 'nope.gguf') }), 'MODEL_MISSING');
    await rejectsWithCode(app.call('models.add', { path: tempDir() }), 'MODEL_INVALID');
    assert.equal((await app.call('models.list', {})).length, 0);
  } finally {
    await app.close();
  }
});

test('scanning the models folder registers good files and reports each bad one', async () => {
  const app = await openTestApp();
  try {
    const modelsDir = tempDir('evaldesk-models-');
    fs.mkdirSync(path.join(modelsDir, 'nested'));
    fs.copyFileSync(fixtures.tinyChat, path.join(modelsDir, 'nested', 'chat.gguf'));
    fs.copyFileSync(fixtures.notAModel, path.join(modelsDir, 'broken.gguf'));
    fs.copyFileSync(fixtures.truncated, path.join(modelsDir, 'cut.GGUF'));
    fs.writeFileSync(path.join(modelsDir, 'notes.txt'), 'ignored');
    await app.call('settings.update', { modelsDir });
    const result = await app.call('models.scan', {});
    assert.deepEqual(result.added.map((m) => path.basename(m.filePath)), ['chat.gguf']);
    assert.deepEqual(result.failed.map((f) => [path.basename(f.path), f.code]).sort(), [['broken.gguf', 'MODEL_INVALID'], ['cut.GGUF', 'MODEL_INVALID']]);
    await rejectsWithCode(app.call('settings.update', { modelsDir: 'relative/dir' }), 'VALIDATION');
  } finally {
    await app.close();
  }
});

test('a model deleted after registration shows as missing and cannot be loaded', async () => {
  const app = await openTestApp();
  try {
    const copy = path.join(tempDir(), 'moved.gguf');
    fs.copyFileSync(fixtures.tinyChat, copy);
    const model = await app.call('models.add', { path: copy });
    fs.rmSync(copy);
    const [listed] = await app.call('models.list', {});
    assert.equal(listed!.fileExists, false);
    const error = await rejectsWithCode(app.call('runtime.load', { modelId: model.id }), 'MODEL_MISSING');
    assert.match(error.message, /does not exist/);
    assert.equal((await app.call('runtime.status', {})).state, 'idle');
  } finally {
    await app.close();
  }
});

test('a model too big for this machine is refused before llama.cpp touches it', async () => {
  const app = await openTestApp();
  try {
    const model = await app.call('models.add', { path: fixtures.tooBig });
    assert.ok(model.fileSize > 100 * 1024 ** 3, 'the sparse fixture declares over 100 GB');
    const error = await rejectsWithCode(app.call('runtime.load', { modelId: model.id }), 'MODEL_TOO_BIG');
    assert.match(error.message, /needs at least .* GB of memory/);
    const status = await app.call('runtime.status', {});
    assert.equal(status.state, 'failed');
    assert.equal(status.error?.code, 'MODEL_TOO_BIG');
    // The app keeps working: a model that fits loads afterwards.
    const small = await app.call('models.add', { path: fixtures.tinyChat });
    assert.equal((await app.call('runtime.load', { modelId: small.id })).state, 'loaded');
  } finally {
    await app.close();
  }
});

test('loading reports progress, backend and memory; unloading frees the model', async () => {
  const app = await openTestApp();
  try {
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const progress: number[] = [];
    const stop = app.core.events.subscribe((event, payload) => {
      if (event === 'job.progress') progress.push((payload as { progress: number }).progress);
    });
    const status = await app.call('runtime.load', { modelId: model.id });
    stop();
    assert.equal(status.state, 'loaded');
    assert.equal(status.modelId, model.id);
    assert.equal(status.backend, 'cpu');
    assert.equal(status.chatWrapper, 'ChatML', 'the ChatML template in the GGUF is recognised');
    assert.ok(status.modelBytes && status.modelBytes > 0);
    assert.ok(status.ram.processRss > 0);
    assert.equal(progress.at(-1), 1);
    const unloaded = await app.call('runtime.unload', {});
    assert.equal(unloaded.state, 'idle');
    assert.equal(unloaded.modelId, null);
  } finally {
    await app.close();
  }
});

test("the flash attention setting reaches llama.cpp's next context; a value it does not know is refused", async () => {
  const app = await openTestApp();
  try {
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    assert.equal((await app.call('settings.get', {})).flashAttention, 'auto', 'llama.cpp decides by default');
    await rejectsWithCode(app.call('settings.update', { flashAttention: 'yes' } as never), 'VALIDATION');
    const contextWith = async (flashAttention: 'on' | 'off') => {
      await app.call('settings.update', { flashAttention });
      await app.call('runtime.load', { modelId: model.id });
      const { context } = await app.core.internals!.runtime.acquireContext(model.id, 512);
      const value = context.flashAttention;
      await app.call('runtime.unload', {});
      return value;
    };
    assert.equal(await contextWith('off'), false);
    assert.equal(await contextWith('on'), true);
  } finally {
    await app.close();
  }
  // A front end's switch (--flash-attention) overrides the stored setting for its process.
  const pinned = await openTestApp({ flashAttention: 'off' });
  try {
    const model = await pinned.call('models.add', { path: fixtures.tinyChat });
    await pinned.call('settings.update', { flashAttention: 'on' });
    await pinned.call('runtime.load', { modelId: model.id });
    assert.equal((await pinned.core.internals!.runtime.acquireContext(model.id, 512)).context.flashAttention, false);
  } finally {
    await pinned.close();
  }
});

test('removing a model: forgotten when unused; hidden but kept for its logs when used; back when added again', async () => {
  const app = await openTestApp();
  try {
    const unused = await app.call('models.add', { path: fixtures.tinyNoChat });
    assert.deepEqual(await app.call('models.remove', { id: unused.id }), { removed: true, keptForHistory: false });
    assert.deepEqual((await app.call('models.list', {})).map((m) => m.id), []);

    const used = await app.call('models.add', { path: fixtures.tinyChat });
    const workspace = await app.call('workspaces.create', { name: 'w', maxTokens: 4, temperature: 0 });
    await app.call('runtime.load', { modelId: used.id });
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: used.id });
    const log = await app.call('chat.ask', { sessionId: session.id, question: 'hello', requestId: 'r' });
    assert.deepEqual(await app.call('models.remove', { id: used.id }), { removed: true, keptForHistory: true });
    assert.equal((await app.call('runtime.status', {})).modelId, null, 'unloaded first');
    assert.deepEqual((await app.call('models.list', {})).map((m) => m.id), []);
    const detail = await app.call('logs.get', { id: log.id });
    assert.equal(detail.modelName, used.displayName, 'the log keeps its model and its name');
    const again = await app.call('models.add', { path: fixtures.tinyChat });
    assert.equal(again.id, used.id);
    assert.equal(again.removedAt, null);
  } finally {
    await app.close();
  }
});
