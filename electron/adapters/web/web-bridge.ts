import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { maxRequestBytes, readyEvent, webBridgePaths, type WebCallBody } from '../../../shared/contract/web-bridge-protocol.ts';
import type { WireResult } from '../../../shared/contract/transport.ts';
import type { Caller, Dispatch } from '../../core/dispatcher.ts';
import type { EventBus } from '../../core/event-bus.ts';
import { endedSession, takeIssuedToken } from '../../core/session-binding.ts';

/** The HttpOnly cookie that carries a browser's signed-in session (issue 14: one identity per browser). */
const sessionCookie = 'evaldesk_session';

function sessionOf(req: http.IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === sessionCookie) return decodeURIComponent(value.join('=')) || null;
  }
  return null;
}

const cookieHeader = (value: string, maxAgeSeconds: number) => `${sessionCookie}=${encodeURIComponent(value)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`;

export interface WebBridgeOptions {
  dispatch: Dispatch;
  events: EventBus;
  /** The caller of a browser's session cookie (the local user in single-user mode). */
  resolveCaller: (session: string | null) => Promise<Caller | null>;
  /** Folder with the built renderer (index.html and assets). */
  rendererDir: string;
  port?: number;
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * The local web bridge: the same API contract over HTTP + WebSocket on 127.0.0.1, serving the
 * built renderer. Requests need the session token; the Host and Origin checks stop other web pages
 * in the user's browser (including DNS-rebinding tricks) from driving it.
 */
export async function startWebBridge(options: WebBridgeOptions) {
  const token = options.token ?? crypto.randomBytes(24).toString('base64url');
  let origin = '';
  const allowedHosts = new Set<string>();

  const hostAllowed = (req: http.IncomingMessage) => allowedHosts.has(req.headers.host ?? '');
  const originAllowed = (req: http.IncomingMessage) => {
    const given = req.headers.origin;
    if (given === undefined) return true;
    try {
      const parsed = new URL(given);
      return parsed.protocol === 'http:' && allowedHosts.has(parsed.host);
    } catch {
      return false;
    }
  };

  const sendJson = (res: http.ServerResponse, status: number, body: WireResult, extraHeaders: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...securityHeaders, ...extraHeaders });
    res.end(JSON.stringify(body));
  };
  const reject = (res: http.ServerResponse, status: number, code: string, message: string) =>
    sendJson(res, status, { ok: false, error: { code, message } });

  async function handleCall(req: http.IncomingMessage, res: http.ServerResponse) {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7), token)) {
      return reject(res, 401, 'UNAUTHENTICATED', 'The web bridge token is missing or wrong. Open the address EvalDesk printed.');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxRequestBytes) {
        // Answer, then drop the connection instead of reading the rest of an oversized body.
        res.setHeader('connection', 'close');
        res.once('finish', () => req.destroy());
        return reject(res, 413, 'VALIDATION', `The request is larger than ${maxRequestBytes / 1024 / 1024} MB.`);
      }
      chunks.push(chunk as Buffer);
    }
    let body: WebCallBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebCallBody;
      if (typeof body !== 'object' || body === null) throw new Error('not an object');
    } catch {
      return reject(res, 400, 'VALIDATION', 'The request body is not valid JSON of the form {method, input}.');
    }
    const caller = await options.resolveCaller(sessionOf(req));
    const result = await options.dispatch(body.method, body.input, caller, 'web');
    const issued = takeIssuedToken(body.method, result);
    const headers: Record<string, string> = {};
    if (issued) {
      const expiresAt = Date.parse((result as { value: { expiresAt: string } }).value.expiresAt);
      headers['set-cookie'] = cookieHeader(issued, Math.max(1, Math.floor((expiresAt - Date.now()) / 1000)));
    } else if (endedSession(body.method, result)) {
      headers['set-cookie'] = cookieHeader('', 0);
    }
    sendJson(res, 200, result, headers);
  }

  function serveStatic(req: http.IncomingMessage, res: http.ServerResponse) {
    let relative: string;
    try {
      relative = decodeURIComponent(new URL(req.url ?? '/', origin).pathname);
    } catch {
      // A malformed escape (`/%E0%A4%A`) is a bad request, not a reason to take the bridge down.
      res.writeHead(400, securityHeaders).end('Bad request');
      return;
    }
    // A NUL makes the file system call throw synchronously; no file name has one.
    if (relative.includes('\u0000')) {
      res.writeHead(400, securityHeaders).end('Bad request');
      return;
    }
    if (relative === '/' || relative === '') relative = '/index.html';
    const root = path.resolve(options.rendererDir);
    const file = path.resolve(root, `.${relative}`);
    // No path escapes: the resolved file must stay inside the renderer folder.
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403, securityHeaders).end('Forbidden');
      return;
    }
    fs.readFile(file, (error, data) => {
      if (error) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...securityHeaders }).end('Not found');
        return;
      }
      res.writeHead(200, {
        'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
        ...securityHeaders,
      });
      res.end(data);
    });
  }

  const server = http.createServer((req, res) => {
    if (!hostAllowed(req)) return reject(res, 421, 'FORBIDDEN', 'Unexpected Host header.');
    if (!originAllowed(req)) return reject(res, 403, 'FORBIDDEN', 'Requests from other web pages are not allowed.');
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === webBridgePaths.call) {
      if (req.method !== 'POST') return reject(res, 405, 'VALIDATION', 'Use POST.');
      handleCall(req, res).catch(() => reject(res, 500, 'INTERNAL', 'The request failed.'));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return reject(res, 405, 'VALIDATION', 'Method not allowed.');
    serveStatic(req, res);
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    if (!hostAllowed(req) || !originAllowed(req) || (req.url ?? '').split('?')[0] !== webBridgePaths.events) {
      socket.destroy();
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => acceptSocket(ws, sessionOf(req)));
  });

  /**
   * A socket carries the events of one browser's user: its session comes with the upgrade's
   * cookie (browsers), or in the first message (Node clients have no cookie jar). The client
   * reconnects after signing in or out.
   */
  function acceptSocket(ws: WebSocket, cookieSession: string | null) {
    let unsubscribe: (() => void) | null = null;
    const authTimer = setTimeout(() => ws.close(4401, 'token expected'), 5000);
    ws.once('message', (data) => {
      clearTimeout(authTimer);
      let given = '';
      let messageSession: string | null = null;
      try {
        const message = JSON.parse(String(data)) as { token?: unknown; session?: unknown };
        given = String(message.token ?? '');
        if (typeof message.session === 'string' && message.session) messageSession = message.session;
      } catch {
        // Falls through to the rejection below.
      }
      if (!sameToken(given, token)) return ws.close(4401, 'bad token');
      void options.resolveCaller(cookieSession ?? messageSession).then((caller) => {
        if (ws.readyState !== ws.OPEN) return;
        const userId = caller?.user.id ?? null;
        unsubscribe = options.events.subscribe((event, payload, audience) => {
          // Another user's tokens, paths and job ids are not sent to this browser.
          if (audience !== null && audience !== userId) return;
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
        });
        ws.send(JSON.stringify({ event: readyEvent, payload: null }));
      });
    });
    ws.on('close', () => {
      clearTimeout(authTimer);
      unsubscribe?.();
    });
    ws.on('error', () => ws.close());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  origin = `http://127.0.0.1:${port}`;
  allowedHosts.add(`127.0.0.1:${port}`).add(`localhost:${port}`);

  return {
    port,
    token,
    origin,
    /** Address to open in a browser: the token travels in the fragment, which browsers never send. */
    url: `${origin}/#token=${token}`,
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Requests still waiting for an answer (a streaming question) are cut: closing must not
      // wait for them, the app core stops and logs them itself.
      server.closeAllConnections();
      await closed;
    },
  };
}

export type WebBridge = Awaited<ReturnType<typeof startWebBridge>>;
