import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestApp } from './helpers/app.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { openTestApp, rejectsWithCode } from './helpers/app.ts';

const fixtures = await ensureFixtures();

async function chatApp(workspace: { maxTokens?: number; temperature?: number; contextSize?: number; historyTurns?: number; systemPrompt?: string } = {}) {
  const app = await openTestApp();
  const model = await app.call('models.add', { path: fixtures.tinyChat });
  const ws = await app.call('workspaces.create', { name: 'Legal PoC', systemPrompt: 'You are the legal team assistant.', temperature: 0, maxTokens: 24, contextSize: 512, historyTurns: 2, ...workspace });
  await app.call('runtime.load', { modelId: model.id });
  const session = await app.call('sessions.start', { workspaceId: ws.id, modelId: model.id });
  return { app, model, workspace: ws, session };
}

function collectTokens(app: TestApp, requestId: string, onToken?: (count: number) => void) {
  const chunks: string[] = [];
  const stop = app.core.events.subscribe((event, payload) => {
    const token = payload as { requestId: string; text: string };
    if (event === 'chat.token' && token.requestId === requestId) {
      chunks.push(token.text);
      onToken?.(chunks.length);
    }
  });
  return { chunks, stop };
}

test('an answer streams token by token and is logged with its measurements', async () => {
  const { app, session, workspace } = await chatApp();
  try {
    const { chunks, stop } = collectTokens(app, 'r1');
    const log = await app.call('chat.ask', { sessionId: session.id, question: 'What is the notice period? 해지 통보 기간은?', requestId: 'r1' });
    stop();
    assert.ok(chunks.length >= 2, `expected several streamed chunks, got ${chunks.length}`);
    assert.equal(chunks.join(''), log.answer);
    assert.ok(['finished', 'max_tokens'].includes(log.stopReason));
    assert.ok(log.completionTokens > 0 && log.completionTokens <= 24);
    assert.ok(log.promptTokens > 10, `prompt tokens ${log.promptTokens}`);
    assert.ok(log.timeToFirstTokenMs !== null && log.timeToFirstTokenMs >= 0);
    assert.ok(log.completionTokens < 2 || (log.tokensPerSecond !== null && log.tokensPerSecond > 0));
    assert.equal(log.workspaceId, workspace.id);
    const detail = await app.call('logs.get', { id: log.id });
    assert.equal(detail.systemPromptSnapshot, 'You are the legal team assistant.');
    assert.deepEqual((await app.call('chat.history', { sessionId: session.id })).map((l) => l.id), [log.id]);

    // The session froze the prompt and settings: editing the workspace does not change it.
    await app.call('workspaces.update', { id: workspace.id, patch: { systemPrompt: 'Changed', maxTokens: 99 } });
    const again = await app.call('sessions.get', { id: session.id });
    assert.equal(again.systemPromptSnapshot, 'You are the legal team assistant.');
    assert.equal(again.settingsSnapshot.maxTokens, 24);

    // Same question, temperature 0, same history: the second answer is deterministic too.
    const second = await app.call('chat.ask', { sessionId: session.id, question: 'And in Japanese? 日本語では？', requestId: 'r2' });
    assert.ok(second.promptTokens > log.promptTokens, 'history is part of the prompt');
  } finally {
    await app.close();
  }
});

test('stopping mid-stream keeps the partial answer, marked as stopped', async () => {
  const { app, session } = await chatApp({ maxTokens: 400, temperature: 0 });
  try {
    const { chunks, stop } = collectTokens(app, 'long', (count) => {
      if (count === 3) void app.call('chat.stop', { requestId: 'long' });
    });
    const log = await app.call('chat.ask', { sessionId: session.id, question: 'Write a long essay about contracts.', requestId: 'long' });
    stop();
    // Temperature 0 makes the answer deterministic: without the stop it runs to 400 tokens.
    assert.equal(log.stopReason, 'stopped');
    assert.ok(log.answer.length > 0 && log.answer === chunks.join(''), 'the partial answer is kept');
    assert.ok(log.completionTokens >= 3 && log.completionTokens < 400);
    assert.deepEqual(await app.call('chat.stop', { requestId: 'long' }), { stopped: false });
    // The model keeps working after a stop.
    const next = await app.call('chat.ask', { sessionId: session.id, question: 'Short one', requestId: 'after' });
    assert.ok(next.completionTokens > 0);
  } finally {
    await app.close();
  }
});

test('empty and over-long questions are refused with clear messages and nothing is logged', async () => {
  const { app, session } = await chatApp({ contextSize: 256 });
  try {
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, question: '   \n ', requestId: 'e' }), 'EMPTY_INPUT');
    const long = '계약 해지 조항에 대해 설명해 주세요. '.repeat(60);
    const overflow = await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, question: long, requestId: 'o' }), 'CONTEXT_OVERFLOW');
    assert.match(overflow.message, /tokens long, but this session's context holds 256 tokens/);
    const tooLarge = await app.raw('chat.ask', { sessionId: session.id, question: 'x'.repeat(200_001), requestId: 'x' });
    assert.equal(tooLarge.ok, false);
    assert.equal((await app.call('chat.history', { sessionId: session.id })).length, 0);
  } finally {
    await app.close();
  }
});

test('asking without a loaded model, or in an ended session, says what to do', async () => {
  const { app, session } = await chatApp();
  try {
    await app.call('runtime.unload', {});
    const notLoaded = await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, question: 'Hi', requestId: 'n' }), 'MODEL_NOT_LOADED');
    assert.match(notLoaded.message, /Load it on the Models screen/);
    await app.call('sessions.end', { id: session.id });
    await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, question: 'Hi', requestId: 'n2' }), 'CONFLICT');
    await rejectsWithCode(app.call('chat.ask', { sessionId: 999, question: 'Hi', requestId: 'n3' }), 'NOT_FOUND');
  } finally {
    await app.close();
  }
});

test('when the runtime fails mid-stream the partial answer is logged as an error and the app recovers', async () => {
  const { app, session, model } = await chatApp({ maxTokens: 400, temperature: 0 });
  try {
    let killed = false;
    const { stop } = collectTokens(app, 'crash', (count) => {
      if (count === 2 && !killed) {
        killed = true;
        // A real failure of the llama.cpp objects under a running generation.
        void app.core.internals!.runtime.internals().loaded!.model.dispose();
      }
    });
    const log = await app.call('chat.ask', { sessionId: session.id, question: 'Tell me everything.', requestId: 'crash' });
    stop();
    assert.ok(killed);
    assert.equal(log.stopReason, 'error');
    assert.ok(log.errorMessage && log.errorMessage.length > 0);
    assert.equal((await app.call('logs.get', { id: log.id })).log.stopReason, 'error');

    const failed = await rejectsWithCode(app.call('chat.ask', { sessionId: session.id, question: 'Still there?', requestId: 'after' }), 'MODEL_NOT_LOADED');
    assert.match(failed.message, /Load it/);
    assert.equal((await app.call('runtime.status', {})).state, 'failed');
    await app.call('runtime.load', { modelId: model.id });
    const recovered = await app.call('chat.ask', { sessionId: session.id, question: 'Still there?', requestId: 'after2' });
    assert.ok(recovered.completionTokens > 0);
  } finally {
    await app.close();
  }
});

test('unloading during a generation stops it first and logs what was produced', async () => {
  const { app, session } = await chatApp({ maxTokens: 400, temperature: 0 });
  try {
    let unloading: Promise<unknown> | null = null;
    const { stop } = collectTokens(app, 'unload', (count) => {
      if (count === 1) unloading = app.call('runtime.unload', {});
    });
    const log = await app.call('chat.ask', { sessionId: session.id, question: 'Go on and on.', requestId: 'unload' });
    stop();
    assert.ok(unloading, 'the unload started during the generation');
    await unloading;
    assert.ok(['stopped', 'finished'].includes(log.stopReason), log.stopReason);
    assert.equal((await app.call('runtime.status', {})).state, 'idle');
  } finally {
    await app.close();
  }
});
