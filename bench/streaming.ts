/**
 * Streaming overhead: the same prompt through bare node-llama-cpp and through EvalDesk's service
 * layer (dispatcher -> chat service -> event bus -> SQLite log), same model, one thread, temperature 0.
 * Target (issues 2 and 10): tokens/s ratio >= 0.97; time to first token at most 15 ms more, on a
 * model without a chat template (stories260K) and on one with a ChatML template (the fixture).
 * The bare side is always node-llama-cpp's chat session; for the templated model EvalDesk renders
 * the GGUF's template and evaluates its whole-text tokens itself (issue 12), so that row also
 * covers the Jinja rendering and tokenization EvalDesk adds before the first token.
 */
import { getLlama, LlamaChatSession } from 'node-llama-cpp';
import { openTestApp } from '../tests/helpers/app.ts';
import { ensureFixtures } from '../tests/fixtures/tiny-models.ts';
import { benchmarkModelPath, median, round } from './lib.ts';

const runs = Number(process.argv[2] ?? 9);
const maxTokens = 200;
const systemPrompt = 'You are a storyteller.';
const question = 'Once upon a time there was a little girl who';

interface Sample {
  ttftMs: number;
  tokensPerSecond: number;
  tokens: number;
}

async function measure(modelPath: string) {
  // Bare library: one context and sequence, a fresh chat session per run (as EvalDesk does).
  const llama = await getLlama({ gpu: false, maxThreads: 1, build: 'never' });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 });
  const sequence = context.getSequence();

  async function bareRun(): Promise<Sample> {
    const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt, autoDisposeSequence: false });
    const started = performance.now();
    let first: number | null = null;
    let tokens = 0;
    await session.prompt(question, {
      maxTokens,
      temperature: 0,
      onToken: (t) => {
        first ??= performance.now();
        tokens += t.length;
      },
    });
    const ended = performance.now();
    session.dispose({ disposeSequence: false });
    return { ttftMs: first! - started, tokensPerSecond: (tokens - 1) / ((ended - first!) / 1000), tokens };
  }

  // EvalDesk: the real app core on a temp data folder, called through the dispatcher like an adapter.
  const app = await openTestApp();
  const registered = await app.call('models.add', { path: modelPath });
  const workspace = await app.call('workspaces.create', { name: 'bench', systemPrompt, temperature: 0, maxTokens, contextSize: 2048, historyTurns: 0 });
  await app.call('runtime.load', { modelId: registered.id });
  const session = await app.call('sessions.start', { workspaceId: workspace.id, modelId: registered.id });

  async function evaldeskRun(i: number): Promise<Sample> {
    const requestId = `bench-${i}`;
    let first: number | null = null;
    let last = 0;
    const stop = app.core.events.subscribe((event, payload) => {
      if (event === 'chat.token' && (payload as { requestId: string }).requestId === requestId) {
        last = performance.now();
        first ??= last;
      }
    });
    const started = performance.now();
    const log = await app.call('chat.ask', { sessionId: session.id, question, requestId });
    stop();
    return { ttftMs: first! - started, tokensPerSecond: (log.completionTokens - 1) / ((last - first!) / 1000), tokens: log.completionTokens };
  }

  const bare: Sample[] = [];
  const service: Sample[] = [];
  await bareRun();
  await evaldeskRun(-1);
  for (let i = 0; i < runs; i++) {
    bare.push(await bareRun());
    service.push(await evaldeskRun(i));
  }
  await app.close();
  await context.dispose();
  await model.dispose();
  await llama.dispose();

  return { bare, service };
}

const summary = (samples: Sample[]) => ({
  tokensPerSecondMedian: round(median(samples.map((s) => s.tokensPerSecond)), 1),
  ttftMsMedian: round(median(samples.map((s) => s.ttftMs))),
  tokensPerRun: median(samples.map((s) => s.tokens)),
});

const models = [
  { kind: 'no chat template', path: await benchmarkModelPath() },
  { kind: 'ChatML chat template', path: (await ensureFixtures()).tinyChat },
];
const results = [];
for (const model of models) {
  const { bare, service } = await measure(model.path);
  const bareSummary = summary(bare);
  const serviceSummary = summary(service);
  results.push({
    model: model.path.split('/').pop(),
    kind: model.kind,
    bare: bareSummary,
    evaldesk: serviceSummary,
    tokensPerSecondRatio: round(serviceSummary.tokensPerSecondMedian / bareSummary.tokensPerSecondMedian, 3),
    ttftExtraMs: round(serviceSummary.ttftMsMedian - bareSummary.ttftMsMedian),
  });
}
console.log(JSON.stringify({ benchmark: 'streaming-overhead', threads: 1, runs, results, target: { tokensPerSecondRatio: 0.97, ttftExtraMs: 15 } }, null, 2));
