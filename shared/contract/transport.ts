import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from './api.ts';

/**
 * The typed client the renderer and scripts use. Each adapter provides only `call` and `on` over
 * its own wire (IPC, HTTP/WebSocket, in-process); the types come from the contract.
 */
export interface ApiClient {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/**
 * The untyped surface a preload script exposes on `window.evaldesk`. `call` resolves to a wire
 * result rather than throwing, because Electron's contextBridge strips error objects to a message.
 */
export interface RawBridge {
  call(method: string, input: unknown): Promise<WireResult>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  /**
   * Whether the backend can be reached (web bridge only: in the desktop app the main process is
   * the backend, and the window goes with it). Listeners get the current state at once.
   */
  onConnection?(listener: (state: ConnectionState) => void): () => void;
}

/**
 * `connected`: calls and events flow. `reconnecting`: the backend stopped answering; retrying.
 * `unauthorized`: a backend answers but refuses this page's token (it was restarted with a new
 * one): the page must be opened again from the address the backend printed.
 */
export type ConnectionState = 'connected' | 'reconnecting' | 'unauthorized';

/** What crosses a wire for each call: a result or an error payload, never a thrown object. */
export type WireResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; params?: Record<string, string | number> } };
