/**
 * Caches that pay (issue 15), measured through EvalDesk's app core on the test fixtures, each
 * case with the `caching` setting on and off (medians of `runs`, argv[2], default 15; one thread):
 * 1. Repeated-question retrieval: the same question retrieved again (query embedding and vector
 *    search, or the cached result), on a workspace of 60 documents with the GGUF embedder.
 * 2. Second-question time to first token with a ~2,000-token system prompt against a short one:
 *    with the prefix kept (caching on) the second question evaluates only its own tokens.
 *    Target: the long prompt's second-question TTFT at most 10 % above the short prompt's.
 *    On the 64-wide fixture the attention over ~1,900 kept positions outweighs everything else a
 *    token costs, which no real model shows; `--wide` runs this part on one layer of an 8B model's
 *    shape (generated, 880 MB, default 3 runs), where weights and attention weigh as in the real one.
 */
import { ensureFixtures, ensureWideModel } from '../tests/fixtures/tiny-models.ts';
import { openTestApp } from '../tests/helpers/app.ts';
import { median, round } from './lib.ts';
import { resolvePromptFormat } from '../electron/services/runtime/chat-template.ts';
import { buildPromptTokens } from '../electron/services/chat/prompt-tokens.ts';

/** `--wide`: the time-to-first-token part on one 8B-shaped layer instead of the 64-wide fixture. */
const wide = process.argv.includes('--wide');
/** `--gpu`: llama.cpp on the GPU when it has one (bench/device/gpu-figures.sh); CPU otherwise. */
const gpu = process.argv.includes('--gpu');
/** `--ttft-only`: without the retrieval part (a device run carries no LanceDB and no embedder). */
const ttftOnly = process.argv.includes('--ttft-only');
const runs = Number(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? (wide ? 3 : 15));
const fixtures = await ensureFixtures();
const app = await openTestApp(gpu ? { gpu: 'auto' } : {});
const now = () => performance.now();

if (!ttftOnly) await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
const model = await app.call('models.add', { path: fixtures.tinyChat });
const docs = await app.call('workspaces.create', { name: 'cache bench', temperature: 0, maxTokens: 8, contextSize: 4096, chunkSize: 64, chunkOverlap: 8, similarityThreshold: -1, topN: 4, historyTurns: 0 });
for (let i = 0; i < (ttftOnly ? 0 : 60); i++) {
  await app.call('documents.addText', { workspaceId: docs.id, docId: `policy:${i}`, title: `Policy ${i}`, text: Array.from({ length: 6 }, (_, j) => `Policy ${i}.${j}: 연차휴가는 최소 사흘 전에 신청합니다. 経費精算の締め日は毎月${j + 1}日です。 Requests go to the team lead ${i * j}.`).join(' ') });
}
await app.call('runtime.load', { modelId: model.id });
const retriever = app.core.internals!.retriever;
const user = app.core.localCaller().user.id;

async function retrievalMs(caching: boolean): Promise<number[]> {
  await app.call('settings.update', { caching });
  const request = { workspaceId: docs.id, userId: user, question: '연차는 언제 신청하나요? 経費の締め日は?', topN: 4, threshold: -1, hybrid: false };
  await retriever.retrieve(request); // the first ask of a question fills the caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = now();
    await retriever.retrieve(request);
    times.push(now() - started);
  }
  return times;
}
const retrieval = ttftOnly ? null : { off: await retrievalMs(false), on: await retrievalMs(true) };

// The model the second-question part runs on.
const ttftModel = wide ? await app.call('models.add', { path: ensureWideModel() }) : model;
if (wide) await app.call('runtime.load', { modelId: ttftModel.id });

/** TTFT of the second question of a session (EvalDesk's own clock: the log's timeToFirstTokenMs). */
async function secondQuestionTtft(systemPrompt: string, caching: boolean): Promise<{ ms: number[]; promptTokens: number }> {
  await app.call('settings.update', { caching });
  const workspace = await app.call('workspaces.create', { name: `prefix ${systemPrompt.length} ${caching}`, systemPrompt, temperature: 0, maxTokens: 8, contextSize: 2048, historyTurns: 0 });
  const ms: number[] = [];
  let promptTokens = 0;
  for (let i = -1; i < runs; i++) {
    const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: ttftModel.id });
    await app.call('chat.ask', { sessionId: session.id, question: `First question ${i}?`, requestId: crypto.randomUUID() });
    const second = await app.call('chat.ask', { sessionId: session.id, question: `Second question ${i}?`, requestId: crypto.randomUUID() });
    promptTokens = second.promptTokens;
    if (i >= 0) ms.push(second.timeToFirstTokenMs!);
  }
  return { ms, promptTokens };
}
// As long as the fixture's 2,048-token context allows beside the question and the answer.
const loadedModel = app.core.internals!.runtime.internals().loaded!.model;
let longPrompt = '';
for (let i = 1; loadedModel.tokenize(longPrompt).length < 1_850; i++) longPrompt += `Rule ${i}: answer politely, cite the policy and keep it short. `;
const short = { on: await secondQuestionTtft('You are a helpful assistant.', true), off: await secondQuestionTtft('You are a helpful assistant.', false) };
const long = { on: await secondQuestionTtft(longPrompt, true), off: await secondQuestionTtft(longPrompt, false) };
/** The flash attention setting applies to new contexts: reload the model under it. */
async function useFlashAttention(flashAttention: 'auto' | 'off'): Promise<void> {
  await app.call('settings.update', { flashAttention });
  await app.call('runtime.unload', {});
  await app.call('runtime.load', { modelId: ttftModel.id });
}
await useFlashAttention('off');
const withoutFlashAttention = { short: await secondQuestionTtft('You are a helpful assistant.', true), long: await secondQuestionTtft(longPrompt, true) };
await useFlashAttention('auto');
await app.call('settings.update', { caching: true });

/**
 * Bare node-llama-cpp on the same model and prompt tokens: the second question's prompt after the
 * first's, the shared prefix kept (adaptStateToTokens), time to the first sampled token. What the
 * model itself costs for ~30 new tokens after a long prefix (attention over every kept position).
 */
async function bareSecondQuestionTtft(systemPrompt: string, flashAttention: 'auto' | false = 'auto'): Promise<number[]> {
  // The model loaded now (the flash attention runs reloaded it).
  const loadedModel = app.core.internals!.runtime.internals().loaded!.model;
  const context = await loadedModel.createContext({ contextSize: 2048, sequences: 1, threads: 1, flashAttention });
  const sequence = context.getSequence();
  const format = resolvePromptFormat(loadedModel);
  if (format.rule !== 'jinja-whole-text') throw new Error('the fixture has a chat template');
  const ms: number[] = [];
  for (let i = -1; i < runs; i++) {
    let firstAt = 0;
    let started = 0;
    for (const question of [`First question ${i}?`, `Second question ${i}?`]) {
      const prompt = buildPromptTokens(loadedModel, format.template, [{ role: 'system', content: systemPrompt }, { role: 'user', content: question }]).tokens;
      started = now();
      firstAt = 0;
      await sequence.adaptStateToTokens(prompt.slice(0, -1), false);
      let count = 0;
      for await (const token of sequence.evaluate(prompt.slice(sequence.nextTokenIndex), { temperature: 0, yieldEogToken: true })) {
        firstAt ||= now();
        if (++count >= 8 || loadedModel.isEogToken(token)) break;
      }
    }
    if (i >= 0) ms.push(firstAt - started);
  }
  await context.dispose();
  return ms;
}
const bare = { short: await bareSecondQuestionTtft('You are a helpful assistant.'), long: await bareSecondQuestionTtft(longPrompt) };
const bareWithoutFlashAttention = { short: await bareSecondQuestionTtft('You are a helpful assistant.', false), long: await bareSecondQuestionTtft(longPrompt, false) };
const backend = app.core.internals!.runtime.internals().llama?.gpu || 'cpu';
await app.close();

const med = (values: number[]) => round(median(values), 3);
console.log(
  JSON.stringify(
    {
      benchmark: 'caches',
      runs,
      secondQuestionModel: wide ? 'one layer of an 8B model\'s shape (4,096 wide, 14,336 feed-forward, 32/8 heads; --wide)' : 'the tinyChat fixture (64 wide, 2 layers)',
      backend,
      repeatedRetrieval: retrieval && { documents: 60, cachedMs: med(retrieval.on), uncachedMs: med(retrieval.off), speedup: round(median(retrieval.off) / median(retrieval.on), 1) },
      secondQuestionTtft: {
        shortPrompt: { promptTokens: short.on.promptTokens, withPrefixReuseMs: med(short.on.ms), withoutMs: med(short.off.ms) },
        longPrompt: { promptTokens: long.on.promptTokens, withPrefixReuseMs: med(long.on.ms), withoutMs: med(long.off.ms) },
        longOverShortWithReuse: round(median(long.on.ms) / median(short.on.ms), 3),
        longOverShortWithout: round(median(long.off.ms) / median(short.off.ms), 3),
        bareWithPrefixReuse: { shortMs: med(bare.short), longMs: med(bare.long), longOverShort: round(median(bare.long) / median(bare.short), 3) },
        flashAttentionOff: {
          withPrefixReuse: { shortMs: med(withoutFlashAttention.short.ms), longMs: med(withoutFlashAttention.long.ms), longOverShort: round(median(withoutFlashAttention.long.ms) / median(withoutFlashAttention.short.ms), 3) },
          bare: { shortMs: med(bareWithoutFlashAttention.short), longMs: med(bareWithoutFlashAttention.long), longOverShort: round(median(bareWithoutFlashAttention.long) / median(bareWithoutFlashAttention.short), 3) },
        },
      },
      target: { longOverShortWithReuse: '<= 1.10' },
      notes: [
        'repeatedRetrieval: retriever.retrieve of one question again (after a first ask), caching on (the result cache keyed by what the user may see of the documents, and the query-embedding cache) vs off (the question embedded by the GGUF fixture embedder in the query worker and searched in LanceDB each time).',
        'bareWithPrefixReuse: the same second question through bare node-llama-cpp on the same prompt tokens with the prefix kept: the long/short ratio the model itself gives (on this 64-dimension fixture, ~30 new tokens attending over ~1,900 kept positions cost as much as evaluating the whole prompt of a real model would not), so the target is judged against it.',
        "flashAttentionOff: the same with the flashAttention setting 'off' (llama.cpp's 'auto' turns it on for this CPU backend, and its flash-attention kernel is far slower over ~1,900 kept positions here); the remaining growth is the attention itself, which on a 64-dimension model outweighs everything else a token costs.",
        'secondQuestionTtft: timeToFirstTokenMs of the second question of a fresh session (the first question of the same session before it, untimed), the fixture chat model, one thread; with caching on the sequence keeps the evaluated prefix (system prompt), off it is cleared before each answer.',
      ],
    },
    null,
    2,
  ),
);
