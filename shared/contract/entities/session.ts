import { z } from 'zod';
import { entityId, timestamp } from './fields.ts';
import { sessionSettingsSchema, workspaceCategories } from './workspace.ts';

/** A session binds user, workspace and model version, and freezes the system prompt and settings. */
export const sessionSchema = z.object({
  id: entityId,
  userId: entityId,
  workspaceId: entityId,
  /**
   * The workspace's category when the session started, set by the database (migration 020); its
   * answers keep it if the workspace's category changes later (score cards count by it).
   */
  category: z.enum(workspaceCategories).nullable(),
  /** The conversation a `qa` session belongs to; null for sessions without one (A/B, batch runs, other categories). */
  threadId: entityId.nullable(),
  modelId: entityId,
  /** The model version asked: null for the base model alone. */
  versionId: entityId.nullable(),
  /** Overrides the version's adapter scales in this session; null keeps them (0 gives the base). */
  adapterScale: z.number().nullable(),
  systemPromptSnapshot: z.string(),
  /** The workspace's prompt version the snapshot was resolved from (prompt history). */
  promptVersionId: entityId.nullable(),
  /** The template variable values the snapshot was resolved with. */
  promptVariables: z.record(z.string(), z.string()),
  settingsSnapshot: sessionSettingsSchema,
  startedAt: timestamp,
  endedAt: timestamp.nullable(),
});
export type SessionInfo = z.output<typeof sessionSchema>;
