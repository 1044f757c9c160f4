import crypto from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ApiError, isApiErrorPayload } from '../../../shared/contract/errors.ts';
import type { WorkerRequest, WorkerResponse } from './ingest-worker.ts';
import type { PrepareRequest, PreparedDocument } from './prepare.ts';

interface Pending {
  resolve: (result: PreparedDocument | null) => void;
  reject: (error: ApiError) => void;
  onProgress: (fraction: number, phase: string) => void;
}

/** Which embedder a worker loads: its spec and the folder ONNX models are read from. */
export interface EmbedderLocator {
  spec: string;
  onnxDir: string;
}

export interface IngestRunnerOptions {
  threads: number;
  /** Where the worker entry lives (a bundled .js in the packaged app, the .ts source otherwise). */
  workerPath?: string;
}

/**
 * Runs document preparation in a worker thread per embedder. Jobs queue in the worker one after
 * another; each can be cancelled; a failing document rejects only its own job.
 */
export function createIngestRunner(options: IngestRunnerOptions) {
  const workers = new Map<string, { worker: Worker; ready: Promise<{ embedderId: string; dimensions: number }>; pending: Map<string, Pending> }>();
  const workerPath = options.workerPath ?? path.join(import.meta.dirname, 'ingest-worker.ts');

  function workerFor(locator: EmbedderLocator) {
    const key = `${locator.spec}\u0000${locator.onnxDir}`;
    const existing = workers.get(key);
    if (existing) return existing;
    const worker = new Worker(workerPath, { workerData: { embedderSpec: locator.spec, onnxDir: locator.onnxDir, threads: options.threads } });
    const pending = new Map<string, Pending>();
    let markReady!: (value: { embedderId: string; dimensions: number }) => void;
    let failReady!: (error: ApiError) => void;
    const ready = new Promise<{ embedderId: string; dimensions: number }>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => {});
    const failAll = (error: ApiError) => {
      failReady(error);
      for (const job of pending.values()) job.reject(error);
      pending.clear();
      workers.delete(key);
    };
    worker.on('message', (message: WorkerResponse) => {
      if (message.type === 'ready') return markReady({ embedderId: message.embedderId, dimensions: message.dimensions });
      if (message.type === 'failed' && message.jobId === null) {
        failAll(isApiErrorPayload(message.error) ? ApiError.fromPayload(message.error) : new ApiError('EMBEDDER_UNAVAILABLE', message.error.message));
        void worker.terminate();
        return;
      }
      const job = message.jobId ? pending.get(message.jobId) : undefined;
      if (!job) return;
      if (message.type === 'progress') job.onProgress(message.fraction, message.phase);
      else if (message.type === 'done') {
        pending.delete(message.jobId);
        job.resolve(message.result);
      } else if (message.type === 'failed') {
        pending.delete(message.jobId!);
        job.reject(isApiErrorPayload(message.error) ? ApiError.fromPayload(message.error) : new ApiError('INTERNAL', message.error.message));
      }
    });
    worker.on('error', (error) => failAll(new ApiError('INTERNAL', `The ingestion worker failed: ${error.message}`)));
    worker.on('exit', () => failAll(new ApiError('INTERNAL', 'The ingestion worker stopped.')));
    const entry = { worker, ready, pending };
    workers.set(key, entry);
    return entry;
  }

  return {
    /** Resolves with the embedder's id and vector size once its worker has loaded it. */
    embedderInfo: (locator: EmbedderLocator) => workerFor(locator).ready,

    prepare(locator: EmbedderLocator, request: PrepareRequest, onProgress: (fraction: number, phase: string) => void, signal?: AbortSignal): Promise<PreparedDocument | null> {
      const entry = workerFor(locator);
      const jobId = crypto.randomUUID();
      return new Promise<PreparedDocument | null>((resolve, reject) => {
        entry.pending.set(jobId, { resolve, reject, onProgress });
        signal?.addEventListener('abort', () => entry.worker.postMessage({ type: 'cancel', jobId } satisfies WorkerRequest), { once: true });
        // A private copy is transferred (Node's small Buffers share one pooled ArrayBuffer, which
        // must never be detached).
        const bytes = new Uint8Array(request.bytes);
        entry.worker.postMessage({ type: 'prepare', jobId, request: { ...request, bytes } } satisfies WorkerRequest, [bytes.buffer as ArrayBuffer]);
      });
    },

    async close(): Promise<void> {
      const all = [...workers.values()];
      workers.clear();
      await Promise.all(all.map(({ worker }) => worker.terminate()));
    },
  };
}

export type IngestRunner = ReturnType<typeof createIngestRunner>;
