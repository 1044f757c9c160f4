/**
 * When queued tokens are decoded (electron/services/runtime/decode-schedule.ts): at once when
 * every generating sequence has its token queued, otherwise on the library's next cycle. Checked
 * on a fake queue and then on a real llama.cpp context of the fixture model, where the schedule
 * reads node-llama-cpp's own queue: one answer on a four-sequence context is decoded at once
 * every time, two answers together wait for each other, and the tokens are the same either way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getLlama, type LlamaContext, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { generateFromTokens } from '../electron/services/chat/token-generation.ts';
import { decodeWhenAllGenerating, trackGeneration } from '../electron/services/runtime/decode-schedule.ts';
import { ensureFixtures } from './fixtures/tiny-models.ts';

const fakeContext = () => ({ _queuedDecodeSequenceIds: new Set<number>() }) as unknown as LlamaContext & { _queuedDecodeSequenceIds: Set<number> };
const onContext = (context: LlamaContext) => ({ context }) as unknown as LlamaContextSequence;
const microtasks = async (count: number) => {
  for (let i = 0; i < count; i++) await Promise.resolve();
};

test('a decode starts at once when every generating answer has queued, after a few microtasks otherwise, at the latest on the next cycle', async () => {
  const context = fakeContext();
  const queued = context._queuedDecodeSequenceIds;
  const schedule = decodeWhenAllGenerating(() => context);
  let dispatched = 0;
  const dispatch = () => void dispatched++;

  queued.add(0);
  schedule(dispatch);
  assert.equal(dispatched, 1, 'nothing generating: at once');

  const first = trackGeneration(onContext(context));
  const second = trackGeneration(onContext(context));
  schedule(dispatch);
  assert.equal(dispatched, 1, 'one of two generating answers queued: waits');
  queued.add(1);
  await microtasks(3);
  assert.equal(dispatched, 2, 'the other queued a few microtasks later: decoded then');

  queued.delete(1);
  schedule(dispatch);
  await microtasks(100);
  assert.equal(dispatched, 2, 'still waiting after the microtask turns…');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(dispatched, 3, '…but no longer than the next cycle');

  second.end();
  second.end();
  schedule(dispatch);
  assert.equal(dispatched, 4, 'an ended answer no longer counts (and ending twice counts once)');
  first.end();

  const unknown = decodeWhenAllGenerating(() => ({}) as LlamaContext);
  unknown(dispatch);
  assert.equal(dispatched, 4, 'a library without the queue gets its default schedule');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(dispatched, 5);
});

test('answers take their tokens in turns: alone nobody waits, together each waits for the others, an ending answer or a stuck one never blocks the rest', { timeout: 10_000 }, async () => {
  const context = fakeContext();
  const a = trackGeneration(onContext(context));
  assert.equal(a.nextToken(), undefined, 'alone: no waiting');

  const b = trackGeneration(onContext(context));
  assert.equal(a.nextToken(), undefined, 'b has not produced a token yet (its prompt is evaluated): a goes on');

  // b's first token: from now on both take turns; the first to arrive waits for the other.
  let resumed = false;
  const bWaits = b.nextToken();
  assert.ok(bWaits instanceof Promise, 'b has its token, a not yet: b waits');
  void bWaits.then(() => (resumed = true));
  await microtasks(5);
  assert.equal(resumed, false, 'b waits for a');
  assert.equal(a.nextToken(), undefined, 'the last to arrive goes on at once…');
  await microtasks(1);
  assert.equal(resumed, true, '…and lets the others go');

  // An answer that ends lets the waiting ones go.
  resumed = false;
  void a.nextToken()!.then(() => (resumed = true));
  b.end();
  await microtasks(1);
  assert.equal(resumed, true, 'b ended: a is not kept waiting');
  assert.equal(a.nextToken(), undefined, 'alone again');

  // A member that never comes back (stuck outside its loop) holds the others for at most two seconds.
  const c = trackGeneration(onContext(context));
  const cFirst = c.nextToken();
  assert.ok(cFirst instanceof Promise, 'c joins and waits for a');
  assert.equal(a.nextToken(), undefined);
  await cFirst;
  const started = performance.now();
  await a.nextToken();
  const waited = performance.now() - started;
  assert.ok(waited >= 1_900 && waited < 4_000, `released by the watchdog after ${Math.round(waited)} ms`);
  a.end();
  c.end();
});

test("on a real context the schedule reads node-llama-cpp's queue: one answer decodes at once, two wait for each other, same tokens", { timeout: 60_000 }, async (t) => {
  const fixtures = await ensureFixtures();
  const llama = await getLlama({ gpu: false, maxThreads: 1, build: 'never', progressLogs: false, logger: () => {} });
  const model = await llama.loadModel({ modelPath: fixtures.tinyChat });
  t.after(async () => {
    await model.dispose();
    await llama.dispose();
  });
  let context: LlamaContext | null = null;
  const schedule = decodeWhenAllGenerating(() => context);
  const atOnce: boolean[] = [];
  context = await model.createContext({
    contextSize: 512,
    sequences: 4,
    threads: 1,
    batching: {
      dispatchSchedule: (dispatch) => {
        let ran = false;
        schedule(() => {
          ran = true;
          dispatch();
        });
        atOnce.push(ran);
      },
    },
  });
  const plain = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 });
  t.after(async () => {
    await context?.dispose();
    await plain.dispose();
  });

  const prompts = ['Hello there', 'Notice periods in contracts'].map((text) => model.tokenize(text, true));
  const answer = (sequence: LlamaContextSequence, prompt: Token[], onToken = () => {}) =>
    generateFromTokens(sequence, prompt, { maxTokens: 24, temperature: 0, signal: new AbortController().signal, stopTokens: new Set(), onToken, onText: () => {}, textAtEnd: true });
  const reference = [];
  for (const prompt of prompts) {
    const sequence = plain.getSequence();
    reference.push((await answer(sequence, prompt)).tokens);
    sequence.dispose();
  }

  const [first, second] = [context.getSequence(), context.getSequence()];
  assert.deepEqual((await answer(first, prompts[0]!)).tokens, reference[0]);
  assert.ok(atOnce.length > 0 && atOnce.every(Boolean), `one answer on a four-sequence context: every decode at once (${atOnce.join(',')})`);

  // How many tokens each decode carried: read off the native context's batch calls.
  const batchSizes: number[] = [];
  const internal = context as unknown as { _ctx: Record<string | symbol, unknown> };
  const native = internal._ctx;
  internal._ctx = new Proxy(native, {
    get(target, property) {
      const value = target[property];
      if (typeof value !== 'function') return value;
      if (property === 'initBatch') return (size: number) => (batchSizes.push(size), value.call(target, size));
      return (...args: unknown[]) => value.apply(target, args);
    },
  });

  atOnce.length = 0;
  await first.clearHistory();
  // The second answer starts three tokens into the first: out of step, as in a batch run.
  let started: ReturnType<typeof answer> | null = null;
  let firstTokens = 0;
  const early = answer(first, prompts[0]!, () => {
    if (++firstTokens === 3) started = answer(second, prompts[1]!);
  });
  const together = [await early, await started!];
  assert.deepEqual(together.map((result) => result.tokens), reference, 'answers generated together are the same tokens');
  // Once in step (the first decode with a token of each), every decode carries both until one ends.
  const inStep = batchSizes.slice(batchSizes.indexOf(2), batchSizes.lastIndexOf(2) + 1);
  assert.ok(inStep.length >= 10 && inStep.every((size) => size === 2), `after one turn, every decode carries a token of each answer (${batchSizes.join(',')})`);
  assert.ok(atOnce.some((ran) => !ran), 'with two answers generating, a decode waits for the other to queue');
});
