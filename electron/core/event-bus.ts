import type { EventName, EventPayload } from '../../shared/contract/api.ts';
import { callContext } from './call-context.ts';

/**
 * `audience`: the user the event is for (who started the work it reports on, or who may see the
 * document it is about); null: everyone, only for what the whole app shares (which model is
 * loaded). Adapters deliver an event only to the windows and sockets of its audience.
 */
export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>, audience: number | null) => void;

/** Shared state every signed-in user sees, whoever caused the change. */
const broadcastEvents: ReadonlySet<EventName> = new Set(['runtime.changed']);

/** Fan-out of main-process events to every adapter (IPC windows, web sockets, CLI printers). */
export function createEventBus() {
  const listeners = new Set<EventListener>();
  return {
    /**
     * `audience`, where the producer knows better than the call it runs in (an event about a
     * document goes to a user who may see it). Otherwise the event goes to the user of the current
     * call; one produced outside any call (background watched sync, start-up re-ingestion) with no
     * audience goes to nobody, never to everybody (issue 14: paths and titles of private documents).
     */
    emit<E extends EventName>(event: E, payload: EventPayload<E>, audience?: number): void {
      let to: number | null = null;
      if (!broadcastEvents.has(event)) {
        const user = audience ?? callContext.currentUserId();
        if (user === null) return;
        to = user;
      }
      for (const listener of listeners) {
        try {
          listener(event, payload, to);
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
