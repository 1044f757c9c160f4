/** A raw HTTP client for the fuzzer: it sends what browsers never would, and times every request out. */
import http from 'node:http';

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Send no Host header at all (Node adds one unless told not to). */
  omitHost?: boolean;
  /** Send this many bytes of the body, then drop the connection. */
  abortAfterBytes?: number;
}

export type RawOutcome =
  | { type: 'answer'; status: number; body: string }
  /** The connection failed or was dropped before an answer (refused, reset). */
  | { type: 'error'; code: string }
  | { type: 'timeout' };

/** Answers are read up to this size; nothing the API returns legitimately comes close. */
const maxAnswerBytes = 64 * 1024 * 1024;

export function sendRaw(port: number, request: RawRequest, timeoutMs: number): Promise<RawOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const onAnswer = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxAnswerBytes) chunks.push(chunk);
      });
      res.on('end', () => finish({ type: 'answer', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error: NodeJS.ErrnoException) => finish({ type: 'error', code: error.code ?? error.message }));
    };
    let req: http.ClientRequest;
    try {
      req = http.request({ host: '127.0.0.1', port, agent: false, method: request.method, path: request.path, headers: request.headers, setHost: !request.omitHost }, onAnswer);
    } catch (error) {
      // Node refuses some hostile requests itself (invalid header characters): nothing was sent.
      finish({ type: 'error', code: `CLIENT_REFUSED ${(error as NodeJS.ErrnoException).code ?? ''}` });
      return;
    }
    timer = setTimeout(() => {
      finish({ type: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ type: 'error', code: error.code ?? error.message }));
    if (request.abortAfterBytes !== undefined) {
      req.write(Buffer.from(request.body ?? '').subarray(0, request.abortAfterBytes), () => {
        req.destroy();
        finish({ type: 'error', code: 'ABORTED_BY_CLIENT' });
      });
      return;
    }
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}
