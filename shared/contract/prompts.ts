import { z } from 'zod';
import { method } from './define.ts';
import { workspaceCategories, type WorkspaceCategory } from './entities/workspace.ts';
import { entityId, longText } from './entities/fields.ts';
import { builtInVariables, templateVariableSchema, type TemplateVariable } from '../prompt-template.ts';

/** `system`: what a session's system prompt resolves from; `document`: a document a doc_gen answer fills in. */
export const templateKinds = ['system', 'document'] as const;
export type TemplateKind = (typeof templateKinds)[number];

/** A workspace's prompt template for one category (seed 000's workspace_prompt_templates). */
export interface PromptTemplate {
  id: number;
  workspaceId: number;
  category: WorkspaceCategory;
  kind: TemplateKind;
  name: string;
  body: string;
  variables: TemplateVariable[];
  /** The one a session of this category starts from. */
  isDefault: boolean;
  createdAt: string;
  updatedAt: string;
}

/** One entry of a workspace's prompt history: what sessions resolved from, who changed it, when. */
export interface PromptVersion {
  id: number;
  workspaceId: number;
  version: number;
  /** The template it came from; null: the workspace's own system prompt. */
  templateId: number | null;
  body: string;
  variables: TemplateVariable[];
  changedBy: number | null;
  changedByName: string | null;
  changedAt: string;
}

/** Seed 003's user_llm_preferences: what a user's new sessions and screens start with. */
export interface UserPreferences {
  preferredModelId: number | null;
  temperature: number | null;
  maxTokens: number | null;
  useDocuments: boolean;
  language: 'en' | 'ko' | 'ja' | null;
}

export const promptMethods = {
  'prompts.templates': method<PromptTemplate[]>()({ input: z.object({ workspaceId: entityId }).strict(), permission: 'read' }),
  /** Creates (no id) or changes a template; the default of a category replaces the previous default. */
  'prompts.saveTemplate': method<PromptTemplate>()({
    input: z
      .object({
        workspaceId: entityId,
        id: entityId.optional(),
        category: z.enum(workspaceCategories),
        kind: z.enum(templateKinds).default('system'),
        name: z.string().trim().min(1).max(200),
        body: longText(50_000),
        variables: z.array(templateVariableSchema).max(50).default([]),
        isDefault: z.boolean().default(false),
      })
      .strict(),
    permission: 'manage',
  }),
  'prompts.deleteTemplate': method<{ deleted: boolean }>()({ input: z.object({ id: entityId }).strict(), permission: 'manage' }),
  /** The workspace's prompt history, newest first; each session records the version it used. */
  'prompts.versions': method<PromptVersion[]>()({ input: z.object({ workspaceId: entityId }).strict(), permission: 'read' }),
  /** What starting a session here needs: the current version and its variables (built-ins are filled in). */
  'prompts.current': method<{ version: PromptVersion; builtIns: readonly string[] }>()({ input: z.object({ workspaceId: entityId }).strict(), permission: 'read' }),

  'preferences.get': method<UserPreferences>()({ input: z.object({}).strict(), permission: 'signedIn' }),
  'preferences.update': method<UserPreferences>()({
    input: z
      .object({
        preferredModelId: entityId.nullable().optional(),
        temperature: z.number().min(0).max(2).nullable().optional(),
        maxTokens: z.number().int().min(1).max(32_768).nullable().optional(),
        useDocuments: z.boolean().optional(),
        language: z.enum(['en', 'ko', 'ja']).nullable().optional(),
      })
      .strict(),
    permission: 'signedIn',
  }),
};

export { builtInVariables };
