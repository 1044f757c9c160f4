/**
 * Ingestion worker thread: extraction, chunking and embedding run here so the main process (and
 * the window it serves) stays responsive. Messages in: {type:'prepare', job} and {type:'cancel', jobId}.
 * Messages out: progress, done (with vectors), failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../../../shared/contract/errors.ts';
import { openEmbedder, type Embedder } from '../embeddings/embedder.ts';
import { prepareDocument, type PrepareRequest } from './prepare.ts';

interface WorkerConfig {
  embedderSpec: string;
  onnxDir: string;
  threads: number;
}

export type WorkerRequest =
  | { type: 'prepare'; jobId: string; request: PrepareRequest }
  | { type: 'embedQuery'; jobId: string; text: string }
  | { type: 'cancel'; jobId: string }
  | { type: 'close' };
export type WorkerResponse =
  | { type: 'ready'; embedderId: string; dimensions: number }
  | { type: 'progress'; jobId: string; fraction: number; phase: string }
  | { type: 'done'; jobId: string; result: Awaited<ReturnType<typeof prepareDocument>> }
  | { type: 'embedded'; jobId: string; vector: Float32Array }
  | { type: 'failed'; jobId: string | null; error: { code: string; message: string; params?: Record<string, string | number> } };

const port = parentPort!;
const config = workerData as WorkerConfig;
const cancelled = new Set<string>();
const queue: Array<{ jobId: string; request: PrepareRequest }> = [];
let embedder: Embedder | null = null;
let running = false;

const post = (message: WorkerResponse) => port.postMessage(message);

async function drain() {
  if (running || !embedder) return;
  running = true;
  while (queue.length > 0) {
    const { jobId, request } = queue.shift()!;
    if (cancelled.delete(jobId)) {
      post({ type: 'failed', jobId, error: { code: 'CANCELLED', message: `${request.fileName}: cancelled.` } });
      continue;
    }
    try {
      const result = await prepareDocument(request, embedder, (fraction, phase) => post({ type: 'progress', jobId, fraction, phase }), () => cancelled.has(jobId));
      post({ type: 'done', jobId, result });
    } catch (error) {
      const payload =
        error instanceof ApiError
          ? error.toPayload()
          : (error as { cancelled?: boolean }).cancelled
            ? { code: 'CANCELLED', message: `${request.fileName}: cancelled.` }
            : { code: 'INTERNAL', message: `${request.fileName}: ${(error as Error).message}` };
      post({ type: 'failed', jobId, error: payload });
    } finally {
      cancelled.delete(jobId);
    }
  }
  running = false;
}

/** A question's embedding: short, answered at once (query workers never hold documents). */
async function embedQuery(jobId: string, text: string) {
  try {
    if (!embedder) throw new ApiError('EMBEDDER_UNAVAILABLE', 'The embedding model is not loaded.');
    post({ type: 'embedded', jobId, vector: await embedder.embedQuery(text) });
  } catch (error) {
    post({ type: 'failed', jobId, error: error instanceof ApiError ? error.toPayload() : { code: 'INTERNAL', message: (error as Error).message } });
  }
}

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'prepare') {
    queue.push({ jobId: message.jobId, request: message.request });
    void drain();
  } else if (message.type === 'embedQuery') {
    void embedQuery(message.jobId, message.text);
  } else if (message.type === 'cancel') {
    cancelled.add(message.jobId);
  } else if (message.type === 'close') {
    void embedder?.dispose().finally(() => process.exit(0));
  }
});

try {
  embedder = await openEmbedder(config.embedderSpec, { onnxDir: config.onnxDir, threads: config.threads });
  post({ type: 'ready', embedderId: embedder.id, dimensions: embedder.dimensions });
  void drain();
} catch (error) {
  post({ type: 'failed', jobId: null, error: error instanceof ApiError ? error.toPayload() : { code: 'EMBEDDER_UNAVAILABLE', message: (error as Error).message } });
}
