import { z } from 'zod';
import { entityId, timestamp } from './fields.ts';

/**
 * A named conversation of one user in a `qa` workspace (seed 000's workspace_threads). A thread
 * spans the sessions it was continued in (another model or version keeps the conversation), so
 * its history is the answers of all of them, in order.
 */
export const threadSchema = z.object({
  id: entityId,
  workspaceId: entityId,
  userId: entityId,
  /** Empty until named: the first question names it. */
  name: z.string().max(200),
  createdAt: timestamp,
  updatedAt: timestamp,
  archivedAt: timestamp.nullable(),
});
export type Thread = z.output<typeof threadSchema>;

/** A thread as the thread list shows it. */
export interface ThreadSummary extends Thread {
  /** Answers in the thread (all its sessions). */
  answers: number;
  /** The session the thread continues in: its latest. */
  latestSessionId: number | null;
}
