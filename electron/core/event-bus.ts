import type { EventName, EventPayload } from '../../shared/contract/api.ts';
import { callContext } from './call-context.ts';

/**
 * `audience`: the user the event is for (who started the work it reports on); null: everyone
 * (what the whole app shares, such as which model is loaded). Adapters deliver an event only to
 * the windows and sockets of its audience.
 */
export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>, audience: number | null) => void;

/** Shared state every signed-in user sees, whoever caused the change. */
const broadcastEvents: ReadonlySet<EventName> = new Set(['runtime.changed']);

/** Fan-out of main-process events to every adapter (IPC windows, web sockets, CLI printers). */
export function createEventBus() {
  const listeners = new Set<EventListener>();
  return {
    emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
      const audience = broadcastEvents.has(event) ? null : callContext.currentUserId();
      for (const listener of listeners) {
        try {
          listener(event, payload, audience);
        } catch {
          // One broken subscriber (a closed socket) must not break the others or the producer.
        }
      }
    },
    subscribe(listener: EventListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type EventBus = ReturnType<typeof createEventBus>;
