import type { RawBridge, WireResult } from './transport.ts';
import { readyEvent, webBridgePaths, type WebEventMessage } from './web-bridge-protocol.ts';

/**
 * A RawBridge over the local web bridge (fetch + WebSocket). Works in browsers and in Node 24,
 * which has both globals; end-to-end tests and `npm run web` use it.
 */
export function createWebBridge(baseUrl: string, token: string): RawBridge & { close(): void } {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let socket: WebSocket | null = null;
  let closed = false;
  let retryDelay = 250;
  // Calls wait until the event socket is authenticated, so no token event of a call is missed.
  let markReady: () => void = () => {};
  let ready = new Promise<void>((resolve) => (markReady = resolve));

  const connect = () => {
    if (closed) return;
    const url = new URL(webBridgePaths.events, baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      retryDelay = 250;
      ws.send(JSON.stringify({ token }));
    });
    ws.addEventListener('message', (message) => {
      const data = JSON.parse(String(message.data)) as WebEventMessage;
      if (data.event === readyEvent) return markReady();
      for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
    });
    ws.addEventListener('close', () => {
      if (socket === ws) socket = null;
      ready = new Promise<void>((resolve) => (markReady = resolve));
      // The bridge may restart (or the laptop sleep); reconnect with a capped back-off.
      if (!closed) setTimeout(connect, (retryDelay = Math.min(retryDelay * 2, 5000)));
    });
    ws.addEventListener('error', () => ws.close());
  };

  const ensureSocket = () => {
    if (!socket && !closed) connect();
  };

  return {
    async call(method, input) {
      ensureSocket();
      await Promise.race([ready, new Promise((resolve) => setTimeout(resolve, 3000))]);
      let response: Response;
      const unreachable = { ok: false, error: { code: 'INTERNAL', message: 'EvalDesk is not reachable. Is the app still running?' } } as const;
      try {
        const body = JSON.stringify({ method, input: input ?? {} });
        response = await fetch(new URL(webBridgePaths.call, baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
          // A draft saved as the page closes must still arrive; browsers allow keepalive up to 64 KB.
          keepalive: body.length < 60_000,
        });
      } catch {
        return unreachable;
      }
      try {
        return (await response.json()) as WireResult;
      } catch {
        return unreachable;
      }
    },
    on(event, listener) {
      ensureSocket();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
