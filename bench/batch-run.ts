/**
 * Batch-run throughput (issue 13 target: ratio >= 0.95 against bare node-llama-cpp on the same
 * prompts and the same parallelism), at 1, 2, 4 and 8 parallel sequences.
 *
 * EvalDesk side: `runs.start` with `wait` on a question set of `questions` questions, timed from
 * the call to its return (sessions, logs, links and progress included), through the app core.
 * Bare side: node-llama-cpp on the same GGUF, a context with as many sequences as EvalDesk's,
 * `parallelism` workers each taking the next question and generating greedily from exactly the
 * prompt tokens EvalDesk evaluates (the model's chat template rendered and tokenized as one text,
 * built untimed with EvalDesk's prompt-tokens.ts), stopping where EvalDesk stops (end of turn or
 * maxTokens), with the run's sampling options (temperature 0, seed 42), and decoding each answer's
 * text once. node-llama-cpp batches the sequences' tokens into one decode on both sides.
 * Throughput: generated tokens / wall time; medians of `runs` interleaved runs (argv[2], default 5).
 * One thread, CPU, the LoRA fixture's tiny ChatML base (so the template path is the real one).
 */
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { openTestApp } from '../tests/helpers/app.ts';
import { ensureLoraFixtures } from '../tests/fixtures/tiny-lora.ts';
import { resolvePromptFormat } from '../electron/services/runtime/chat-template.ts';
import { buildPromptTokens } from '../electron/services/chat/prompt-tokens.ts';
import { median, round } from './lib.ts';

const runs = Number(process.argv[2] ?? 5);
const questionCount = Number(process.argv[3] ?? 32);
const parallelisms = [1, 2, 4, 8];
const contextSize = 512;
const maxTokens = 64;
const systemPrompt = 'You are a helpful assistant.';
const questions = Array.from({ length: questionCount }, (_, i) => `Question ${i + 1}: which notice period applies to contract ${1000 + i}?`);
const now = () => performance.now();

const lora = await ensureLoraFixtures();

// ---------------------------------------------------------------- EvalDesk: a question set run through the API
const app = await openTestApp();
const base = await app.call('models.add', { path: lora.base });
const workspace = await app.call('workspaces.create', { name: 'batch-bench', systemPrompt, temperature: 0, maxTokens, contextSize, historyTurns: 0 });
const set = await app.call('questionSets.create', { workspaceId: workspace.id, name: 'bench', items: questions.map((question) => ({ question })) });
await app.call('runtime.load', { modelId: base.id });
const runtime = app.core.internals!.runtime;
const raw = app.core.internals!.db.raw;

async function evaldeskRun(parallelism: number): Promise<{ ms: number; tokens: number }> {
  const started = now();
  const [run] = await app.call('runs.start', { setId: set.id, modelId: base.id, versionIds: [null], parallelism, wait: true });
  const ms = now() - started;
  if (run!.status !== 'completed') throw new Error(`run ${run!.id} ended ${run!.status}: ${run!.error?.message}`);
  const tokens = raw.prepare('SELECT sum(l.completion_tokens) FROM batch_run_items r JOIN conversation_logs l ON l.id = r.log_id WHERE r.run_id = ?').pluck().get(run!.id) as number;
  return { ms, tokens };
}

// Warm up once at the highest parallelism: EvalDesk's context then holds 8 sequences and is kept
// for every level (acquireContext replaces a context only when it has too few), as bare's is.
await evaldeskRun(Math.max(...parallelisms));
const evaldeskContext = runtime.internals().loaded!.lanes[0].context!;

// ---------------------------------------------------------------- Bare node-llama-cpp, same file, same context shape
const llama = await getLlama({ gpu: false, maxThreads: 1, build: 'never', progressLogs: false, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: lora.base });
const context = await model.createContext({ contextSize: evaldeskContext.contextSize, sequences: evaldeskContext.totalSequences, threads: 1 });
const sequences = Array.from({ length: evaldeskContext.totalSequences }, () => context.getSequence());
const format = resolvePromptFormat(model);
if (format.rule !== 'jinja-whole-text') throw new Error(`The base was expected to have a usable chat template (${format.reason}).`);
const { stopTokens } = format;
const prompts = questions.map((question) => buildPromptTokens(model, format.template, [{ role: 'system', content: systemPrompt }, { role: 'user', content: question }]).tokens);

/**
 * `reusePrefix`: keep the prefix the sequence shares with the prompt and evaluate the rest (what
 * EvalDesk and node-llama-cpp's chat session do; the ratio's reference). Otherwise clear the
 * sequence and evaluate the whole prompt (shown beside it: on this tiny model, evaluating 60
 * tokens after a kept prefix takes longer than 115 from position 0, which no real model shows).
 */
async function bareGenerate(sequence: LlamaContextSequence, prompt: Token[], reusePrefix: boolean): Promise<number> {
  if (reusePrefix) await sequence.adaptStateToTokens(prompt.slice(0, -1), false);
  else await sequence.clearHistory();
  const tokens: Token[] = [];
  // The run's sampling settings (temperature 0, seed 42: runs.start's defaults, frozen in its session).
  for await (const token of sequence.evaluate(prompt.slice(sequence.nextTokenIndex), { temperature: 0, seed: 42, yieldEogToken: true })) {
    if (stopTokens.has(token) || model.isEogToken(token)) break;
    tokens.push(token);
    if (tokens.length >= maxTokens) break;
  }
  // An answer is text: decoded once, as a caller of the bare library would.
  model.detokenize(tokens);
  return tokens.length;
}

async function bareRun(parallelism: number, reusePrefix = true): Promise<{ ms: number; tokens: number }> {
  let next = 0;
  let tokens = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: parallelism }, async (_, slot) => {
      while (next < prompts.length) {
        const generated = await bareGenerate(sequences[slot]!, prompts[next++]!, reusePrefix);
        tokens += generated;
      }
    }),
  );
  return { ms: now() - started, tokens };
}
await bareRun(Math.max(...parallelisms));
await bareRun(Math.max(...parallelisms), false);

// ---------------------------------------------------------------- Interleaved runs
const results = [];
for (const parallelism of parallelisms) {
  const evaldesk: number[] = [];
  const bare: number[] = [];
  const bareFromScratch: number[] = [];
  const tokens = { evaldesk: 0, bare: 0 };
  for (let i = 0; i < runs; i++) {
    // Alternate which side goes first, so neither always runs right after the other.
    const order = i % 2 === 0 ? (['bare', 'evaldesk'] as const) : (['evaldesk', 'bare'] as const);
    for (const side of order) {
      const result = side === 'bare' ? await bareRun(parallelism) : await evaldeskRun(parallelism);
      (side === 'bare' ? bare : evaldesk).push((result.tokens / result.ms) * 1000);
      tokens[side] = result.tokens;
    }
    const scratch = await bareRun(parallelism, false);
    bareFromScratch.push((scratch.tokens / scratch.ms) * 1000);
  }
  results.push({
    parallelism,
    evaldeskTokensPerSecond: round(median(evaldesk), 1),
    bareTokensPerSecond: round(median(bare), 1),
    ratio: round(median(evaldesk) / median(bare), 3),
    // Each run's EvalDesk side against the bare side run next to it: drift of the machine between runs cancels out.
    pairedRatio: round(median(evaldesk.map((value, i) => value / bare[i]!)), 3),
    bareFromScratchTokensPerSecond: round(median(bareFromScratch), 1),
    generatedTokens: tokens,
  });
}

console.log(
  JSON.stringify(
    {
      benchmark: 'batch-run',
      model: 'tests/fixtures tinyChat (ChatML template)',
      questions: questionCount,
      maxTokens,
      runs,
      contextSequences: evaldeskContext.totalSequences,
      contextSize: evaldeskContext.contextSize,
      results,
      target: { ratio: 0.95 },
      notes: [
        'ratio: median EvalDesk throughput / median bare throughput. pairedRatio: the median of each run\'s EvalDesk / bare, the two run back to back, so the machine\'s drift between runs (a shared VM here) cancels out.',
      ],
    },
    null,
    2,
  ),
);
await context.dispose();
await model.dispose();
await llama.dispose();
await app.close();
