import { ApiError } from '../../../shared/contract/errors.ts';

/**
 * Resolves with `work` unless `signal` aborts first, then rejects with CANCELLED at once. The
 * work itself may go on (an embedder load cannot be interrupted half-way), but nobody waits for it.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, message = 'The operation was cancelled.'): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new ApiError('CANCELLED', message));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ApiError('CANCELLED', message));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Resolves with `work` unless it takes longer than `ms`; then rejects with `onTimeout()`. For
 * operations that can block on a hung file system (a model on a dead network mount).
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
