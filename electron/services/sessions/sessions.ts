import type { Selectable } from 'kysely';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { sessionSettingsDefaults, sessionSettingsSchema, type SessionInfo, type SessionSettings, type Workspace } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';
import type { SessionsTable } from '../db/schema.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { VersionService } from '../versions/versions.ts';
import type { WorkspaceService } from '../workspaces/workspaces.ts';
import type { PromptService } from '../prompts/prompts.ts';
import type { UserService } from '../users/users.ts';
import type { UserPreferences } from '../../../shared/contract/prompts.ts';

export interface SessionStartOptions {
  versionId?: number | null;
  adapterScale?: number | null;
  /** Explicit settings for this session: they win over the user's preferences and the workspace. */
  settings?: Partial<SessionSettings>;
  /**
   * The starting user's preferences (seed 003), for an interactive session: their temperature and
   * max tokens (null: the workspace's) and whether answers use documents. Batch runs, A/B
   * comparisons and packs leave them out, so everything they compare runs on the same settings.
   */
  preferences?: Pick<UserPreferences, 'temperature' | 'maxTokens' | 'useDocuments'>;
  variables?: Record<string, string>;
  threadId?: number | null;
}

/**
 * The settings a session freezes, by precedence: explicit session input (`settings`) > the
 * user's preferences > the workspace's settings. A `query` workspace answers only from its
 * documents, so it always uses them whatever a preference or an input says.
 */
export function resolveSessionSettings(workspace: Workspace, options: Pick<SessionStartOptions, 'settings' | 'preferences'>): SessionSettings {
  const { settings = {}, preferences } = options;
  const preferred: Partial<SessionSettings> = {
    ...(preferences?.temperature != null && { temperature: preferences.temperature }),
    ...(preferences?.maxTokens != null && { maxTokens: preferences.maxTokens }),
    ...(preferences && { useDocuments: preferences.useDocuments }),
  };
  const explicit = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as Partial<SessionSettings>;
  const resolved = pickFields(sessionSettingsSchema, { ...workspace, seed: null, useDocuments: true, ...preferred, ...explicit });
  return resolved.chatMode === 'query' ? { ...resolved, useDocuments: true } : resolved;
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
     * `settings` overrides what the session freezes from the workspace (a batch run's sampling),
     * `preferences` the user's own defaults (see resolveSessionSettings for the precedence);
     * `threadId` continues a thread the caller has checked is theirs.
     */
    async start(userId: number, workspaceId: number, modelId: number, options: SessionStartOptions = {}): Promise<SessionInfo> {
      const { versionId = null, adapterScale = null, variables = {}, threadId = null } = options;
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
          // Kept with the session: its answers keep this category if the workspace's changes (score cards).
          category: workspace.category,
          thread_id: threadId,
          model_id: modelId,
          version_id: versionId,
          adapter_scale: versionId === null ? null : adapterScale,
          system_prompt_snapshot: prompt.text,
          prompt_version_id: prompt.versionId,
          prompt_variables: JSON.stringify(prompt.used),
          settings_snapshot: JSON.stringify(resolveSessionSettings(workspace, options)),
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
