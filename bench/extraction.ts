/**
 * Graph-RAG extraction throughput (issue 15, seed 002): documents per minute through EvalDesk's
 * extractDocumentGraph with createLlamaJsonGenerator vs the same prompts through bare
 * node-llama-cpp (a fresh LlamaChatSession per call on the same sequence, under the same
 * JSON-schema grammars), on the tiny fixture model, CPU, one thread. Medians of `runs`
 * interleaved runs (argv[2], default 5), each over the same documents (some read in two parts,
 * so the combining call is in it too).
 *
 * Target (issue 15): ratio = EvalDesk / bare documents per minute >= 0.95.
 *
 * Both sides share one model, context and sequence, and sample with the same seed and
 * temperature, so they generate the same tokens: an untimed first pass records every prompt and
 * answer of both sides and `sameWork` says whether they matched. The bare side gets each
 * document's part prompts made beforehand (untimed); EvalDesk splits the text (counting tokens
 * with the model's tokenizer), times and parses each call, and merges the graph inside the timing.
 */
import { getLlama, LlamaChatSession, LlamaLogLevel, type GbnfJsonSchema, type LlamaGrammar } from 'node-llama-cpp';
import { ensureFixtures } from '../tests/fixtures/tiny-models.ts';
import { combinePrompt, extractDocumentGraph, extractionPrompt, graphSchemas, resolveLimits, type DocumentGraphResult } from '../electron/services/graph/extract.ts';
import { splitIntoParts } from '../electron/services/graph/split.ts';
import { createLlamaJsonGenerator, type JsonGenerator } from '../electron/services/runtime/json-generator.ts';
import { median, round } from './lib.ts';

const runs = Number(process.argv[2] ?? 5);
const contextSize = 2048;
const maxTokens = 800;
const temperature = 1;
const seed = 7;
/** The fixture's 2,048-token context holds the prompt (~1,000 tokens in its letter-level vocabulary), a part and the longest answer these limits allow. */
const partTokens = 200;
const limits = resolveLimits({ summaryChars: 40, nameChars: 10, typeChars: 6, descriptionChars: 16, relationChars: 8, entitiesPerPart: 2, relationsPerPart: 1 });
const schemas = graphSchemas(limits);
const systemPrompt = 'You are the data assistant of EvalDesk, an app for evaluating language models. You reply with one JSON object, exactly as asked.';

const documents = [
  { title: '연차 규정', text: '연차휴가는 최소 사흘 전에 신청해야 합니다. 팀장의 승인이 필요합니다.' },
  { title: '経費精算', text: `${'経費精算の締め日は毎月二十五日です。'.repeat(3)}\n\n領収書の原本を添付してください。カタカナ商事への支払いは翌月です。` },
  { title: 'A프로젝트', text: 'A프로젝트는 N2SQL을 사용합니다. B팀이 운영을 맡습니다.\n\n2026년 2차 코칭에서 진행률 대시보드를 검토했습니다.' },
  { title: 'VPN', text: 'The VPN client must be updated before March. The IT desk in Seoul Office handles requests.' },
  { title: '코칭노트', text: `${'3주차 코칭: 데이터 파이프라인 설계를 점검했습니다. '.repeat(4)}\n\n다음 주까지 테스트 계획을 제출합니다.` },
  { title: 'Board', text: 'Tip: the dashboard shows progress per batch. Comments are merged into the post content.' },
];

const now = () => performance.now();
const med = (values: number[], digits = 2) => round(median(values), digits);

const fixtures = await ensureFixtures();
const llama = await getLlama({ gpu: false, maxThreads: 1, build: 'never', progressLogs: false, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: fixtures.tinyChat });
const context = await model.createContext({ contextSize, sequences: 1, threads: 1 });
const sequence = context.getSequence();
const countTokens = (text: string) => model.tokenize(text).length;

// ---------------------------------------------------------------- EvalDesk
const evaldeskGenerator = createLlamaJsonGenerator({ llama, sequence }, { systemPrompt, maxTokens, temperature, seed });

async function evaldeskDocument(document: (typeof documents)[number], generate: JsonGenerator): Promise<DocumentGraphResult> {
  return extractDocumentGraph(document.text, { generate, countTokens, partTokens, timeoutMs: 120_000, title: document.title, limits });
}

// ---------------------------------------------------------------- bare node-llama-cpp
const grammars = new Map<GbnfJsonSchema, LlamaGrammar>([
  [schemas.extraction, await llama.createGrammarForJsonSchema<GbnfJsonSchema>(schemas.extraction)],
  [schemas.summary, await llama.createGrammarForJsonSchema<GbnfJsonSchema>(schemas.summary)],
]);
/** Each document's part prompts, made beforehand (untimed). */
const bareDocuments = documents.map((document) => {
  const parts = splitIntoParts(document.text, countTokens, partTokens);
  return { title: document.title, prompts: parts.map((part, index) => extractionPrompt(part, { title: document.title, part: index + 1, parts: parts.length, limits })) };
});

async function bareAsk(prompt: string, schema: GbnfJsonSchema): Promise<string> {
  await sequence.clearHistory();
  const session = new LlamaChatSession({ contextSequence: sequence, systemPrompt, autoDisposeSequence: false });
  try {
    return await session.prompt(prompt, { grammar: grammars.get(schema)!, maxTokens, temperature, seed });
  } finally {
    session.dispose({ disposeSequence: false });
  }
}

/** The answer's summary as EvalDesk passes it on (white space collapsed, cut to the limit: a byte-fallback answer can run past the grammar's count), so the combining prompts are the same. */
const bareSummary = (text: string) =>
  [...String((JSON.parse(text) as { summary: unknown }).summary).replace(/\s+/gu, ' ').trim()]
    .slice(0, limits.summaryChars)
    .join('')
    .trim();

async function bareDocument(document: (typeof bareDocuments)[number], record?: (prompt: string, answer: string) => void): Promise<string> {
  const summaries: string[] = [];
  for (const prompt of document.prompts) {
    const answer = await bareAsk(prompt, schemas.extraction);
    record?.(prompt, answer);
    summaries.push(bareSummary(answer));
  }
  if (summaries.length === 1) return summaries[0]!;
  const prompt = combinePrompt(summaries, { title: document.title, limits });
  const answer = await bareAsk(prompt, schemas.summary);
  record?.(prompt, answer);
  return bareSummary(answer);
}

// ---------------------------------------------------------------- the same work? (untimed)
const evaldeskCalls: Array<[string, string]> = [];
const recording: JsonGenerator = async (prompt, schema, options) => {
  const answer = await evaldeskGenerator(prompt, schema, options);
  evaldeskCalls.push([prompt, answer]);
  return answer;
};
const outcomes: string[] = [];
const partsPerDocument: number[] = [];
for (const document of documents) {
  const result = await evaldeskDocument(document, recording);
  outcomes.push(result.reason ? `${result.outcome}:${result.reason}` : result.outcome);
  partsPerDocument.push(result.parts);
}
const bareCalls: Array<[string, string]> = [];
for (const document of bareDocuments) await bareDocument(document, (prompt, answer) => bareCalls.push([prompt, answer]));
const sameWork = JSON.stringify(evaldeskCalls) === JSON.stringify(bareCalls);
const answerTokens = evaldeskCalls.reduce((sum, [, answer]) => sum + countTokens(answer), 0);
const promptTokens = evaldeskCalls.reduce((sum, [prompt]) => sum + countTokens(prompt), 0);

// ---------------------------------------------------------------- timed, interleaved
const perMinute = { evaldesk: [] as number[], bare: [] as number[] };
async function timeEvaldesk() {
  const started = now();
  for (const document of documents) await evaldeskDocument(document, evaldeskGenerator);
  perMinute.evaldesk.push((documents.length * 60_000) / (now() - started));
}
async function timeBare() {
  const started = now();
  for (const document of bareDocuments) await bareDocument(document);
  perMinute.bare.push((documents.length * 60_000) / (now() - started));
}
for (let i = 0; i < runs; i++) {
  // Alternate which side goes first.
  if (i % 2 === 0) {
    await timeEvaldesk();
    await timeBare();
  } else {
    await timeBare();
    await timeEvaldesk();
  }
}

console.log(
  JSON.stringify(
    {
      bench: 'extraction',
      model: 'tests/fixtures tinyChat (random weights, 2 layers, ChatML)',
      runs,
      documents: documents.length,
      partsPerDocument,
      callsPerPass: evaldeskCalls.length,
      outcomes,
      sameWork,
      tokensPerPass: { prompt: promptTokens, answer: answerTokens },
      documentsPerMinute: { evaldesk: med(perMinute.evaldesk, 1), bare: med(perMinute.bare, 1) },
      ratio: round(median(perMinute.evaldesk) / median(perMinute.bare), 3),
      target: { ratio: '>= 0.95' },
      notes: [
        'EvalDesk = extractDocumentGraph (split by the model tokenizer, a timed and abortable call per part under the extraction grammar, JSON parsed and cleaned, entities merged, one combining call under the summary grammar for two-part documents) with createLlamaJsonGenerator (promptWithGrammar: clearHistory + a fresh LlamaChatSession per call). Bare = the same prompts, made beforehand, through clearHistory + LlamaChatSession.prompt with the same grammars, JSON.parse of the answer, and the same combining prompt.',
        `Sampling: temperature ${temperature}, seed ${seed}, maxTokens ${maxTokens}; one thread, CPU, context ${contextSize}. sameWork: every prompt and answer of one pass identical on both sides (so both generate the same tokens).`,
      ],
    },
    null,
    2,
  ),
);

await context.dispose();
await model.dispose();
await llama.dispose();
