import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who the work running now is for: set by the dispatcher around every call, and inherited by
 * everything the call starts (its jobs, a batch run's answers, their events). Jobs record it as
 * their owner; events go only to that user's windows and sockets (issue 14: tokens, paths and
 * job ids of one user are no business of another's).
 */
export interface CallContext {
  userId: number;
}

const storage = new AsyncLocalStorage<CallContext>();

export const callContext = {
  run: <T>(context: CallContext, work: () => T): T => storage.run(context, work),
  /** The user of the call this code runs for; null outside any call (start-up recovery, watchers). */
  currentUserId: (): number | null => storage.getStore()?.userId ?? null,
};
