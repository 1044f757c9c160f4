/**
 * Ingestion throughput (chunks/s): a folder of documents through EvalDesk (extraction, chunking,
 * embedding in the worker thread, LanceDB commit, SQLite bookkeeping) vs the bare transformers.js
 * pipeline embedding the very same chunk texts. Target (issue 3): ratio >= 0.9.
 * Usage: node bench/ingestion.ts [documents=100]
 */
import fs from 'node:fs';
import path from 'node:path';
import { chunkSections } from '../electron/services/documents/chunker.ts';
import { extractDocument } from '../electron/services/documents/extract.ts';
import { ensureTinyEmbedder } from '../tests/fixtures/tiny-embedder.ts';
import { openTestApp, tempDir } from '../tests/helpers/app.ts';
import { median, round } from './lib.ts';

const documentCount = Number(process.argv[2] ?? 100);
// 0: the bare fixture (embedding almost free: measures EvalDesk's own overhead);
// e.g. 16384: a graph with roughly the per-token compute of a small real encoder.
const computeWidth = Number(process.argv[3] ?? 0);
const embedder = ensureTinyEmbedder(undefined, { computeWidth });
const sentences = [
  '연차휴가는 최소 사흘 전에 신청해야 하며 팀장의 승인이 필요합니다.',
  '経費精算の締め日は毎月二十五日で、領収書の原本を添付してください。',
  '合同审核需要营业执照和授权书，请提前五个工作日提交。',
  'Travel requests above the budget limit need the approval of a director.',
];
const corpus = tempDir('evaldesk-bench-ingest-');
for (let d = 0; d < documentCount; d++) {
  const body = Array.from({ length: 60 }, (_, i) => `${sentences[(d + i) % sentences.length]} (${d}-${i})`).join('\n');
  fs.writeFileSync(path.join(corpus, `doc-${d}.md`), `# Document ${d}\n${body}\n`);
}

async function runEvalDesk(): Promise<{ seconds: number; chunks: number }> {
  const app = await openTestApp();
  try {
    const settings = await app.call('settings.get', {});
    fs.cpSync(embedder.dir, path.join(settings.modelsDir, 'embeddings', embedder.name), { recursive: true });
    await app.call('settings.update', { embedder: `onnx:${embedder.name}` });
    const workspace = await app.call('workspaces.create', { name: 'bench', chunkSize: 64, chunkOverlap: 8 });
    // Warm the worker (model load) outside the timed part, as the bare run loads its model untimed too.
    await app.call('documents.addText', { workspaceId: workspace.id, docId: 'warm-up', title: 'warm', text: sentences.join(' ') });
    const started = performance.now();
    const outcomes = await app.call('documents.addFiles', { workspaceId: workspace.id, paths: [corpus] });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, chunks: outcomes.reduce((sum, o) => sum + (o.document?.chunkCount ?? 0), 0) };
  } finally {
    await app.close();
  }
}

async function runBare(): Promise<{ seconds: number; chunks: number }> {
  const transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.localModelPath = embedder.embeddingsDir + path.sep;
  const extractor = await transformers.pipeline('feature-extraction', embedder.name, { dtype: 'q8', session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 } });
  // The same chunk texts EvalDesk embeds, prepared outside the timed loop.
  const texts: string[] = [];
  for (const file of fs.readdirSync(corpus).sort()) {
    const document = await extractDocument(fs.readFileSync(path.join(corpus, file)), file);
    texts.push(...chunkSections(document.sections, { size: 64, overlap: 8, countTokens: (text) => (extractor.tokenizer.encode(text) as number[]).length }).map((c) => c.text));
  }
  const started = performance.now();
  for (let i = 0; i < texts.length; i += 16) await extractor(texts.slice(i, i + 16), { pooling: 'mean', normalize: true });
  const seconds = (performance.now() - started) / 1000;
  await extractor.dispose();
  return { seconds, chunks: texts.length };
}

const evaldesk: number[] = [];
const bare: number[] = [];
let chunks = 0;
for (let run = 0; run < 3; run++) {
  const a = await runBare();
  const b = await runEvalDesk();
  bare.push(a.chunks / a.seconds);
  evaldesk.push(b.chunks / b.seconds);
  chunks = b.chunks;
}
console.log(
  JSON.stringify(
    {
      benchmark: 'ingestion-throughput',
      documents: documentCount,
      chunks,
      embedder: `onnx:${embedder.name} (q8, 1 thread)`,
      computeWidth,
      bareChunksPerSecondMedian: round(median(bare), 1),
      evaldeskChunksPerSecondMedian: round(median(evaldesk), 1),
      ratio: round(median(evaldesk) / median(bare), 3),
      target: { ratio: 0.9 },
      note: 'EvalDesk includes extraction, chunking, LanceDB and SQLite writes; bare embeds pre-made chunks only',
    },
    null,
    2,
  ),
);
