import type { EventName, EventPayload } from '../../shared/contract/api.ts';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** Fan-out of main-process events to every adapter (IPC windows, web sockets, CLI printers). */
export function createEventBus() {
  const listeners = new Set<EventListener>();
  return {
    emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
      for (const listener of listeners) {
        try {
          listener(event, payload);
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
