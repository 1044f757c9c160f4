/**
 * Model versions (issue 12): what switching between a base and its LoRA versions costs, and A/B
 * answering throughput, through EvalDesk's runtime and service layer vs bare node-llama-cpp on the
 * same tiny base (the LoRA fixture's tinyChat, ChatML template) and the same stored GGUF adapter.
 * One thread, CPU, temperature 0, medians of `runs` interleaved runs (argv[2], default 15).
 *
 * Targets (issue 12):
 * 1. Version switch vs creating the same context with bare node-llama-cpp: ratio <= 1.05. EvalDesk
 *    replaces the adapters of a context that already fits; `recreated` measures its path when the
 *    context must be created anew (another context size) against bare doing the same.
 * 2. A/B answering throughput (two answers to one question) vs two sequential bare generations on
 *    the same prompts: ratio >= 0.95; and whether running both sequences in one batch is faster.
 *
 * The bare side uses node-llama-cpp's token API (sequence.evaluate) on exactly the prompt tokens
 * EvalDesk evaluates (the GGUF's ChatML template rendered and tokenized as one text, built once,
 * untimed, with EvalDesk's prompt-tokens.ts) and stops where EvalDesk stops (end of turn or
 * maxTokens), so both sides generate the same tokens; the output reports token counts for both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { getLlama, LlamaLogLevel, type LlamaContext, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { openTestApp } from '../tests/helpers/app.ts';
import { ensureLoraFixtures } from '../tests/fixtures/tiny-lora.ts';
import { createContextWithAdapters } from '../electron/services/lora/runtime-probe.ts';
import { resolvePromptFormat } from '../electron/services/runtime/chat-template.ts';
import { buildPromptTokens } from '../electron/services/chat/prompt-tokens.ts';
import { inspectGguf } from '../electron/services/models/gguf-inspector.ts';
import { median, round } from './lib.ts';

const runs = Number(process.argv[2] ?? 15);
/**
 * A switch takes under 2 ms on the tiny base, so the 5 % target is a tenth of a millisecond, the
 * size of this shared machine's jitter: the switch medians take ten times the runs (at least 150
 * rounds of four switches, about a second).
 */
const switchRuns = Math.max(150, runs * 10);
const contextSize = 512;
const maxTokens = 64;
/** A/B rows: the 64 tokens per answer, and longer answers (per-answer fixed costs weigh less). */
const abMaxTokens = [maxTokens, 256];
const systemPrompt = 'You are a helpful assistant.';
const question = 'Which notice period applies to this contract?';

const now = () => performance.now();
const med = (values: number[], digits = 2) => round(median(values), digits);

const lora = await ensureLoraFixtures();

// ---------------------------------------------------------------- EvalDesk: app core, base loaded, one version
const app = await openTestApp();
const base = await app.call('models.add', { path: lora.base });
const version = await app.call('versions.register', { baseModelId: base.id, name: 'v1', adapterPath: lora.gguf, confirmBaseName: true });
const stored = version.adapters[0]!;
const adapterPath = stored.filePath;
/** As versions.adaptersFor gives them to the runtime. */
const versionAdapters = [{ filePath: adapterPath, scale: stored.scale }];
const workspace = await app.call('workspaces.create', { name: 'versions-bench', systemPrompt, temperature: 0, maxTokens, contextSize, historyTurns: 0 });
await app.call('runtime.load', { modelId: base.id });
const runtime = app.core.internals!.runtime;

// ---------------------------------------------------------------- Bare node-llama-cpp on the same files
// logLevel error and no progress logs, as EvalDesk's runtime creates its Llama (same native log filtering).
const llama = await getLlama({ gpu: false, maxThreads: 1, build: 'never', progressLogs: false, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: lora.base });
const bareOptions = (withAdapter: boolean, size = contextSize) => ({
  contextSize: size,
  sequences: 1,
  threads: 1,
  ...(withAdapter && { lora: { adapters: [{ filePath: adapterPath, scale: 1 }] } }),
});

// The prompt EvalDesk evaluates for this workspace (system prompt + question, no passages, no history).
const format = resolvePromptFormat(model);
if (format.rule !== 'jinja-whole-text') throw new Error(`The base was expected to have a usable chat template (${format.reason}).`);
const prompt = buildPromptTokens(model, format.template, [
  { role: 'system', content: systemPrompt },
  { role: 'user', content: question },
]).tokens;
const stopTokens = format.stopTokens;

/** Greedy generation from `prompt`, stopping as EvalDesk's generateFromTokens does. */
async function bareGenerate(sequence: LlamaContextSequence, limit = maxTokens, onFirst?: () => void, onToken?: () => void): Promise<Token[]> {
  await sequence.adaptStateToTokens(prompt.slice(0, -1), false);
  const pending = prompt.slice(sequence.nextTokenIndex);
  const tokens: Token[] = [];
  for await (const token of sequence.evaluate(pending, { temperature: 0, yieldEogToken: true })) {
    if (stopTokens.has(token) || model.isEogToken(token)) break;
    if (tokens.length === 0) onFirst?.();
    tokens.push(token);
    onToken?.();
    if (tokens.length >= limit) break;
  }
  return tokens;
}

// ================================================================ 1. Version switch
let bareContext: LlamaContext | null = null;
let bareSequence: LlamaContextSequence | null = null;
let bareHasAdapter = false;

/** Bare switch: dispose the current context, create the other one, take its sequence (what acquireContext does when it recreates). */
async function bareSwitch(withAdapter: boolean, size = contextSize): Promise<number> {
  const started = now();
  if (bareContext) await bareContext.dispose();
  bareContext = await model.createContext(bareOptions(withAdapter, size));
  bareSequence = bareContext.getSequence();
  bareHasAdapter = withAdapter;
  await nextTick();
  return now() - started;
}

/**
 * Each timed switch ends one event-loop turn later, on both sides: what a switch defers (EvalDesk's
 * status-bar notification runs in a setImmediate) is counted in its own switch instead of landing
 * in whichever switch is timed next.
 */
const nextTick = () => new Promise((resolve) => setImmediate(resolve));

async function evaldeskSwitch(withAdapter: boolean, size = contextSize): Promise<number> {
  const started = now();
  await runtime.acquireContext(base.id, size, withAdapter ? versionAdapters : []);
  await nextTick();
  return now() - started;
}

// Make sure both start on the base context, then time the first switch to the version (cold: the
// adapter file is read and loaded into the model once; node-llama-cpp caches it per model).
await bareSwitch(false);
await evaldeskSwitch(false);
const bareContextSize = bareContext!.contextSize;
const evaldeskContextSize = runtime.internals().loaded!.lanes[0].context!.contextSize;
const coldBare = await bareSwitch(true);
const coldEvaldesk = await evaldeskSwitch(true);
await bareSwitch(false);
await evaldeskSwitch(false);
// Warm-up, untimed: both paths run often enough to be compiled before anything is measured.
for (let i = 0; i < 20; i++) {
  for (const withAdapter of [true, false]) {
    await bareSwitch(withAdapter);
    await evaldeskSwitch(withAdapter);
  }
}

const switches = { bareToVersion: [] as number[], bareToBase: [] as number[], evaldeskToVersion: [] as number[], evaldeskToBase: [] as number[] };
for (let i = 0; i < switchRuns; i++) {
  // Alternate which side goes first, so neither always runs right after the other's allocation.
  if (i % 2 === 0) {
    switches.bareToVersion.push(await bareSwitch(true));
    switches.evaldeskToVersion.push(await evaldeskSwitch(true));
    switches.bareToBase.push(await bareSwitch(false));
    switches.evaldeskToBase.push(await evaldeskSwitch(false));
  } else {
    switches.evaldeskToVersion.push(await evaldeskSwitch(true));
    switches.bareToVersion.push(await bareSwitch(true));
    switches.evaldeskToBase.push(await evaldeskSwitch(false));
    switches.bareToBase.push(await bareSwitch(false));
  }
}

// The same when the version's context has another size than the base's, so both sides must build a
// new context (what EvalDesk's version switch was before it replaced adapters in place).
const recreatedSize = contextSize / 2;
const recreated = { bareToVersion: [] as number[], evaldeskToVersion: [] as number[], bareToBase: [] as number[], evaldeskToBase: [] as number[] };
for (let i = -20; i < switchRuns; i++) {
  const sides = i % 2 === 0 ? (['bare', 'evaldesk'] as const) : (['evaldesk', 'bare'] as const);
  for (const withAdapter of [true, false]) {
    for (const side of sides) {
      const ms = side === 'bare' ? await bareSwitch(withAdapter, withAdapter ? contextSize : recreatedSize) : await evaldeskSwitch(withAdapter, withAdapter ? contextSize : recreatedSize);
      if (i >= 0) recreated[`${side}To${withAdapter ? 'Version' : 'Base'}`].push(ms);
    }
  }
}
await bareSwitch(false);
await evaldeskSwitch(false);

// Where a switch's time goes (on the bare model, so only the measured step differs): disposing a
// context; creating it without/with the adapter; the same through createContextWithAdapters (the
// logger tap); and acquireContext when nothing changes (settings read, adapter key, no switch).
const parts = { dispose: [] as number[], createPlain: [] as number[], createLora: [] as number[], createTapped: [] as number[], acquireNoSwitch: [] as number[], status: [] as number[] };
if (bareContext) await (bareContext as LlamaContext).dispose();
bareContext = null;
for (let i = 0; i < runs; i++) {
  let started = now();
  let context = await model.createContext(bareOptions(false));
  parts.createPlain.push(now() - started);
  started = now();
  await context.dispose();
  parts.dispose.push(now() - started);

  started = now();
  context = await model.createContext(bareOptions(true));
  parts.createLora.push(now() - started);
  await context.dispose();

  started = now();
  context = await createContextWithAdapters(model, versionAdapters, { contextSize, sequences: 1, threads: 1 });
  parts.createTapped.push(now() - started);
  await context.dispose();

  started = now();
  await runtime.acquireContext(base.id, contextSize, []); // EvalDesk is on the base already
  parts.acquireNoSwitch.push(now() - started);

  started = now();
  await runtime.status();
  parts.status.push(now() - started);
}

// Time to first token of a version asked right after the base (sessions alternate), and of the
// base right after the version. Bare reference: switch + prompt + first token on a fresh context.
const ttft = { versionAfterBaseLogged: [] as number[], versionAfterBase: [] as number[], baseAfterVersion: [] as number[], bareVersionAfterBase: [] as number[], bareVersionNoSwitch: [] as number[] };
const baseSession = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId: null });
const versionSession = await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId: version.id });
const sessionStart = { base: [] as number[], version: [] as number[] };
const ttftParts = { promptBuild: [] as number[], inspectGguf: [] as number[] };

async function askTimed(sessionId: number, requestId: string): Promise<{ ttftMs: number; loggedTtftMs: number; tokens: number; answer: string }> {
  let first: number | null = null;
  const stop = app.core.events.subscribe((event, payload) => {
    if (event === 'chat.token' && (payload as { requestId: string }).requestId === requestId) first ??= now();
  });
  const started = now();
  const log = await app.call('chat.ask', { sessionId, question, requestId });
  stop();
  return { ttftMs: first! - started, loggedTtftMs: log.timeToFirstTokenMs ?? Number.NaN, tokens: log.completionTokens, answer: log.answer };
}

async function bareTtft(recreate: boolean): Promise<number> {
  const started = now();
  if (recreate) {
    if (bareContext) await bareContext.dispose();
    bareContext = await model.createContext(bareOptions(true));
    bareSequence = bareContext.getSequence();
  } else {
    await bareSequence!.clearHistory();
  }
  let first = 0;
  await bareGenerate(bareSequence!, maxTokens, () => (first = now()));
  return first - started;
}

const evaldeskAnswers = { base: null as null | { tokens: number; answer: string }, version: null as null | { tokens: number; answer: string } };
for (let i = -1; i < runs; i++) {
  const b = await askTimed(baseSession.id, `ttft-base-${i}`);
  const v = await askTimed(versionSession.id, `ttft-version-${i}`);
  evaldeskAnswers.base = b;
  evaldeskAnswers.version = v;
  // Bare: the base context first (untimed), then the timed switch to the version and its first token.
  if (bareContext) await bareContext.dispose();
  bareContext = await model.createContext(bareOptions(false));
  bareSequence = bareContext.getSequence();
  await bareGenerate(bareSequence);
  const bareSwitched = await bareTtft(true);
  const bareSame = await bareTtft(false);
  let started = now();
  await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId: null });
  const baseStart = now() - started;
  started = now();
  await app.call('sessions.start', { workspaceId: workspace.id, modelId: base.id, versionId: version.id });
  const versionStart = now() - started;
  // Two of the steps EvalDesk adds: building the prompt tokens (Jinja render, whole-text
  // tokenization, the special-token check per message), and the base file check of a version's
  // sessions.start (GGUF header with tensor info, sampled fingerprint).
  started = now();
  buildPromptTokens(model, format.template, [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: question },
  ]);
  const promptBuild = now() - started;
  started = now();
  await inspectGguf(lora.base);
  const inspect = now() - started;
  if (i < 0) continue;
  ttftParts.promptBuild.push(promptBuild);
  ttftParts.inspectGguf.push(inspect);
  ttft.baseAfterVersion.push(b.ttftMs);
  ttft.versionAfterBase.push(v.ttftMs);
  ttft.versionAfterBaseLogged.push(v.loggedTtftMs);
  ttft.bareVersionAfterBase.push(bareSwitched);
  ttft.bareVersionNoSwitch.push(bareSame);
  sessionStart.base.push(baseStart);
  sessionStart.version.push(versionStart);
}
// EvalDesk's context now holds the version (the last answer); the bare one too.
bareHasAdapter = true;

// Same tokens on both sides: the bare generation on each context, compared with EvalDesk's logs.
async function bareAnswer(withAdapter: boolean) {
  const context = await model.createContext(bareOptions(withAdapter));
  const tokens = await bareGenerate(context.getSequence());
  // EvalDesk drops the bytes of a character cut off at maxTokens (token-generation.ts completeOnly).
  const text = model.detokenize(tokens).replace(/\uFFFD+$/u, '');
  await context.dispose();
  return { tokens: tokens.length, text };
}
const bareBaseAnswer = await bareAnswer(false);
const bareVersionAnswer = await bareAnswer(true);

// ================================================================ 2. A/B answering throughput
/** When the phases of one A/B round happen: A's first and last token, B's first and last token, the end. */
interface Phases {
  toFirstA: number;
  decodeA: number;
  betweenAnswers: number;
  decodeB: number;
  afterLastToken: number;
}
const phasesOf = (started: number, a: { first: number; last: number }, b: { first: number; last: number }, ended: number): Phases => ({
  toFirstA: a.first - started,
  decodeA: a.last - a.first,
  betweenAnswers: b.first - a.last,
  decodeB: b.last - b.first,
  afterLastToken: ended - b.last,
});
const summarizePhases = (list: Phases[]) => Object.fromEntries((Object.keys(list[0]!) as Array<keyof Phases>).map((key) => [`${key}Ms`, med(list.map((p) => p[key]))]));

/** One bare answer on the mirrored single context, recreated only when the side changes (as acquireContext does). */
async function bareMirroredAnswer(withAdapter: boolean, limit: number): Promise<{ tokens: number; switched: boolean; first: number; last: number }> {
  let switched = false;
  if (!bareContext || bareHasAdapter !== withAdapter) {
    if (bareContext) await bareContext.dispose();
    bareContext = await model.createContext(bareOptions(withAdapter));
    bareSequence = bareContext.getSequence();
    bareHasAdapter = withAdapter;
    switched = true;
  }
  let first = 0;
  let last = 0;
  const tokens = await bareGenerate(bareSequence!, limit, () => (first = now()), () => (last = now()));
  return { tokens: tokens.length, switched, first, last };
}

async function measureAb(limit: number) {
  const abWorkspace = await app.call('workspaces.create', { name: `ab-${limit}`, systemPrompt, temperature: 0, maxTokens: limit, contextSize, historyTurns: 0 });
  // Lower bound for comparison: a context per side kept alive (twice the KV memory), so no switch
  // at all; each sequence cleared first so the prompt is evaluated again, as after a switch.
  const live = { base: await model.createContext(bareOptions(false)), version: await model.createContext(bareOptions(true)) };
  const liveSequences = { base: live.base.getSequence(), version: live.version.getSequence() };
  const r = { evaldesk: [] as number[], bare: [] as number[], live: [] as number[], concurrent: [] as number[], evaldeskTokens: [] as number[], bareTokens: [] as number[], switches: [] as number[], evaldeskPhases: [] as Phases[], barePhases: [] as Phases[] };
  for (let i = -1; i < runs; i++) {
    const requestId = `ab-${limit}-${i}`;
    const seen = new Map<string, { first: number; last: number }>();
    const stop = app.core.events.subscribe((event, payload) => {
      if (event !== 'chat.token') return;
      const id = (payload as { requestId: string }).requestId;
      const at = now();
      const entry = seen.get(id);
      if (entry) entry.last = at;
      else seen.set(id, { first: at, last: at });
    });
    const evaldeskStarted = now();
    const comparison = await app.call('ab.ask', { workspaceId: abWorkspace.id, modelId: base.id, first: null, second: version.id, question, requestId });
    const evaldeskEnded = now();
    stop();
    const evaldeskPhases = phasesOf(evaldeskStarted, seen.get(`${requestId}:a`)!, seen.get(`${requestId}:b`)!, evaldeskEnded);
    // Which side was A (untimed): the bare runs replay the same order.
    const reveal = await app.call('ab.choose', { comparisonId: comparison.comparisonId, choice: 'tie' });
    const order = [reveal.a.versionId !== null, reveal.b.versionId !== null];

    const started = now();
    const bareA = await bareMirroredAnswer(order[0]!, limit);
    const bareB = await bareMirroredAnswer(order[1]!, limit);
    const bareEnded = now();

    const liveStarted = now();
    let liveTokens = 0;
    for (const withAdapter of order) {
      const sequence = withAdapter ? liveSequences.version : liveSequences.base;
      await sequence.clearHistory();
      liveTokens += (await bareGenerate(sequence, limit)).length;
    }
    const liveMs = now() - liveStarted;

    // The same two answers at once on the two live contexts, as EvalDesk's A/B answers them.
    await Promise.all([liveSequences.base.clearHistory(), liveSequences.version.clearHistory()]);
    const concurrentStarted = now();
    const concurrentTokens = (await Promise.all(order.map((withAdapter) => bareGenerate(withAdapter ? liveSequences.version : liveSequences.base, limit)))).reduce((sum, t) => sum + t.length, 0);
    const concurrentMs = now() - concurrentStarted;

    if (i < 0) continue;
    const evaldeskTokens = comparison.a.completionTokens + comparison.b.completionTokens;
    const bareTokens = bareA.tokens + bareB.tokens;
    r.evaldesk.push(evaldeskTokens / ((evaldeskEnded - evaldeskStarted) / 1000));
    r.bare.push(bareTokens / ((bareEnded - started) / 1000));
    r.live.push(liveTokens / (liveMs / 1000));
    r.concurrent.push(concurrentTokens / (concurrentMs / 1000));
    r.evaldeskTokens.push(evaldeskTokens);
    r.bareTokens.push(bareTokens);
    r.switches.push(Number(bareA.switched) + Number(bareB.switched));
    r.evaldeskPhases.push(evaldeskPhases);
    r.barePhases.push(phasesOf(started, bareA, bareB, bareEnded));
  }
  await live.base.dispose();
  await live.version.dispose();
  const evaldeskTps = median(r.evaldesk);
  const bareTps = median(r.bare);
  return {
    maxTokens: limit,
    evaldeskTokensPerSecond: round(evaldeskTps, 1),
    bareSequentialTokensPerSecond: round(bareTps, 1),
    ratio: round(evaldeskTps / bareTps, 3),
    bareTwoLiveContextsTokensPerSecond: med(r.live, 1),
    ratioVsTwoLiveContexts: round(evaldeskTps / median(r.live), 3),
    bareTwoContextsAtOnceTokensPerSecond: med(r.concurrent, 1),
    ratioVsTwoContextsAtOnce: round(evaldeskTps / median(r.concurrent), 3),
    tokensPerRound: { evaldesk: median(r.evaldeskTokens), bare: median(r.bareTokens) },
    contextSwitchesPerRoundMean: round(r.switches.reduce((a, b) => a + b, 0) / r.switches.length, 2),
    phases: { evaldesk: summarizePhases(r.evaldeskPhases), bare: summarizePhases(r.barePhases) },
  };
}
const abRows = [];
for (const limit of abMaxTokens) abRows.push(await measureAb(limit));

// Batching: LoRA is applied per context in llama.cpp (llama_set_adapter_lora on the context;
// node-llama-cpp 3.22 only has `lora` in LlamaContextOptions and `setLoras` on its native context,
// nothing per sequence), so the base and a version cannot share a batch. What can be batched is two
// answers of the same version: one context with 2 sequences generating at once (node-llama-cpp
// batches concurrent evaluations of one context per step) vs the same two answers one after the other.
const batchContext = await model.createContext({ ...bareOptions(true), sequences: 2 });
const pair = [batchContext.getSequence(), batchContext.getSequence()] as const;
const batching = { sequential: [] as number[], batched: [] as number[], tokens: [] as number[] };
async function runPair(together: boolean): Promise<{ tokens: number; ms: number }> {
  await Promise.all(pair.map((s) => s.clearHistory()));
  const started = now();
  const answers = together ? await Promise.all(pair.map((s) => bareGenerate(s))) : [await bareGenerate(pair[0]), await bareGenerate(pair[1])];
  return { tokens: answers.reduce((sum, t) => sum + t.length, 0), ms: now() - started };
}
for (let i = -1; i < runs; i++) {
  const first = await runPair(i % 2 !== 0);
  const second = await runPair(i % 2 === 0);
  const [sequential, batched] = i % 2 === 0 ? [first, second] : [second, first];
  if (i < 0) continue;
  batching.sequential.push(sequential.tokens / (sequential.ms / 1000));
  batching.batched.push(batched.tokens / (batched.ms / 1000));
  batching.tokens.push(batched.tokens);
}
await batchContext.dispose();

if (bareContext) await (bareContext as LlamaContext).dispose();
await app.close();
await model.dispose();
await llama.dispose();

// ================================================================ Report
const switchBare = median(switches.bareToVersion);
const switchEvaldesk = median(switches.evaldeskToVersion);
const sameAnswer = (evaldesk: { tokens: number; answer: string }, bare: { tokens: number; text: string }) => ({ evaldeskTokens: evaldesk.tokens, bareTokens: bare.tokens, sameText: evaldesk.answer === bare.text });
console.log(
  JSON.stringify(
    {
      benchmark: 'model-versions',
      threads: 1,
      runs,
      switchRuns,
      model: path.basename(lora.base),
      adapter: { file: path.basename(adapterPath), bytes: fs.statSync(adapterPath).size, scale: stored.scale },
      contextSize: { requested: contextSize, evaldesk: evaldeskContextSize, bare: bareContextSize },
      promptTokens: prompt.length,
      switch: {
        bareToVersionMs: round(switchBare, 3),
        evaldeskToVersionMs: round(switchEvaldesk, 3),
        ratio: round(switchEvaldesk / switchBare, 3),
        // Each switch against the bare switch of the same iteration: the machine's drift cancels out.
        pairedRatio: round(median(switches.evaldeskToVersion.map((ms, i) => ms / switches.bareToVersion[i]!)), 3),
        extraMs: round(switchEvaldesk - switchBare, 3),
        bareToBaseMs: med(switches.bareToBase, 3),
        evaldeskToBaseMs: med(switches.evaldeskToBase, 3),
        toBaseRatio: round(median(switches.evaldeskToBase) / median(switches.bareToBase), 3),
        toBasePairedRatio: round(median(switches.evaldeskToBase.map((ms, i) => ms / switches.bareToBase[i]!)), 3),
        coldFirstToVersionMs: { bare: round(coldBare, 3), evaldesk: round(coldEvaldesk, 3) },
        recreated: {
          baseContextSize: recreatedSize,
          bareToVersionMs: med(recreated.bareToVersion, 3),
          evaldeskToVersionMs: med(recreated.evaldeskToVersion, 3),
          ratio: round(median(recreated.evaldeskToVersion) / median(recreated.bareToVersion), 3),
          pairedRatio: round(median(recreated.evaldeskToVersion.map((ms, i) => ms / recreated.bareToVersion[i]!)), 3),
          toBaseRatio: round(median(recreated.evaldeskToBase) / median(recreated.bareToBase), 3),
          toBasePairedRatio: round(median(recreated.evaldeskToBase.map((ms, i) => ms / recreated.bareToBase[i]!)), 3),
        },
        parts: {
          disposeMs: med(parts.dispose, 3),
          createWithoutAdapterMs: med(parts.createPlain, 3),
          createWithAdapterMs: med(parts.createLora, 3),
          createContextWithAdaptersMs: med(parts.createTapped, 3),
          loggerTapMs: round(median(parts.createTapped) - median(parts.createLora), 3),
          acquireContextWithoutSwitchMs: med(parts.acquireNoSwitch, 3),
          runtimeStatusMs: med(parts.status, 3),
        },
      },
      ttft: {
        evaldeskVersionAfterBaseMs: med(ttft.versionAfterBase),
        evaldeskVersionAfterBaseLoggedMs: med(ttft.versionAfterBaseLogged),
        evaldeskBaseAfterVersionMs: med(ttft.baseAfterVersion),
        bareVersionAfterBaseMs: med(ttft.bareVersionAfterBase),
        bareVersionWithoutSwitchMs: med(ttft.bareVersionNoSwitch),
        extraMs: round(median(ttft.versionAfterBase) - median(ttft.bareVersionAfterBase)),
        extraLoggedMs: round(median(ttft.versionAfterBaseLogged) - median(ttft.bareVersionAfterBase)),
        sessionStartMs: { base: med(sessionStart.base), version: med(sessionStart.version) },
        parts: { promptBuildMs: med(ttftParts.promptBuild, 3), inspectBaseGgufMs: med(ttftParts.inspectGguf, 3) },
      },
      ab: abRows,
      sameAnswers: { base: sameAnswer(evaldeskAnswers.base!, bareBaseAnswer), version: sameAnswer(evaldeskAnswers.version!, bareVersionAnswer) },
      batchingTwoSequencesOfOneVersion: {
        sequentialTokensPerSecond: med(batching.sequential, 1),
        batchedTokensPerSecond: med(batching.batched, 1),
        speedup: round(median(batching.batched) / median(batching.sequential), 3),
        tokensPerRun: median(batching.tokens),
      },
      target: { switchRatio: '<= 1.05', abThroughputRatio: '>= 0.95 (the maxTokens 64 row)', batching: 'report whether two sequences in one batch are faster' },
      notes: [
        'switch: time from the base to the version (…ToVersion) and back (…ToBase) on a loaded model. EvalDesk = runtime.acquireContext(modelId, 512, adapters): the context has the size needed, so llama.cpp replaces its adapters in place (llama_set_adapters_lora through node-llama-cpp, the step its createContext({ lora }) takes after creating a context) and the sequences are cleared, plus the status-bar notification; the compute graph is re-planned at the next decode, which the ttft rows include. Bare = context.dispose() + model.createContext({ lora }) + getSequence() on its own model of the same file: creating the same context. ratio = EvalDesk / bare (target <= 1.05). recreated: the version at 512 and the base at 256 tokens, so both sides dispose and create a context each switch: EvalDesk\'s own overhead on that path (settings, the logger tap, the lock, the notification). Medians of interleaved runs; the adapter is the stored GGUF of the registered version on both sides.',
        'coldFirstToVersionMs: the first switch to the version on each model, which also reads the adapter file and loads it into the model (node-llama-cpp keeps it per model afterwards); not in the medians.',
        "parts: on the bare model, dispose, createContext without/with the adapter, and the same through EvalDesk's createContextWithAdapters; loggerTapMs = createContextWithAdapters - createContext({ lora }). acquireContextWithoutSwitchMs: acquireContext when the context already fits (its fixed cost). runtimeStatusMs: one runtime.status(), which each of the two notifications of a switch computes (process.memoryUsage(), os memory, prompt format; VRAM state on a GPU build).",
        'ttft: EvalDesk chat.ask of a version session right after a base session (and the reverse), from the call to the first chat.token event: log row, adapter file check, context switch, prompt build, prompt evaluation, first token, and the streaming text waiting for whole characters (these tiny-vocabulary answers start with byte tokens, held back up to 3 tokens). …LoggedMs: the log timeToFirstTokenMs, EvalDesk own clock from the start of answering (after dispatch and the session read) to the first sampled token; extraLoggedMs compares that with bare. Bare reference: dispose + createContext({ lora }) + evaluate the same prompt tokens to the first token; bareVersionWithoutSwitchMs is the same on a cleared sequence of an existing version context (the difference is the switch). sessionStartMs: sessions.start (ab.ask starts two per round; a version start re-reads the base GGUF header, fingerprints the base file and checks the adapter files). parts: promptBuildMs = buildPromptTokens for this prompt (EvalDesk, per answer); inspectBaseGgufMs = inspectGguf(base), which checkRunnable runs on every sessions.start of a version.',
        "ab (one row per maxTokens): tokens/s = completion tokens of both answers / wall time of ab.ask (two sessions started, both answers generated at once on two contexts of the loaded base, each streamed and logged, the comparison row). The llama instance has maxThreads 1 on both sides; node-llama-cpp gives each of two concurrent evaluations at least one thread, so the two answers use two threads. bareSequential: the same two answers in the same A/B order through one context recreated when the side changes, as EvalDesk's runtime does (contextSwitchesPerRoundMean). ratio = EvalDesk / bareSequential (target >= 0.95). bareTwoLiveContexts: one context per side kept alive, no switch (each sequence cleared so the prompt is evaluated again), answered one after the other; bareTwoContextsAtOnce: the same two contexts answering at once (Promise.all), which is what EvalDesk does: ratioVsTwoContextsAtOnce is its overhead over the bare library doing the same. phases: call -> first token of A, A's first -> last token, A's last token -> B's first token, B's decode, B's last token -> return (EvalDesk from chat.token events, bare from its own token loop).",
        'Bare generation = node-llama-cpp sequence.evaluate on the exact prompt tokens EvalDesk builds (ChatML template rendered and tokenized as one text, built once untimed with prompt-tokens.ts), greedy, stopping on end of turn or maxTokens as EvalDesk does; sameAnswers compares token counts and texts of the 64-token answers of both sides (bare text without a trailing incomplete character, which EvalDesk drops when cut at maxTokens).',
        'batching: llama.cpp applies LoRA adapters per context and node-llama-cpp 3.22 exposes them only per context (LlamaContextOptions.lora), so the base and a version cannot share one batch. Measured instead: two 64-token answers of the same version in one context with 2 sequences generated concurrently (Promise.all) vs one after the other on the same context; speedup > 1 means batching is faster.',
      ],
    },
    null,
    2,
  ),
);
