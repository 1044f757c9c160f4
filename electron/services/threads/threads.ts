import { threadNameFrom } from '../../../shared/category-tasks.ts';
import type { Thread, ThreadSummary } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';

/**
 * Threads of `qa` workspaces (issue 14, seed 000's workspace_threads): several named
 * conversations per user and workspace. A thread is only ever its owner's: every method takes the
 * caller and treats another user's thread as one that does not exist. Archiving hides a thread
 * from the list; nothing in it is deleted, since its answers may carry verdicts.
 */
export function createThreadService(db: Db) {
  async function own(id: number, userId: number): Promise<Thread> {
    const row = await db.selectFrom('threads').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || row.user_id !== userId) throw new ApiError('NOT_FOUND', `Thread ${id} does not exist.`, { entity: 'thread', id });
    return fromRow('threads', row);
  }

  return {
    own,

    async create(userId: number, workspaceId: number): Promise<Thread> {
      const now = nowIso();
      const row = await db.insertInto('threads').values({ workspace_id: workspaceId, user_id: userId, name: '', created_at: now, updated_at: now, archived_at: null }).returningAll().executeTakeFirstOrThrow();
      return fromRow('threads', row);
    },

    /** The thread a session continues: the caller's, in the session's workspace, not archived. */
    async forSession(id: number, userId: number, workspaceId: number): Promise<Thread> {
      const thread = await own(id, userId);
      if (thread.workspaceId !== workspaceId) throw new ApiError('VALIDATION', `Thread ${id} belongs to another workspace.`, { field: 'threadId', reason: 'thread_other_workspace' });
      if (thread.archivedAt !== null) throw new ApiError('CONFLICT', `Thread ${id} is archived; restore it to continue.`, { reason: 'thread_archived' });
      return thread;
    },

    /** The caller's threads in a workspace, most recently active first. */
    async list(workspaceId: number, userId: number, includeArchived: boolean): Promise<ThreadSummary[]> {
      let query = db
        .selectFrom('threads as t')
        .selectAll('t')
        .select((eb) => [
          eb.selectFrom('conversation_logs as l').innerJoin('sessions as s', 's.id', 'l.session_id').select(eb.fn.countAll<number>().as('n')).whereRef('s.thread_id', '=', 't.id').as('answers'),
          eb.selectFrom('sessions as s').select('s.id').whereRef('s.thread_id', '=', 't.id').orderBy('s.id', 'desc').limit(1).as('latest_session_id'),
        ])
        .where('t.workspace_id', '=', workspaceId)
        .where('t.user_id', '=', userId);
      if (!includeArchived) query = query.where('t.archived_at', 'is', null);
      const rows = await query.orderBy('t.updated_at', 'desc').orderBy('t.id', 'desc').execute();
      return rows.map(({ answers, latest_session_id, ...row }) => ({ ...fromRow('threads', row), answers: Number(answers ?? 0), latestSessionId: latest_session_id ?? null }));
    },

    async rename(id: number, userId: number, name: string): Promise<Thread> {
      await own(id, userId);
      await db.updateTable('threads').set({ name, updated_at: nowIso() }).where('id', '=', id).execute();
      return own(id, userId);
    },

    async archive(id: number, userId: number, archived: boolean): Promise<Thread> {
      await own(id, userId);
      await db.updateTable('threads').set({ archived_at: archived ? nowIso() : null }).where('id', '=', id).execute();
      return own(id, userId);
    },

    /** After a question: the thread moves to the top, and an unnamed one takes the question as its name. */
    async noteQuestion(id: number, question: string): Promise<void> {
      const now = nowIso();
      await db.updateTable('threads').set({ updated_at: now }).where('id', '=', id).execute();
      await db.updateTable('threads').set({ name: threadNameFrom(question) }).where('id', '=', id).where('name', '=', '').execute();
    },

    /** Removes a thread that never got a session (its first session could not start). */
    async removeEmpty(id: number): Promise<void> {
      await db.deleteFrom('threads').where('id', '=', id).where(({ not, exists, selectFrom }) => not(exists(selectFrom('sessions').select('id').where('thread_id', '=', id)))).execute();
    },

    /** The ids of a thread's sessions, oldest first: its history spans them. */
    async sessionIds(id: number): Promise<number[]> {
      const rows = await db.selectFrom('sessions').select('id').where('thread_id', '=', id).orderBy('id').execute();
      return rows.map((row) => row.id);
    },
  };
}

export type ThreadService = ReturnType<typeof createThreadService>;
