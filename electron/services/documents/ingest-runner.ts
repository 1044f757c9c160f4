import crypto from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ApiError, isApiErrorPayload } from '../../../shared/contract/errors.ts';
import { untilAborted, withTimeout } from '../jobs/abortable.ts';
import type { WorkerRequest, WorkerResponse } from './ingest-worker.ts';
import type { PrepareRequest, PreparedDocument } from './prepare.ts';

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: ApiError) => void;
  onProgress?: (fraction: number, phase: string) => void;
}

/** Which embedder a worker loads: its spec and the folder ONNX models are read from. */
export interface EmbedderLocator {
  spec: string;
  onnxDir: string;
}

export interface EmbedderFacts {
  embedderId: string;
  dimensions: number;
}

export interface IngestRunnerOptions {
  threads: number;
  /** Where the worker entry lives (a bundled .js in the packaged app, the .ts source otherwise). */
  workerPath?: string;
  /**
   * How long loading an embedder may take before it is given up. A model on a hung network
   * mount blocks its loader forever; everything waiting on it gets a clear error instead.
   */
  loadTimeoutMs?: number;
}

/**
 * Ingestion uses one worker per embedder, queries another: a question's embedding never waits
 * behind a folder being ingested.
 */
type Role = 'ingest' | 'query';

const defaultLoadTimeoutMs = 120_000;
/** A worker stuck in a system call cannot be terminated; closing does not wait for it longer. */
const terminateGraceMs = 2_000;

/**
 * Runs embedders in worker threads, so the main process never opens a model file itself (a hung
 * file system then stalls a worker, never the process serving the UI). Document preparation jobs
 * queue in the ingest worker one after another; each can be cancelled; a failing document rejects
 * only its own job.
 */
export function createIngestRunner(options: IngestRunnerOptions) {
  const workers = new Map<string, { worker: Worker; ready: Promise<EmbedderFacts>; pending: Map<string, Pending> }>();
  const workerPath = options.workerPath ?? path.join(import.meta.dirname, 'ingest-worker.ts');
  const loadTimeoutMs = options.loadTimeoutMs ?? defaultLoadTimeoutMs;
  /** Workers that never answered; they may hold threads in system calls until the process ends. */
  let stuckWorkers = 0;

  function workerFor(locator: EmbedderLocator, role: Role) {
    const key = `${role}\u0000${locator.spec}\u0000${locator.onnxDir}`;
    const existing = workers.get(key);
    if (existing) return existing;
    const worker = new Worker(workerPath, { workerData: { embedderSpec: locator.spec, onnxDir: locator.onnxDir, threads: options.threads } });
    const pending = new Map<string, Pending>();
    let markReady!: (value: EmbedderFacts) => void;
    let failReady!: (error: ApiError) => void;
    const loading = new Promise<EmbedderFacts>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    let failed = false;
    const failAll = (error: ApiError) => {
      if (failed) return;
      failed = true;
      failReady(error);
      for (const job of pending.values()) job.reject(error);
      pending.clear();
      if (workers.get(key)?.worker === worker) workers.delete(key);
    };
    const ready = withTimeout(loading, loadTimeoutMs, () => {
      stuckWorkers++;
      const error = new ApiError(
        'EMBEDDER_UNAVAILABLE',
        `The embedding model "${locator.spec}" did not finish loading within ${Math.round(loadTimeoutMs / 1000)} seconds. Its files may be on a drive that does not answer; choose another embedder or check the drive.`,
        { model: locator.spec, reason: 'timeout', seconds: Math.round(loadTimeoutMs / 1000) },
      );
      failAll(error);
      void worker.terminate().catch(() => {});
      return error;
    });
    ready.catch(() => {});
    worker.on('message', (message: WorkerResponse) => {
      if (message.type === 'ready') return markReady({ embedderId: message.embedderId, dimensions: message.dimensions });
      if (message.type === 'failed' && message.jobId === null) {
        failAll(isApiErrorPayload(message.error) ? ApiError.fromPayload(message.error) : new ApiError('EMBEDDER_UNAVAILABLE', message.error.message));
        void worker.terminate();
        return;
      }
      const job = message.jobId ? pending.get(message.jobId) : undefined;
      if (!job) return;
      if (message.type === 'progress') job.onProgress?.(message.fraction, message.phase);
      else if (message.type === 'done' || message.type === 'embedded') {
        pending.delete(message.jobId);
        job.resolve(message.type === 'done' ? message.result : message.vector);
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

  /** Sends one request to a loaded worker and waits for its answer (or the cancel signal). */
  async function request<T>(locator: EmbedderLocator, role: Role, message: (jobId: string) => { message: WorkerRequest; transfer?: ArrayBuffer[] }, signal?: AbortSignal, onProgress?: Pending['onProgress']): Promise<T> {
    const entry = workerFor(locator, role);
    await untilAborted(entry.ready, signal);
    const jobId = crypto.randomUUID();
    return new Promise<T>((resolve, reject) => {
      entry.pending.set(jobId, { resolve: resolve as (value: unknown) => void, reject, ...(onProgress && { onProgress }) });
      signal?.addEventListener('abort', () => entry.worker.postMessage({ type: 'cancel', jobId } satisfies WorkerRequest), { once: true });
      const { message: payload, transfer } = message(jobId);
      entry.worker.postMessage(payload, transfer ?? []);
    });
  }

  return {
    /** Resolves with the embedder's id and vector size once its worker has loaded it. */
    embedderInfo: (locator: EmbedderLocator, signal?: AbortSignal) => untilAborted(workerFor(locator, 'ingest').ready, signal),

    prepare(locator: EmbedderLocator, prepareRequest: PrepareRequest, onProgress: (fraction: number, phase: string) => void, signal?: AbortSignal): Promise<PreparedDocument | null> {
      return request<PreparedDocument | null>(
        locator,
        'ingest',
        (jobId) => {
          // A private copy is transferred (Node's small Buffers share one pooled ArrayBuffer, which
          // must never be detached).
          const bytes = new Uint8Array(prepareRequest.bytes);
          return { message: { type: 'prepare', jobId, request: { ...prepareRequest, bytes } }, transfer: [bytes.buffer as ArrayBuffer] };
        },
        signal,
        onProgress,
      );
    },

    /** A question's embedding and the embedder it came from, from the query worker. */
    async embedQuery(locator: EmbedderLocator, text: string, signal?: AbortSignal): Promise<EmbedderFacts & { vector: Float32Array }> {
      const facts = await untilAborted(workerFor(locator, 'query').ready, signal);
      const vector = await request<Float32Array>(locator, 'query', (jobId) => ({ message: { type: 'embedQuery', jobId, text } }), signal);
      return { ...facts, vector };
    },

    /** Stops every worker; one stuck in a system call is left behind instead of waited for. */
    async close(): Promise<void> {
      const all = [...workers.values()];
      workers.clear();
      const settled = Promise.all(all.map(({ worker }) => worker.terminate().catch(() => 0)));
      await withTimeout(settled, terminateGraceMs, () => new Error('workers did not stop')).catch(() => {
        stuckWorkers++;
      });
    },

    /** True when a worker hung in a system call: the process can then only end by a signal. */
    hasStuckWorkers: () => stuckWorkers > 0,
  };
}

export type IngestRunner = ReturnType<typeof createIngestRunner>;
