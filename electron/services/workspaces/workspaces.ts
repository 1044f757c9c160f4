import type { Selectable } from 'kysely';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { workspaceSchema, type Workspace, type WorkspacePatch, type WorkspaceSettings } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow, toColumns } from '../db/rows.ts';
import type { WorkspacesTable } from '../db/schema.ts';

const toWorkspace = (row: Selectable<WorkspacesTable>): Workspace => pickFields(workspaceSchema, fromRow('workspaces', row));

export function createWorkspaceService(db: Db) {
  const embedderListeners = new Set<(workspaceId: number) => void>();

  async function getRow(id: number) {
    const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Workspace ${id} does not exist.`, { entity: 'workspace', id });
    return row;
  }

  return {
    async get(id: number): Promise<Workspace> {
      return toWorkspace(await getRow(id));
    },
    async list(): Promise<Workspace[]> {
      const rows = await db.selectFrom('workspaces').selectAll().where('deleted_at', 'is', null).orderBy('name').orderBy('id').execute();
      return rows.map(toWorkspace);
    },
    async create(settings: WorkspaceSettings): Promise<Workspace> {
      const now = nowIso();
      const row = await db
        .insertInto('workspaces')
        .values({ ...toColumns('workspaces', settings), created_at: now, updated_at: now, deleted_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toWorkspace(row);
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
