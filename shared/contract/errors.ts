/**
 * Error codes every adapter understands. The renderer translates a code (with its params) into the
 * user's language; the CLI prints `message`, which is always a complete English sentence.
 */
export const errorCodes = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'EMPTY_INPUT',
  'CONTEXT_OVERFLOW',
  'MODEL_INVALID',
  'MODEL_UNSUPPORTED',
  'MODEL_MISSING',
  'MODEL_TOO_BIG',
  'MODEL_NOT_LOADED',
  'MODEL_BUSY',
  'RUNTIME_FAILED',
  'EXPORT_NOT_WRITABLE',
  'EXPORT_EMPTY',
  'DOCUMENT_UNREADABLE',
  'DOCUMENT_UNSUPPORTED',
  'DOCUMENT_TOO_LARGE',
  'DOCUMENT_EMPTY',
  'EMBEDDER_UNAVAILABLE',
  'DB_LOCKED',
  'DB_CORRUPT',
  'INSTANCE_RUNNING',
  'CANCELLED',
  'INTERNAL',
  'DATA_DIR_UNWRITABLE',
  'DISCONNECTED',
  'NETWORK_UNAVAILABLE',
  'DOWNLOAD_FAILED',
  'CHECKSUM_MISMATCH',
  'PATH_UNREADABLE',
  'INTERRUPTED',
  'ADAPTER_INVALID',
  'ADAPTER_MISMATCH',
  'ADAPTER_UNSUPPORTED',
  'ACCOUNT_LOCKED',
  'ACCOUNT_SUSPENDED',
  'ACCOUNT_EXPIRED',
  'WEAK_PASSWORD',
  'RATE_LIMITED',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export type ErrorParams = Record<string, string | number>;

/** The serialisable shape of an error as it crosses an adapter boundary. */
export interface ApiErrorPayload {
  code: ErrorCode;
  message: string;
  params?: ErrorParams;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams | undefined;

  constructor(code: ErrorCode, message: string, params?: ErrorParams, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
    this.params = params;
  }

  toPayload(): ApiErrorPayload {
    return this.params ? { code: this.code, message: this.message, params: this.params } : { code: this.code, message: this.message };
  }

  static fromPayload(payload: ApiErrorPayload): ApiError {
    return new ApiError(payload.code, payload.message, payload.params);
  }
}

export function isApiErrorPayload(value: unknown): value is ApiErrorPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiErrorPayload).code === 'string' &&
    (errorCodes as readonly string[]).includes((value as ApiErrorPayload).code) &&
    typeof (value as ApiErrorPayload).message === 'string'
  );
}
