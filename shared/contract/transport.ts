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
}

/** What crosses a wire for each call: a result or an error payload, never a thrown object. */
export type WireResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; params?: Record<string, string | number> } };
