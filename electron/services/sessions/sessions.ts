import type { Selectable } from 'kysely';
import type { GenerationSettings, SessionInfo } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { SessionsTable } from '../db/schema.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { WorkspaceService } from '../workspaces/workspaces.ts';

export function toSession(row: Selectable<SessionsTable>): SessionInfo {
  return {
    id: row.id,
    userId: row.user_id,
    workspaceId: row.workspace_id,
    modelId: row.model_id,
    systemPromptSnapshot: row.system_prompt_snapshot,
    settingsSnapshot: JSON.parse(row.settings_snapshot) as GenerationSettings,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}

/**
 * A session binds user, workspace and model version, and freezes the system prompt and generation
 * settings: editing the workspace later never changes what an earlier answer was produced with.
 */
export function createSessionService(db: Db, deps: { workspaces: WorkspaceService; models: ModelRegistry }) {
  async function getRow(id: number) {
    const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Session ${id} does not exist.`, { entity: 'session', id });
    return row;
  }
  return {
    async get(id: number): Promise<SessionInfo> {
      return toSession(await getRow(id));
    },
    async start(userId: number, workspaceId: number, modelId: number): Promise<SessionInfo> {
      const workspace = await deps.workspaces.getRow(workspaceId);
      await deps.models.getRow(modelId);
      const settings: GenerationSettings = {
        temperature: workspace.temperature,
        maxTokens: workspace.max_tokens,
        contextSize: workspace.context_size,
        historyTurns: workspace.history_turns,
        topN: workspace.top_n,
        similarityThreshold: workspace.similarity_threshold,
        chatMode: workspace.chat_mode,
        refusalResponse: workspace.refusal_response,
        hybridSearch: workspace.hybrid_search === 1,
      };
      const row = await db
        .insertInto('sessions')
        .values({
          user_id: userId,
          workspace_id: workspaceId,
          model_id: modelId,
          system_prompt_snapshot: workspace.system_prompt,
          settings_snapshot: JSON.stringify(settings),
          started_at: nowIso(),
          ended_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSession(row);
    },
    async end(id: number): Promise<SessionInfo> {
      const row = await getRow(id);
      if (!row.ended_at) await db.updateTable('sessions').set({ ended_at: nowIso() }).where('id', '=', id).execute();
      return toSession(await getRow(id));
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
