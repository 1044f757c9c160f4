import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from './api.ts';
import { ApiError, isApiErrorPayload } from './errors.ts';
import type { ApiClient, RawBridge, WireResult } from './transport.ts';

/** Wraps an untyped bridge (preload, web socket, in-process) into the typed client. */
export function createClient(bridge: RawBridge): ApiClient {
  return {
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      return unwrapWireResult(await bridge.call(method, input)) as MethodOutput<M>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      return bridge.on(event, listener as (payload: unknown) => void);
    },
  };
}

/** Turns a wire result back into a value or a thrown ApiError. */
export function unwrapWireResult(result: WireResult): unknown {
  if (result.ok) return result.value;
  if (isApiErrorPayload(result.error)) throw ApiError.fromPayload(result.error);
  throw new ApiError('INTERNAL', 'The app returned an unreadable error.');
}
