import type { ConnectionState, RawBridge, WireResult } from './transport.ts';
import { readyEvent, webBridgePaths, type WebEventMessage } from './web-bridge-protocol.ts';

/** The close code the bridge uses for a socket whose token it refuses. */
const badTokenCloseCode = 4401;

/**
 * A RawBridge over the local web bridge (fetch + WebSocket). Works in browsers and in Node 24,
 * which has both globals; end-to-end tests and `npm run web` use it.
 *
 * The event socket doubles as the heartbeat: while it is down the bridge is `reconnecting`, calls
 * fail at once with DISCONNECTED (nothing is sent that could be half-applied), and the socket is
 * retried with a capped back-off until the backend answers again.
 */
export function createWebBridge(baseUrl: string, token: string): RawBridge & { close(): void } {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = 'reconnecting';
  let socket: WebSocket | null = null;
  let closed = false;
  let retryDelay = 250;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  // Calls wait until the event socket is authenticated, so no token event of a call is missed.
  let markReady: () => void = () => {};
  let ready = new Promise<void>((resolve) => (markReady = resolve));
  // Browsers keep the session cookie themselves (HttpOnly: this code never sees it). Node's fetch
  // has no cookie jar: there the cookie is kept here and sent back, and given to the socket.
  let nodeSession: string | null = null;
  /** Sockets closed on purpose (to reconnect as another user): their close is no outage. */
  const replaced = new WeakSet<WebSocket>();

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of connectionListeners) listener(state);
  };

  const connect = () => {
    retryTimer = null;
    if (closed) return;
    const url = new URL(webBridgePaths.events, baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => ws.send(JSON.stringify({ token, ...(nodeSession && { session: nodeSession }) })));
    ws.addEventListener('message', (message) => {
      const data = JSON.parse(String(message.data)) as WebEventMessage;
      if (data.event === readyEvent) {
        retryDelay = 250;
        setState('connected');
        return markReady();
      }
      for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
    });
    ws.addEventListener('close', (event) => {
      if (replaced.has(ws)) return;
      if (socket === ws) socket = null;
      if (state === 'connected') ready = new Promise<void>((resolve) => (markReady = resolve));
      setState(event.code === badTokenCloseCode ? 'unauthorized' : 'reconnecting');
      // The bridge may restart (or the laptop sleep); reconnect with a capped back-off. A refused
      // token is retried too, slowly: the same token comes back when the bridge reuses it.
      if (!closed) retryTimer = setTimeout(connect, (retryDelay = Math.min(retryDelay * 2, 5000)));
    });
    ws.addEventListener('error', () => ws.close());
  };

  const ensureSocket = () => {
    if (!socket && !retryTimer && !closed) connect();
  };

  const failure = (code: 'DISCONNECTED' | 'UNAUTHENTICATED'): WireResult => ({
    ok: false,
    error:
      code === 'DISCONNECTED'
        ? { code, message: 'EvalDesk is not reachable right now; reconnecting. Nothing was sent.' }
        : { code, message: 'EvalDesk was restarted with a new address. Open the address it printed.' },
  });

  return {
    async call(method, input) {
      ensureSocket();
      await Promise.race([ready, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (state === 'unauthorized') return failure('UNAUTHENTICATED');
      let response: Response;
      try {
        const body = JSON.stringify({ method, input: input ?? {} });
        response = await fetch(new URL(webBridgePaths.call, baseUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(nodeSession !== null && { cookie: `evaldesk_session=${encodeURIComponent(nodeSession)}` }) },
          body,
          // A draft saved as the page closes must still arrive; browsers allow keepalive up to 64 KB.
          keepalive: body.length < 60_000,
        });
      } catch {
        return failure('DISCONNECTED');
      }
      let result: WireResult;
      try {
        result = (await response.json()) as WireResult;
      } catch {
        return failure('DISCONNECTED');
      }
      // Signing in or out changes whose events this browser gets: the socket reconnects with it.
      const setCookie = typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : [];
      const session = setCookie.map((cookie) => /^evaldesk_session=([^;]*)/.exec(cookie)).find(Boolean);
      if (session) nodeSession = decodeURIComponent(session[1]!) || null;
      if (result.ok && (method === 'auth.signIn' || method === 'auth.recover' || method === 'auth.enableMultiUser' || method === 'auth.signOut')) {
        const previous = socket;
        if (previous) replaced.add(previous);
        ready = new Promise<void>((resolve) => (markReady = resolve));
        socket = null;
        previous?.close();
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = null;
        connect();
      }
      return result;
    },
    on(event, listener) {
      ensureSocket();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    onConnection(listener) {
      ensureSocket();
      connectionListeners.add(listener);
      listener(state);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket?.close();
    },
  };
}
