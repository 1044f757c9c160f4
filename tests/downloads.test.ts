import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createAppCore } from '../electron/core/app-core.ts';
import type { TransferTuning } from '../electron/services/downloads/download-service.ts';
import { openEmbedder } from '../electron/services/embeddings/embedder.ts';
import { closedPort, fixtureCatalog, publishFixtureModels, startFakeHub, type FakeHub } from './fixtures/fake-hub.ts';
import { ensureTinyEmbedder } from './fixtures/tiny-embedder.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { callAs, rejectsWithCode, tempDir } from './helpers/app.ts';

// The hub comes from the setting in these tests, never from the environment.
delete process.env['EVALDESK_HUB_URL'];

const { qwen, e5 } = fixtureCatalog;
const fixtures = await ensureFixtures();
const tinyEmbedder = ensureTinyEmbedder();
/** The real tiny GGUF is served under the catalog's file name, so the registered model is a real one. */
const ggufBytes = fs.readFileSync(fixtures.tinyChat);
const sha256 = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');
const ggufPath = `/${qwen.repo}/resolve/main/${qwen.file}`;

let hub: FakeHub;
before(async () => {
  hub = await startFakeHub();
  await publishFixtureModels(hub);
});
after(() => hub.close());

/** Resets the hub's misbehaviour and request log between tests. */
function resetHub() {
  hub.requests.length = 0;
  hub.bytesSent.clear();
  hub.dropOnceAt.clear();
  hub.stallOnceAt.clear();
  hub.statusFor.clear();
  hub.listedSha256.clear();
  hub.stallEverything = false;
  hub.slowChunkBytes = null;
}

/** A real app core on a fresh data folder whose hub setting points at `hubUrl`. */
async function openApp(tuning: Partial<TransferTuning> = {}, hubUrl = hub.url) {
  resetHub();
  const core = await createAppCore({
    dataDir: tempDir(),
    appVersion: '0.0.0-test',
    threads: 1,
    gpu: 'cpu',
    watchIntervalMs: 0,
    downloadTuning: { stallTimeoutMs: 1_000, retries: 0, retryDelayMs: 20, ...tuning },
  });
  const call = callAs(core, core.localCaller());
  const settings = await call('settings.update', { hubUrl });
  const progress: Array<{ jobId: string; kind: string; progress: number; detail?: string }> = [];
  core.events.subscribe((event, payload) => {
    if (event === 'job.progress') progress.push(payload as (typeof progress)[number]);
  });
  const item = async (id: string) => (await call('downloads.catalog', {})).find((entry) => entry.id === id)!;
  return { core, call, modelsDir: settings.modelsDir, progress, item, close: () => core.close() };
}

const fileRequests = () => hub.requests.filter((request) => request.path === ggufPath);

test('the catalog lists the curated models from disk alone: no network request', async () => {
  const app = await openApp();
  try {
    const fresh = await createAppCore({ dataDir: tempDir(), appVersion: '0.0.0-test', watchIntervalMs: 0 });
    assert.equal((await callAs(fresh, fresh.localCaller())('settings.get', {})).hubUrl, 'https://huggingface.co');
    await fresh.close();

    const catalog = await app.call('downloads.catalog', {});
    assert.deepEqual(
      catalog.map((entry) => [entry.id, entry.kind]),
      [
        ['qwen2.5-1.5b-instruct', 'chat'],
        ['llama-3.2-3b-instruct', 'chat'],
        ['exaone-3.5-2.4b-instruct', 'chat'],
        ['gemma-3-1b-it', 'chat'],
        ['multilingual-e5-small', 'embedder'],
      ],
    );
    for (const entry of catalog) {
      assert.equal(entry.state, 'not_installed');
      assert.equal(entry.bytesOnDisk, 0);
      assert.ok(entry.approxSizeBytes > 0 && entry.files.length > 0 && entry.description.length > 0);
    }
    assert.equal(hub.requests.length, 0, 'listing the catalog contacts nobody');
    await rejectsWithCode(app.call('downloads.start', { catalogId: 'no-such-model' }), 'NOT_FOUND');
    await rejectsWithCode(app.call('settings.update', { hubUrl: 'file:///etc/passwd' }), 'VALIDATION');
    assert.equal(hub.requests.length, 0);
  } finally {
    await app.close();
  }
});

test('a GGUF download is verified against the listed sha256, registered as a model, and not fetched twice', async () => {
  const app = await openApp();
  try {
    const result = await app.call('downloads.start', { catalogId: qwen.id });
    assert.equal(result.kind, 'chat');
    assert.equal(result.alreadyInstalled, false);
    assert.equal(result.bytesTransferred, ggufBytes.length);
    assert.equal(result.path, path.join(app.modelsDir, qwen.file));
    assert.equal(sha256(fs.readFileSync(result.path)), sha256(ggufBytes));
    assert.deepEqual(fs.readdirSync(app.modelsDir).sort(), [qwen.file], 'no staging folder or partial file is left behind');

    const model = (await app.call('models.list', {})).find((entry) => entry.id === (result.kind === 'chat' ? result.modelId : -1));
    assert.equal(model?.filePath, result.path);
    assert.equal(model?.architecture, 'llama');
    assert.equal(model?.hasChatTemplate, true);

    const downloads = app.progress.filter((event) => event.jobId === `download:${qwen.id}`);
    assert.ok(downloads.every((event) => event.kind === 'download'));
    assert.equal(downloads.at(-1)?.progress, 1);
    assert.ok(downloads.some((event) => event.detail === qwen.file));

    const item = await app.item(qwen.id);
    assert.equal(item.state, 'installed');
    assert.equal(item.bytesOnDisk, ggufBytes.length);
    assert.equal(item.modelId, model?.id);

    const requestsBefore = hub.requests.length;
    const again = await app.call('downloads.start', { catalogId: qwen.id });
    assert.equal(again.alreadyInstalled, true);
    assert.equal(again.kind === 'chat' && again.modelId, model?.id);
    assert.equal(hub.requests.length, requestsBefore, 'an installed model is not downloaded again');
  } finally {
    await app.close();
  }
});

test('a dropped connection fails the download, keeps the bytes, and the next start resumes with a Range request', async () => {
  const app = await openApp();
  try {
    hub.dropOnceAt.set(qwen.file, 200_000);
    const failure = await rejectsWithCode(app.call('downloads.start', { catalogId: qwen.id }), 'DOWNLOAD_FAILED');
    assert.equal(failure.params?.['reason'], 'interrupted');
    assert.equal(failure.params?.['file'], qwen.file);

    const partial = path.join(app.modelsDir, '.downloads', qwen.id, `${qwen.file}.partial`);
    const kept = fs.statSync(partial).size;
    assert.ok(kept > 0 && kept <= 200_000, `kept ${kept} bytes`);
    assert.ok(!fs.existsSync(path.join(app.modelsDir, qwen.file)), 'nothing appears under the final name before it is complete');
    const item = await app.item(qwen.id);
    assert.equal(item.state, 'partial');
    assert.ok(item.bytesOnDisk >= kept);

    const result = await app.call('downloads.start', { catalogId: qwen.id });
    const resumed = fileRequests().at(-1)!;
    assert.equal(resumed.range, `bytes=${kept}-`);
    assert.ok(resumed.ifRange, 'the range is guarded by the ETag the first response carried');
    assert.equal(result.resumedFromBytes, kept);
    assert.equal(result.bytesTransferred, ggufBytes.length - kept);
    assert.ok(hub.bytesSent.get(qwen.file)! < 2 * ggufBytes.length, 'the kept bytes were not sent again');
    assert.equal(sha256(fs.readFileSync(result.path)), sha256(ggufBytes));
  } finally {
    await app.close();
  }
});

test('jobs.cancel stops a download mid-file; starting again resumes from the kept bytes', async () => {
  const app = await openApp();
  try {
    hub.slowChunkBytes = 16_384;
    hub.slowIntervalMs = 10;
    const jobId = 'get-qwen';
    const stop = app.core.events.subscribe((event, payload) => {
      const { jobId: id, progress } = payload as { jobId: string; progress: number };
      if (event === 'job.progress' && id === jobId && progress > 0.3) void app.call('jobs.cancel', { jobId });
    });
    const cancelled = await rejectsWithCode(app.call('downloads.start', { catalogId: qwen.id, jobId }), 'CANCELLED');
    stop();
    assert.match(cancelled.message, /kept/);
    const item = await app.item(qwen.id);
    assert.equal(item.state, 'partial');
    assert.equal(item.downloading, false);
    const kept = fs.statSync(path.join(app.modelsDir, '.downloads', qwen.id, `${qwen.file}.partial`)).size;
    assert.ok(kept > 0.3 * ggufBytes.length && kept < ggufBytes.length, `kept ${kept} bytes`);

    hub.slowChunkBytes = null;
    const result = await app.call('downloads.start', { catalogId: qwen.id });
    assert.equal(fileRequests().at(-1)!.range, `bytes=${kept}-`);
    assert.equal(result.resumedFromBytes, kept);
    assert.ok(hub.bytesSent.get(qwen.file)! < 2 * ggufBytes.length);
    assert.equal(sha256(fs.readFileSync(result.path)), sha256(ggufBytes));
  } finally {
    await app.close();
  }
});

test('within one start, a broken connection is retried (bounded, with back-off) from where it stopped', async () => {
  const app = await openApp({ retries: 2 });
  try {
    hub.dropOnceAt.set(qwen.file, 150_000);
    const result = await app.call('downloads.start', { catalogId: qwen.id });
    const ranges = fileRequests().map((request) => request.range);
    assert.equal(ranges.length, 2);
    assert.equal(ranges[0], null);
    assert.match(ranges[1]!, /^bytes=\d+-$/);
    assert.equal(sha256(fs.readFileSync(result.path)), sha256(ggufBytes));

    // A server that keeps failing is given up on after `retries` more attempts, not retried forever.
    hub.setRepo('ggml-org/gemma-3-1b-it-GGUF', [{ path: 'gemma-3-1b-it-Q4_K_M.gguf', bytes: ggufBytes }]);
    hub.statusFor.set('gemma-3-1b-it-Q4_K_M.gguf', 503);
    const failure = await rejectsWithCode(app.call('downloads.start', { catalogId: 'gemma-3-1b-it' }), 'DOWNLOAD_FAILED');
    assert.deepEqual([failure.params?.['reason'], failure.params?.['status']], ['server_error', 503]);
    assert.equal(hub.requests.filter((request) => request.path.endsWith('/gemma-3-1b-it-Q4_K_M.gguf')).length, 3);
  } finally {
    await app.close();
  }
});

test('a checksum mismatch deletes the bytes and registers nothing', async () => {
  const app = await openApp();
  try {
    hub.listedSha256.set(qwen.file, 'f'.repeat(64));
    const failure = await rejectsWithCode(app.call('downloads.start', { catalogId: qwen.id }), 'CHECKSUM_MISMATCH');
    assert.equal(failure.params?.['expected'], 'f'.repeat(64));
    assert.equal(failure.params?.['actual'], sha256(ggufBytes));
    assert.ok(!fs.existsSync(path.join(app.modelsDir, qwen.file)));
    assert.ok(!fs.existsSync(path.join(app.modelsDir, '.downloads', qwen.id, `${qwen.file}.partial`)));
    assert.equal((await app.item(qwen.id)).state, 'not_installed');
    assert.deepEqual(await app.call('models.list', {}), []);
  } finally {
    await app.close();
  }
});

test('the embedder download installs a complete folder that openEmbedder loads', async () => {
  const app = await openApp();
  try {
    const result = await app.call('downloads.start', { catalogId: e5.id });
    assert.equal(result.kind === 'embedder' && result.embedderSpec, 'onnx:multilingual-e5-small');
    const folder = path.join(app.modelsDir, 'embeddings', 'multilingual-e5-small');
    assert.equal(result.path, folder);
    assert.deepEqual(fs.readdirSync(folder).sort(), ['config.json', 'onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    assert.deepEqual(fs.readdirSync(path.join(folder, 'onnx')), ['model_quantized.onnx']);
    assert.ok(!fs.existsSync(path.join(app.modelsDir, '.downloads', e5.id)), 'the staging folder became the installed folder');
    assert.ok(!hub.requests.some((request) => request.path.endsWith('README.md')), 'only the listed files are fetched');

    const embedder = await openEmbedder('onnx:multilingual-e5-small', { onnxDir: path.join(app.modelsDir, 'embeddings'), threads: 1 });
    try {
      assert.equal(embedder.dimensions, tinyEmbedder.dimensions);
      assert.equal((await embedder.embedQuery('연차 휴가 신청')).length, tinyEmbedder.dimensions);
    } finally {
      await embedder.dispose();
    }
    const item = await app.item(e5.id);
    assert.equal(item.state, 'installed');
    assert.equal(item.embedderSpec, 'onnx:multilingual-e5-small');
  } finally {
    await app.close();
  }
});

test('an interrupted embedder download leaves no half-installed folder; discard frees the kept bytes', async () => {
  const app = await openApp();
  try {
    hub.dropOnceAt.set('onnx/model_quantized.onnx', 1_000_000);
    await rejectsWithCode(app.call('downloads.start', { catalogId: e5.id }), 'DOWNLOAD_FAILED');
    assert.ok(!fs.existsSync(path.join(app.modelsDir, 'embeddings', 'multilingual-e5-small')));
    const item = await app.item(e5.id);
    assert.equal(item.state, 'partial');
    const discarded = await app.call('downloads.discard', { catalogId: e5.id });
    assert.equal(discarded.discarded, true);
    assert.equal(discarded.bytesFreed, item.bytesOnDisk);
    assert.equal((await app.item(e5.id)).state, 'not_installed');
    assert.deepEqual(await app.call('downloads.discard', { catalogId: e5.id }), { discarded: false, bytesFreed: 0 });
  } finally {
    await app.close();
  }
});

test('offline: connection refused is NETWORK_UNAVAILABLE at once, without retries or files', async () => {
  const app = await openApp({ retries: 3, retryDelayMs: 1_000 }, `http://127.0.0.1:${await closedPort()}`);
  try {
    const started = performance.now();
    const failure = await rejectsWithCode(app.call('downloads.start', { catalogId: qwen.id }), 'NETWORK_UNAVAILABLE');
    assert.ok(performance.now() - started < 900, 'no back-off pauses before saying the network is unavailable');
    assert.equal(failure.params?.['reason'], 'refused');
    assert.match(failure.message, /internet connection/);
    assert.ok(!fs.existsSync(path.join(app.modelsDir, '.downloads')));
  } finally {
    await app.close();
  }
});

test('a stalled server ends in a timeout error within the stall timeout, before or during the body', async () => {
  const app = await openApp({ stallTimeoutMs: 800 });
  try {
    hub.stallEverything = true;
    let started = performance.now();
    let failure = await rejectsWithCode(app.call('downloads.start', { catalogId: qwen.id }), 'DOWNLOAD_FAILED');
    let elapsed = performance.now() - started;
    assert.equal(failure.params?.['reason'], 'timeout');
    assert.ok(elapsed >= 700 && elapsed < 3_000, `gave up after ${Math.round(elapsed)} ms`);

    hub.stallEverything = false;
    hub.stallOnceAt.set(qwen.file, 100_000);
    started = performance.now();
    failure = await rejectsWithCode(app.call('downloads.start', { catalogId: qwen.id }), 'DOWNLOAD_FAILED');
    elapsed = performance.now() - started;
    assert.deepEqual([failure.params?.['reason'], failure.params?.['file']], ['timeout', qwen.file]);
    assert.ok(elapsed < 3_000, `gave up after ${Math.round(elapsed)} ms`);
    assert.equal((await app.item(qwen.id)).state, 'partial');
  } finally {
    await app.close();
  }
});

test('HTTP 404 is a clear DOWNLOAD_FAILED naming the file and the status', async () => {
  const app = await openApp({ retries: 3 });
  try {
    hub.statusFor.set(qwen.file, 404);
    const failure = await rejectsWithCode(app.call('downloads.start', { catalogId: qwen.id }), 'DOWNLOAD_FAILED');
    assert.deepEqual([failure.params?.['reason'], failure.params?.['status'], failure.params?.['file']], ['not_found', 404, qwen.file]);
    assert.equal(fileRequests().length, 1, 'a 404 is final, not retried');
  } finally {
    await app.close();
  }
});
