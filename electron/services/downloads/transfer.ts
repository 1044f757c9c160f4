import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../../shared/contract/errors.ts';

/**
 * Network primitives for downloads: one HTTP request whose every wait is bounded by a stall
 * timer, a classification of what went wrong, and a bounded retry loop. Nothing here blocks
 * without a deadline: a dead connection, a server that accepts and never answers, or one that
 * stops sending half-way all end as errors.
 */

export interface TransferTuning {
  /** No response, or no new byte, for this long ends the attempt (a stalled connection is a failure, not a wait). */
  stallTimeoutMs: number;
  /** Failed attempts in a row that brought no new bytes before giving up. */
  retries: number;
  /** The first back-off delay; it doubles after each failure, up to 30 s. */
  retryDelayMs: number;
}

export const defaultTuning: TransferTuning = { stallTimeoutMs: 30_000, retries: 4, retryDelayMs: 1_000 };

/** Why an attempt failed, before it is turned into the API's error for the user. */
export type TransferFailureKind = 'offline' | 'timeout' | 'interrupted' | 'http' | 'bad_response';

export class TransferError extends Error {
  readonly kind: TransferFailureKind;
  readonly details: { status?: number; errno?: string; offline?: 'dns' | 'refused' | 'unreachable' };

  constructor(kind: TransferFailureKind, message: string, details: TransferError['details'] = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransferError';
    this.kind = kind;
    this.details = details;
  }
}

export function cancelledError(): ApiError {
  return new ApiError('CANCELLED', 'The download was cancelled. What was downloaded so far is kept; starting it again resumes from there.');
}

const offlineCodes: Record<string, 'dns' | 'refused' | 'unreachable'> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_FAIL: 'dns',
  ECONNREFUSED: 'refused',
  ENETUNREACH: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
};

/** The first errno-like code in an error's cause chain (fetch wraps socket errors, sometimes in an AggregateError). */
function errnoOf(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = errnoOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return errnoOf(cause, depth + 1);
}

function classifyNetworkError(error: unknown): TransferError {
  const errno = errnoOf(error);
  const offline = errno ? offlineCodes[errno] : undefined;
  if (offline) return new TransferError('offline', `the server cannot be reached (${errno})`, { errno, offline }, { cause: error });
  if (errno === 'UND_ERR_CONNECT_TIMEOUT' || errno === 'ETIMEDOUT') return new TransferError('timeout', 'connecting to the server timed out', { errno }, { cause: error });
  return new TransferError('interrupted', `the connection broke (${errno ?? (error as Error)?.message ?? 'unknown'})`, errno ? { errno } : {}, { cause: error });
}

export interface OpenedResponse {
  response: Response;
  /** The body, chunk by chunk; each wait for the next chunk is bounded by the stall timeout. */
  chunks(): AsyncGenerator<Uint8Array>;
  /** Stops the request (and any body still coming). Always call it when done. */
  close(): void;
}

/**
 * Starts a GET and waits for its response headers. `signal` is the user's cancel; the stall timer
 * aborts the request when neither headers nor body bytes arrive in time.
 */
export async function openResponse(url: string, options: { headers?: Record<string, string>; signal: AbortSignal; stallTimeoutMs: number }): Promise<OpenedResponse> {
  if (options.signal.aborted) throw cancelledError();
  const controller = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      controller.abort();
    }, options.stallTimeoutMs);
  };
  const onCancel = () => controller.abort();
  options.signal.addEventListener('abort', onCancel, { once: true });
  const close = () => {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onCancel);
    if (!controller.signal.aborted) controller.abort();
  };
  const failure = (error: unknown): Error => {
    close();
    if (options.signal.aborted) return cancelledError();
    if (stalled) return new TransferError('timeout', `no data arrived for ${Math.round(options.stallTimeoutMs / 1000)} s`, {}, { cause: error });
    return classifyNetworkError(error);
  };

  arm();
  let response: Response;
  try {
    response = await fetch(url, { headers: options.headers ?? {}, signal: controller.signal, redirect: 'follow' });
  } catch (error) {
    throw failure(error);
  }
  clearTimeout(timer);
  return {
    response,
    async *chunks() {
      if (!response.body) return;
      const reader = response.body.getReader();
      try {
        while (true) {
          // Armed per read, not per chunk handed out: time spent writing to disk is not a stall.
          arm();
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await reader.read();
          } catch (error) {
            throw failure(error);
          }
          clearTimeout(timer);
          if (next.done) return;
          yield next.value;
        }
      } finally {
        close();
      }
    },
    close,
  };
}

/** Reads a small body (JSON) whole, refusing more than `maxBytes`. */
export async function readSmallBody(opened: OpenedResponse, maxBytes: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of opened.chunks()) {
    length += chunk.length;
    if (length > maxBytes) throw new TransferError('bad_response', `the answer is larger than ${maxBytes} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** An HTTP status as a failure; 5xx and 429 are worth retrying, the rest are final. */
export function statusError(status: number): TransferError {
  return new TransferError('http', `the server answered HTTP ${status}`, { status });
}

function isRetryable(error: TransferError, retryOffline: boolean): boolean {
  switch (error.kind) {
    case 'timeout':
    case 'interrupted':
      return true;
    case 'offline':
      return retryOffline;
    case 'http':
      return error.details.status === 429 || (error.details.status ?? 0) >= 500;
    default:
      return false;
  }
}

/**
 * Runs `attempt` until it succeeds. A retryable failure is tried again after a growing pause, at
 * most `tuning.retries` times in a row without progress (`progress()` is a counter that grows when
 * an attempt got somewhere, such as bytes received); a hard cap on attempts bounds even a server
 * that sends one byte per connection. Cancellation ends the pause at once.
 */
export async function retrying<T>(
  options: { tuning: TransferTuning; signal: AbortSignal; retryOffline: boolean; progress?: () => number },
  attempt: () => Promise<T>,
): Promise<T> {
  const maxAttempts = (options.tuning.retries + 1) * 25;
  let failuresInARow = 0;
  let lastProgress = options.progress?.() ?? 0;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof TransferError) || !isRetryable(error, options.retryOffline)) throw error;
      const progress = options.progress?.() ?? 0;
      failuresInARow = progress > lastProgress ? 1 : failuresInARow + 1;
      lastProgress = progress;
      if (failuresInARow > options.tuning.retries || attempts >= maxAttempts) throw error;
      try {
        await sleep(Math.min(30_000, options.tuning.retryDelayMs * 2 ** (failuresInARow - 1)), undefined, { signal: options.signal });
      } catch {
        throw cancelledError();
      }
    }
  }
}

const offlineSentence = {
  dns: 'its name could not be resolved',
  refused: 'the connection was refused',
  unreachable: 'the network is unreachable',
} as const;

/**
 * The user-facing error for a failed transfer of `file` (a repository path, or the file listing),
 * with the reason and HTTP status as parameters the renderer translates.
 */
export function toDownloadError(error: unknown, context: { file: string; url: string }): unknown {
  if (!(error instanceof TransferError)) return error;
  const host = new URL(context.url).host;
  const kept = 'What was downloaded so far is kept; try again later to resume.';
  switch (error.kind) {
    case 'offline': {
      const reason = error.details.offline ?? 'unreachable';
      return new ApiError(
        'NETWORK_UNAVAILABLE',
        `EvalDesk cannot reach ${host}: ${offlineSentence[reason]}. Downloading models needs an internet connection (everything else works offline). ${kept}`,
        { host, reason, file: context.file },
        { cause: error },
      );
    }
    case 'timeout':
      return new ApiError('DOWNLOAD_FAILED', `Downloading ${context.file} from ${host} stalled: ${error.message}. ${kept}`, { reason: 'timeout', file: context.file, host }, { cause: error });
    case 'interrupted':
      return new ApiError('DOWNLOAD_FAILED', `Downloading ${context.file} from ${host} was interrupted: ${error.message}. ${kept}`, { reason: 'interrupted', file: context.file, host }, { cause: error });
    case 'http': {
      const status = error.details.status ?? 0;
      const reason = status === 404 ? 'not_found' : status === 401 || status === 403 ? 'forbidden' : status === 429 || status >= 500 ? 'server_error' : 'http_status';
      const explanation = {
        not_found: `${context.file} does not exist there (HTTP 404)`,
        forbidden: `access to ${context.file} was refused (HTTP ${status}); the repository may need a sign-in or a licence accepted on the website`,
        server_error: `the server failed (HTTP ${status}); it may be busy or down`,
        http_status: `the server answered HTTP ${status}`,
      }[reason];
      return new ApiError('DOWNLOAD_FAILED', `Downloading from ${host} failed: ${explanation}.`, { reason, status, file: context.file, host }, { cause: error });
    }
    case 'bad_response':
      return new ApiError('DOWNLOAD_FAILED', `${host} sent an unexpected answer for ${context.file}: ${error.message}.`, { reason: 'bad_response', file: context.file, host }, { cause: error });
  }
}
