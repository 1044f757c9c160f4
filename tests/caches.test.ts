/**
 * Caches that pay (issue 15): query embeddings (memory and cache_data, across restarts),
 * retrieval results (invalidated by any document change the user could see), the model's
 * evaluated prompt prefix kept between questions, and the setting that turns them all off.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLruCache } from '../electron/services/cache/lru.ts';
import { createCacheData } from '../electron/services/cache/cache-data.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { addUser, callAs, openTestApp, tempDir, type TestApp } from './helpers/app.ts';

const fixtures = await ensureFixtures();

test('the LRU keeps the most recently used within its capacity, and an entry past its time to live is a miss', () => {
  let clock = 0;
  const cache = createLruCache<string>({ capacity: 2, ttlMs: 100, now: () => clock });
  cache.set('a', 'A');
  cache.set('b', 'B');
  assert.equal(cache.get('a'), 'A');
  cache.set('c', 'C'); // b is the least recently used
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('c'), 'C');
  clock = 100;
  assert.equal(cache.get('a'), undefined, 'expired');
  assert.deepEqual(cache.stats(), { hits: 2, misses: 2, size: 1 });
});

test('cache_data: values expire, expired rows are purged, and they survive a restart', async () => {
  const dataDir = tempDir();
  // Start-up purges with the real clock: this clock runs from now.
  let clock = Date.now();
  let app: TestApp = await openTestApp({ dataDir });
  try {
    const store = createCacheData(app.core.internals!.db.db, { now: () => clock });
    await store.set('test', 'kept', Buffer.from('kept'), 60_000);
    await store.set('test', 'brief', Buffer.from('brief'), 1_000);
    clock += 2_000;
    assert.equal(await store.get('test', 'brief'), null, 'expired is a miss');
    assert.equal(await store.purgeExpired(), 1);
    await app.close();
    app = await openTestApp({ dataDir });
    const reopened = createCacheData(app.core.internals!.db.db, { now: () => clock });
    assert.equal(Buffer.from((await reopened.get('test', 'kept'))!).toString(), 'kept');
  } finally {
    await app.close();
  }
});

async function ragApp(dataDir?: string) {
  const app = await openTestApp(dataDir ? { dataDir } : {});
  await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
  return app;
}

test('a repeated question is neither embedded nor searched again; a document change, another user or caching off means a fresh search; embeddings survive a restart', async () => {
  const dataDir = tempDir();
  let app = await ragApp(dataDir);
  try {
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const workspace = await app.call('workspaces.create', { name: 'cached', temperature: 0, maxTokens: 4, contextSize: 1024, chunkSize: 48, chunkOverlap: 8, similarityThreshold: -1, topN: 3 });
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'policy:1', title: 'Leave', text: '연차휴가는 최소 사흘 전에 신청해야 합니다. 팀장의 승인이 필요합니다.' });
    await app.call('runtime.load', { modelId: model.id });
    const caches = () => app.core.internals!.caches;
    const ask = async (question: string) => {
      const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
      return app.call('chat.ask', { sessionId: session.id, question, requestId: crypto.randomUUID() });
    };

    const first = await ask('연차는 언제 신청하나요?');
    const before = { embeddings: caches().queryEmbeddings.stats(), retrievals: caches().retrievals.stats() };
    const second = await ask('연차는 언제 신청하나요?');
    assert.equal(caches().retrievals.stats().hits, before.retrievals.hits + 1, 'the retrieval was served from the cache');
    assert.deepEqual(second.sources, first.sources, 'the same passages');

    // A new document in the workspace: the same question is searched again and finds it.
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'policy:2', title: 'Expenses', text: '経費精算の締め日は毎月二十五日です。領収書の原本を添付してください。' });
    const afterChange = await ask('연차는 언제 신청하나요?');
    assert.equal(caches().retrievals.stats().hits, before.retrievals.hits + 1, 'no stale result after a document change');
    assert.ok(afterChange.sources.some((source) => source.docId === 'policy:2'), 'the new document is found');
    assert.equal(caches().queryEmbeddings.stats().hits, before.embeddings.hits + 1, 'the question itself was not embedded again');

    // Another user asking the same question gets a search of their own (what they may see differs).
    const other = callAs(app.core, await addUser(app, { username: 'kim', memberOf: [workspace.id] }));
    const theirs = await other('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const retrievalHits = caches().retrievals.stats().hits;
    await other('chat.ask', { sessionId: theirs.id, question: '연차는 언제 신청하나요?', requestId: 'kim-1' });
    assert.equal(caches().retrievals.stats().hits, retrievalHits, "no other user's cached result");

    // Caching off: every question is embedded and searched anew.
    await app.call('settings.update', { caching: false });
    const off = { embeddings: caches().queryEmbeddings.stats(), retrievals: caches().retrievals.stats() };
    await ask('연차는 언제 신청하나요?');
    assert.deepEqual([caches().queryEmbeddings.stats().hits, caches().retrievals.stats().hits], [off.embeddings.hits, off.retrievals.hits]);
    await app.call('settings.update', { caching: true });

    // After a restart the question's embedding comes from cache_data, not the embedder.
    await app.close();
    app = await ragApp(dataDir);
    await app.call('runtime.load', { modelId: model.id });
    await ask('연차는 언제 신청하나요?');
    assert.equal(caches().queryEmbeddings.stats().storeHits, 1);
  } finally {
    await app.close();
  }
});

test('the evaluated prompt prefix is kept for the next question: the second question evaluates fewer tokens, unless caching is off', async () => {
  const app = await openTestApp();
  try {
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const systemPrompt = Array.from({ length: 40 }, (_, i) => `Rule ${i + 1}: answer politely and cite the policy.`).join(' ');
    const workspace = await app.call('workspaces.create', { name: 'prefix', systemPrompt, temperature: 0, maxTokens: 4, contextSize: 2048, historyTurns: 0 });
    await app.call('runtime.load', { modelId: model.id });
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: model.id });
    const evaluatedFor = async (question: string) => {
      const sequence = () => app.core.internals!.runtime.internals().loaded!.lanes[0].sequences[0];
      const before = sequence()?.tokenMeter.usedInputTokens ?? 0;
      const log = await app.call('chat.ask', { sessionId: session.id, question, requestId: crypto.randomUUID() });
      return { evaluated: sequence()!.tokenMeter.usedInputTokens - before, prompt: log.promptTokens };
    };
    await evaluatedFor('First question?');
    const kept = await evaluatedFor('Second question?');
    assert.ok(kept.prompt > 200, `a long prompt (${kept.prompt} tokens)`);
    assert.ok(kept.evaluated < kept.prompt / 4, `only the new part is evaluated (${kept.evaluated} of ${kept.prompt})`);
    await app.call('settings.update', { caching: false });
    const cleared = await evaluatedFor('Third question?');
    assert.ok(cleared.evaluated >= cleared.prompt - 1, `the whole prompt is evaluated again (${cleared.evaluated} of ${cleared.prompt})`);
  } finally {
    await app.close();
  }
});
