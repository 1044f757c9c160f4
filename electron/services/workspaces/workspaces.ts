import type { Selectable } from 'kysely';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { Workspace } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { WorkspacesTable } from '../db/schema.ts';

export function toWorkspace(row: Selectable<WorkspacesTable>): Workspace {
  return {
    id: row.id,
    name: row.name,
    businessDomain: row.business_domain,
    category: row.category,
    systemPrompt: row.system_prompt,
    temperature: row.temperature,
    maxTokens: row.max_tokens,
    contextSize: row.context_size,
    historyTurns: row.history_turns,
    topN: row.top_n,
    similarityThreshold: row.similarity_threshold,
    chatMode: row.chat_mode,
    refusalResponse: row.refusal_response,
    chunkSize: row.chunk_size,
    chunkOverlap: row.chunk_overlap,
    embedderId: row.embedder_id,
    hybridSearch: row.hybrid_search === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

type WorkspaceFields = ParsedInput<'workspaces.create'>;

function toColumns(fields: Partial<WorkspaceFields>) {
  return {
    ...(fields.name !== undefined && { name: fields.name }),
    ...(fields.businessDomain !== undefined && { business_domain: fields.businessDomain }),
    ...(fields.category !== undefined && { category: fields.category }),
    ...(fields.systemPrompt !== undefined && { system_prompt: fields.systemPrompt }),
    ...(fields.temperature !== undefined && { temperature: fields.temperature }),
    ...(fields.maxTokens !== undefined && { max_tokens: fields.maxTokens }),
    ...(fields.contextSize !== undefined && { context_size: fields.contextSize }),
    ...(fields.historyTurns !== undefined && { history_turns: fields.historyTurns }),
    ...(fields.topN !== undefined && { top_n: fields.topN }),
    ...(fields.similarityThreshold !== undefined && { similarity_threshold: fields.similarityThreshold }),
    ...(fields.chatMode !== undefined && { chat_mode: fields.chatMode }),
    ...(fields.refusalResponse !== undefined && { refusal_response: fields.refusalResponse }),
    ...(fields.chunkSize !== undefined && { chunk_size: fields.chunkSize }),
    ...(fields.chunkOverlap !== undefined && { chunk_overlap: fields.chunkOverlap }),
    ...(fields.embedderId !== undefined && { embedder_id: fields.embedderId }),
    ...(fields.hybridSearch !== undefined && { hybrid_search: fields.hybridSearch ? (1 as const) : (0 as const) }),
  };
}

export function createWorkspaceService(db: Db) {
  async function getRow(id: number) {
    const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Workspace ${id} does not exist.`, { entity: 'workspace', id });
    return row;
  }
  return {
    getRow,
    async get(id: number): Promise<Workspace> {
      return toWorkspace(await getRow(id));
    },
    async list(): Promise<Workspace[]> {
      const rows = await db.selectFrom('workspaces').selectAll().where('deleted_at', 'is', null).orderBy('name').orderBy('id').execute();
      return rows.map(toWorkspace);
    },
    async create(fields: WorkspaceFields): Promise<Workspace> {
      const now = nowIso();
      const row = await db
        .insertInto('workspaces')
        .values({
          ...toColumns(fields),
          name: fields.name,
          business_domain: fields.businessDomain,
          system_prompt: fields.systemPrompt,
          category: fields.category,
          temperature: fields.temperature,
          max_tokens: fields.maxTokens,
          context_size: fields.contextSize,
          history_turns: fields.historyTurns,
          embedder_id: fields.embedderId,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toWorkspace(row);
    },
    async update(id: number, patch: Partial<WorkspaceFields>): Promise<Workspace> {
      await getRow(id);
      await db.updateTable('workspaces').set({ ...toColumns(patch), updated_at: nowIso() }).where('id', '=', id).execute();
      return toWorkspace(await getRow(id));
    },
    /** Soft delete: logs and evaluations keep pointing at the workspace they were made in. */
    async remove(id: number): Promise<{ deleted: boolean }> {
      await getRow(id);
      await db.updateTable('workspaces').set({ deleted_at: nowIso() }).where('id', '=', id).execute();
      return { deleted: true };
    },
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
