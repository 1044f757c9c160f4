import type { EventPayload } from '../../../shared/contract/api.ts';
import crypto from 'node:crypto';
import { ApiError } from '../../../shared/contract/errors.ts';

/** The kinds the contract's job.progress event names: defined there once. */
export type JobKind = EventPayload<'job.progress'>['kind'];

export interface Job {
  id: string;
  signal: AbortSignal;
  /** Reports progress in [0, 1]; throttled so a tight loop cannot flood the UI. */
  progress(fraction: number, detail?: string): void;
  /** Throws CANCELLED when the job was cancelled; call it between units of work. */
  throwIfCancelled(): void;
}

/** Long work (model loads, exports) registers here to report progress and be cancellable by id. */
export function createJobRegistry(emit: (payload: { jobId: string; kind: JobKind; progress: number; detail?: string }) => void, options: { currentUserId?: () => number | null } = {}) {
  const running = new Map<string, AbortController>();
  /** Who started each running job (null: the app itself), so only they can cancel it. */
  const owners = new Map<string, number | null>();
  const settled = new Set<Promise<unknown>>();

  return {
    async run<T>(kind: JobKind, requestedId: string | undefined, work: (job: Job) => Promise<T>): Promise<T> {
      const id = requestedId ?? crypto.randomUUID();
      if (running.has(id)) throw new ApiError('CONFLICT', `A job with id ${id} is already running.`);
      const controller = new AbortController();
      running.set(id, controller);
      owners.set(id, options.currentUserId?.() ?? null);
      let lastEmit = 0;
      const job: Job = {
        id,
        signal: controller.signal,
        progress(fraction, detail) {
          const now = performance.now();
          if (fraction < 1 && now - lastEmit < 50) return;
          lastEmit = now;
          emit({ jobId: id, kind, progress: Math.max(0, Math.min(1, fraction)), ...(detail !== undefined && { detail }) });
        },
        throwIfCancelled() {
          if (controller.signal.aborted) throw new ApiError('CANCELLED', 'The operation was cancelled; nothing was kept.');
        },
      };
      const pending = (async () => {
        job.progress(0);
        const result = await work(job);
        job.progress(1);
        return result;
      })();
      const tracked = pending.catch(() => {});
      settled.add(tracked);
      try {
        return await pending;
      } finally {
        running.delete(id);
        owners.delete(id);
        settled.delete(tracked);
      }
    },
    /**
     * Starts work nobody waits for (watched-file sync, re-embedding, recovery). A failure is
     * logged; a cancellation (the app closing) is not a failure.
     */
    background<T>(kind: JobKind, requestedId: string, work: (job: Job) => Promise<T>, what: string): Promise<void> {
      return this.run(kind, requestedId, work).then(
        () => {},
        (error: unknown) => {
          if (!(error instanceof ApiError && error.code === 'CANCELLED')) console.error(`[evaldesk] ${what} failed`, error);
        },
      );
    },
    /** Cancels every running job and waits for them to wind down (before closing the database). */
    async cancelAll(): Promise<void> {
      for (const controller of running.values()) controller.abort();
      await Promise.all([...settled]);
    },
    /**
     * Cancels a running job. With `by`, only a job that user started (or, `any`, every job: a
     * manager's or admin's): another user's job id is no job for them.
     */
    cancel(id: string, by?: { userId: number; any: boolean }): { cancelled: boolean } {
      const controller = running.get(id);
      if (controller && by && !by.any && owners.get(id) !== by.userId) return { cancelled: false };
      controller?.abort();
      return { cancelled: Boolean(controller) };
    },
  };
}

export type JobRegistry = ReturnType<typeof createJobRegistry>;
