import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { workspaceSchema, type Workspace, type WorkspacePatch, type WorkspaceSettings } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow, toColumns } from '../db/rows.ts';
import type { WorkspacesTable } from '../db/schema.ts';
import type { WorkspaceMember } from '../../../shared/contract/people.ts';

const toWorkspace = (row: Selectable<WorkspacesTable>): Workspace => pickFields(workspaceSchema, fromRow('workspaces', row));

export function createWorkspaceService(db: Db) {
  const embedderListeners = new Set<(workspaceId: number) => void>();

  async function getRow(id: number) {
    const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Workspace ${id} does not exist.`, { entity: 'workspace', id });
    return row;
  }

  async function members(workspaceId: number): Promise<WorkspaceMember[]> {
    await getRow(workspaceId);
    const rows = await db
      .selectFrom('workspace_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.username', 'u.display_name', 'u.role', 'm.added_at'])
      .where('m.workspace_id', '=', workspaceId)
      .orderBy('u.display_name')
      .execute();
    return rows.map((row) => ({ userId: row.id, username: row.username, displayName: row.display_name, role: row.role, addedAt: row.added_at }));
  }

  return {
    async get(id: number): Promise<Workspace> {
      return toWorkspace(await getRow(id));
    },
    /** All workspaces, or those in `only` (the ones a member may see). */
    async list(only: 'all' | ReadonlySet<number> = 'all'): Promise<Workspace[]> {
      let query = db.selectFrom('workspaces').selectAll().where('deleted_at', 'is', null);
      if (only !== 'all') query = query.where('id', 'in', [0, ...only]);
      return (await query.orderBy('name').orderBy('id').execute()).map(toWorkspace);
    },
    /** A new workspace; its creator is its first member. */
    async create(settings: WorkspaceSettings, creatorId?: number): Promise<Workspace> {
      const now = nowIso();
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('workspaces')
          .values({ ...toColumns('workspaces', settings), uid: crypto.randomBytes(16).toString('hex'), created_at: now, updated_at: now, deleted_at: null })
          .returningAll()
          .executeTakeFirstOrThrow();
        if (creatorId !== undefined) await trx.insertInto('workspace_members').values({ workspace_id: row.id, user_id: creatorId, added_at: now }).execute();
        return toWorkspace(row);
      });
    },
    members,
    /** Adds or removes a member; returns whether anything changed, and the members after. */
    async setMember(workspaceId: number, userId: number, member: boolean): Promise<{ changed: boolean; members: WorkspaceMember[] }> {
      await getRow(workspaceId);
      const user = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
      if (!user) throw new ApiError('NOT_FOUND', `User ${userId} does not exist.`, { entity: 'user', id: userId });
      const result = member
        ? await db.insertInto('workspace_members').values({ workspace_id: workspaceId, user_id: userId, added_at: nowIso() }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
        : await db.deleteFrom('workspace_members').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
      const changed = Number('numInsertedOrUpdatedRows' in result ? result.numInsertedOrUpdatedRows : result.numDeletedRows) > 0;
      return { changed, members: await members(workspaceId) };
    },
    async update(id: number, patch: WorkspacePatch): Promise<Workspace> {
      const before = toWorkspace(await getRow(id));
      await db.updateTable('workspaces').set({ ...toColumns('workspaces', patch), updated_at: nowIso() }).where('id', '=', id).execute();
      const after = toWorkspace(await getRow(id));
      if (after.embedderId !== before.embedderId) for (const listener of embedderListeners) listener(id);
      return after;
    },
    /** Soft delete: logs and evaluations keep pointing at the workspace they were made in. */
    async remove(id: number): Promise<{ deleted: boolean }> {
      await getRow(id);
      await db.updateTable('workspaces').set({ deleted_at: nowIso() }).where('id', '=', id).execute();
      return { deleted: true };
    },
    /**
     * Calls `listener` after a workspace's embedder changed: its documents need vectors from the
     * new one. The document service subscribes; it depends on this service, not the other way round.
     */
    onEmbedderChanged(listener: (workspaceId: number) => void): () => void {
      embedderListeners.add(listener);
      return () => embedderListeners.delete(listener);
    },
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
