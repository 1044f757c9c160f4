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

test('a decode starts at once when every generating sequence has queued, otherwise on the next cycle', async () => {
  const queued = new Set<number>();
  const context = { _queuedDecodeSequenceIds: queued } as unknown as LlamaContext;
  const sequence = () => ({ context }) as unknown as LlamaContextSequence;
  const schedule = decodeWhenAllGenerating(() => context);
  let dispatched = 0;
  const dispatch = () => void dispatched++;

  queued.add(0);
  schedule(dispatch);
  assert.equal(dispatched, 1, 'nothing generating: at once');

  const endFirst = trackGeneration(sequence());
  const endSecond = trackGeneration(sequence());
  schedule(dispatch);
  assert.equal(dispatched, 1, 'one of two generating sequences queued: waits');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(dispatched, 2, '…for the next cycle, no longer');

  queued.add(1);
  schedule(dispatch);
  assert.equal(dispatched, 3, 'both queued: at once');

  queued.delete(1);
  endSecond();
  endSecond();
  schedule(dispatch);
  assert.equal(dispatched, 4, 'an ended generation no longer counts (and ending twice counts once)');
  endFirst();

  const unknown = decodeWhenAllGenerating(() => ({}) as LlamaContext);
  unknown(dispatch);
  assert.equal(dispatched, 4, 'a library without the queue gets its default schedule');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(dispatched, 5);
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
  const answer = (sequence: LlamaContextSequence, prompt: Token[]) =>
    generateFromTokens(sequence, prompt, { maxTokens: 12, temperature: 0, signal: new AbortController().signal, stopTokens: new Set(), onToken: () => {}, onText: () => {}, textAtEnd: true });
  const reference = [];
  for (const prompt of prompts) {
    const sequence = plain.getSequence();
    reference.push((await answer(sequence, prompt)).tokens);
    sequence.dispose();
  }

  const [first, second] = [context.getSequence(), context.getSequence()];
  assert.deepEqual((await answer(first, prompts[0]!)).tokens, reference[0]);
  assert.ok(atOnce.length > 0 && atOnce.every(Boolean), `one answer on a four-sequence context: every decode at once (${atOnce.join(',')})`);

  atOnce.length = 0;
  await first.clearHistory();
  const together = await Promise.all([answer(first, prompts[0]!), answer(second, prompts[1]!)]);
  assert.deepEqual(together.map((result) => result.tokens), reference, 'answers generated together are the same tokens');
  assert.ok(atOnce.some((ran) => !ran), 'with two answers generating, a decode waits for the other to queue');
});
