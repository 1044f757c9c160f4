import type { Selectable } from 'kysely';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { sessionSettingsDefaults, sessionSettingsSchema, type SessionInfo, type SessionSettings } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';
import type { SessionsTable } from '../db/schema.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { VersionService } from '../versions/versions.ts';
import type { WorkspaceService } from '../workspaces/workspaces.ts';
import type { PromptService } from '../prompts/prompts.ts';
import type { UserService } from '../users/users.ts';

export interface SessionStartOptions {
  versionId?: number | null;
  adapterScale?: number | null;
  settings?: Partial<SessionSettings>;
  variables?: Record<string, string>;
  threadId?: number | null;
}

function toSession(row: Selectable<SessionsTable>): SessionInfo {
  // Sessions from before documents existed froze no retrieval settings: they get the defaults,
  // which is what answering in them has always used.
  const settingsSnapshot: SessionSettings = { ...sessionSettingsDefaults, ...(JSON.parse(row.settings_snapshot) as Partial<SessionSettings>) };
  return { ...fromRow('sessions', row), settingsSnapshot, promptVariables: JSON.parse(row.prompt_variables) as Record<string, string> };
}

/**
 * A session binds user, workspace and model version, and freezes the system prompt and generation
 * settings: editing the workspace later never changes what an earlier answer was produced with.
 */
export function createSessionService(
  db: Db,
  deps: {
    workspaces: WorkspaceService;
    models: ModelRegistry;
    versions?: Pick<VersionService, 'checkRunnable'>;
    /** Resolves the workspace's current prompt version for the user (templates, variables). */
    prompts?: Pick<PromptService, 'resolveForSession'>;
    users?: Pick<UserService, 'get'>;
  },
) {
  async function getRow(id: number) {
    const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Session ${id} does not exist.`, { entity: 'session', id });
    return row;
  }
  return {
    async get(id: number): Promise<SessionInfo> {
      return toSession(await getRow(id));
    },
    /**
     * `settings` overrides what the session freezes from the workspace (a batch run's sampling);
     * `threadId` continues a thread the caller has checked is theirs.
     */
    async start(userId: number, workspaceId: number, modelId: number, options: SessionStartOptions = {}): Promise<SessionInfo> {
      const { versionId = null, adapterScale = null, settings = {}, variables = {}, threadId = null } = options;
      const workspace = await deps.workspaces.get(workspaceId);
      await deps.models.get(modelId);
      // A version's adapters only make sense on the very base file they were trained for.
      if (versionId !== null) await deps.versions?.checkRunnable(versionId, modelId);
      // The prompt is resolved now, with the user's values: the session freezes the text and its version.
      const prompt = deps.prompts && deps.users ? await deps.prompts.resolveForSession(workspace, await deps.users.get(userId), variables) : { versionId: null, text: workspace.systemPrompt, used: {} };
      const row = await db
        .insertInto('sessions')
        .values({
          user_id: userId,
          workspace_id: workspaceId,
          thread_id: threadId,
          model_id: modelId,
          version_id: versionId,
          adapter_scale: versionId === null ? null : adapterScale,
          system_prompt_snapshot: prompt.text,
          prompt_version_id: prompt.versionId,
          prompt_variables: JSON.stringify(prompt.used),
          settings_snapshot: JSON.stringify(pickFields(sessionSettingsSchema, { ...workspace, seed: null, ...settings })),
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
