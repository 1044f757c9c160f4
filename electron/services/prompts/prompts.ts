import type { Selectable } from 'kysely';
import type { PromptTemplate, PromptVersion, TemplateKind } from '../../../shared/contract/prompts.ts';
import type { User, WorkspaceCategory } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { checkTemplate, resolveTemplate, templateVariableSchema, type TemplateProblem, type TemplateVariable } from '../../../shared/prompt-template.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { PromptTemplatesTable, PromptVersionsTable } from '../db/schema.ts';

const parseVariables = (json: string): TemplateVariable[] => templateVariableSchema.array().parse(JSON.parse(json));

function toTemplate(row: Selectable<PromptTemplatesTable>): PromptTemplate {
  return { id: row.id, workspaceId: row.workspace_id, category: row.category, kind: row.kind, name: row.name, body: row.body, variables: parseVariables(row.variables), isDefault: row.is_default === 1, createdAt: row.created_at, updatedAt: row.updated_at };
}

function toVersion(row: Selectable<PromptVersionsTable> & { changed_by_name?: string | null }): PromptVersion {
  return { id: row.id, workspaceId: row.workspace_id, version: row.version, templateId: row.template_id, body: row.body, variables: parseVariables(row.variables), changedBy: row.changed_by, changedByName: row.changed_by_name ?? null, changedAt: row.changed_at };
}

/** A template's problems as one VALIDATION error: the first problem's code and variable name as parameters. */
function refuse(problems: TemplateProblem[]): never {
  const [first] = problems;
  throw new ApiError('VALIDATION', `The prompt template cannot be used (${problems.map((p) => `${p.code} ${p.name}`).join(', ')}).`, { field: 'variables', reason: first!.code, name: first!.name });
}

/**
 * Prompt templates and prompt history (issue 14). A workspace's effective system prompt is its
 * category's default template when it has one, otherwise its own system prompt; either may use
 * {{variables}}. Every change of the effective prompt is a new numbered version with who and when;
 * a session resolves the latest version with the user's values and records which version it used.
 */
export function createPromptService(db: Db) {
  async function workspaceRow(id: number) {
    const row = await db.selectFrom('workspaces').select(['id', 'name', 'category', 'system_prompt']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (!row) throw new ApiError('NOT_FOUND', `Workspace ${id} does not exist.`, { entity: 'workspace', id });
    return row;
  }

  type WorkspaceFacts = { id: number; name: string; category: WorkspaceCategory; system_prompt: string };

  async function effective(workspace: WorkspaceFacts): Promise<{ templateId: number | null; body: string; variables: string }> {
    const workspaceId = workspace.id;
    const template = await db.selectFrom('prompt_templates').selectAll().where('workspace_id', '=', workspaceId).where('category', '=', workspace.category).where('kind', '=', 'system').where('is_default', '=', 1).executeTakeFirst();
    return template ? { templateId: template.id, body: template.body, variables: template.variables } : { templateId: null, body: workspace.system_prompt, variables: '[]' };
  }

  async function latestRow(workspaceId: number) {
    return db.selectFrom('prompt_versions').selectAll().where('workspace_id', '=', workspaceId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  /** Appends a version when the effective prompt differs from the latest one; returns it (null: unchanged). */
  async function recordIfChanged(workspaceId: number, userId: number | null, known?: WorkspaceFacts): Promise<PromptVersion | null> {
    const now = await effective(known ?? (await workspaceRow(workspaceId)));
    const latest = await latestRow(workspaceId);
    if (latest && latest.body === now.body && latest.variables === now.variables && latest.template_id === now.templateId) return null;
    const row = await db
      .insertInto('prompt_versions')
      .values({ workspace_id: workspaceId, version: (latest?.version ?? 0) + 1, template_id: now.templateId, body: now.body, variables: now.variables, changed_by: userId, changed_at: nowIso() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toVersion(row);
  }

  return {
    recordIfChanged,

    async templates(workspaceId: number): Promise<PromptTemplate[]> {
      const rows = await db.selectFrom('prompt_templates').selectAll().where('workspace_id', '=', workspaceId).orderBy('category').orderBy('name').execute();
      return rows.map(toTemplate);
    },

    async saveTemplate(input: { workspaceId: number; id?: number | undefined; category: WorkspaceCategory; kind?: TemplateKind | undefined; name: string; body: string; variables: TemplateVariable[]; isDefault: boolean }, userId: number): Promise<PromptTemplate> {
      await workspaceRow(input.workspaceId);
      const problems = checkTemplate(input.body, input.variables);
      if (problems.length > 0) refuse(problems);
      const now = nowIso();
      const kind = input.kind ?? 'system';
      // A document template is chosen per answer, never a session's default system prompt.
      if (kind === 'document' && input.isDefault) throw new ApiError('VALIDATION', 'A document template cannot be the default system prompt.', { field: 'isDefault', reason: 'document_template_default' });
      const values = { category: input.category, kind, name: input.name, body: input.body, variables: JSON.stringify(input.variables), is_default: input.isDefault ? 1 : 0, updated_at: now };
      const id = await db.transaction().execute(async (trx) => {
        // One default per workspace and category: making this one the default unsets the other.
        if (input.isDefault) await trx.updateTable('prompt_templates').set({ is_default: 0 }).where('workspace_id', '=', input.workspaceId).where('category', '=', input.category).where('kind', '=', 'system').where('id', '<>', input.id ?? 0).execute();
        if (input.id !== undefined) {
          const updated = await trx.updateTable('prompt_templates').set(values).where('id', '=', input.id).where('workspace_id', '=', input.workspaceId).executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 0) throw new ApiError('NOT_FOUND', `Prompt template ${input.id} does not exist.`, { entity: 'prompt_template', id: input.id });
          return input.id;
        }
        return (await trx.insertInto('prompt_templates').values({ ...values, workspace_id: input.workspaceId, created_by: userId, created_at: now }).returning('id').executeTakeFirstOrThrow()).id;
      });
      return toTemplate(await db.selectFrom('prompt_templates').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    },

    async deleteTemplate(id: number): Promise<{ deleted: boolean; workspaceId: number }> {
      const row = await db.selectFrom('prompt_templates').select(['id', 'workspace_id']).where('id', '=', id).executeTakeFirst();
      if (!row) throw new ApiError('NOT_FOUND', `Prompt template ${id} does not exist.`, { entity: 'prompt_template', id });
      await db.deleteFrom('prompt_templates').where('id', '=', id).execute();
      return { deleted: true, workspaceId: row.workspace_id };
    },

    async versions(workspaceId: number): Promise<PromptVersion[]> {
      await workspaceRow(workspaceId);
      const rows = await db.selectFrom('prompt_versions as v').leftJoin('users as u', 'u.id', 'v.changed_by').selectAll('v').select('u.display_name as changed_by_name').where('v.workspace_id', '=', workspaceId).orderBy('v.version', 'desc').execute();
      return rows.map(toVersion);
    },

    /**
     * Fills a document template of `workspaceId` for a doc_gen answer: its variables come from
     * `values` (defaults fill the rest), built-ins from the user and the moment.
     */
    async resolveDocument(workspaceId: number, templateId: number, user: Pick<User, 'displayName' | 'department' | 'position'>, values: Record<string, string>): Promise<{ template: PromptTemplate; text: string; used: Record<string, string> }> {
      const row = await db.selectFrom('prompt_templates').selectAll().where('id', '=', templateId).where('workspace_id', '=', workspaceId).where('kind', '=', 'document').executeTakeFirst();
      if (!row) throw new ApiError('NOT_FOUND', `Document template ${templateId} does not exist in this workspace.`, { entity: 'document_template', id: templateId });
      const workspace = await workspaceRow(workspaceId);
      const template = toTemplate(row);
      const resolved = resolveTemplate(template.body, template.variables, values, { userName: user.displayName, department: user.department, position: user.position, workspace: workspace.name, now: new Date() });
      if (!resolved.ok) refuse(resolved.problems);
      return { template, text: resolved.text, used: resolved.used };
    },

    /** The version a new session uses, and the text it resolves to for `user` with `values`. */
    async resolveForSession(
      workspace: { id: number; name: string; category: WorkspaceCategory; systemPrompt: string },
      user: Pick<User, 'displayName' | 'department' | 'position'>,
      values: Record<string, string>,
    ): Promise<{ versionId: number; text: string; used: Record<string, string> }> {
      // The session has just read the workspace: its row is not read again here.
      const facts = { id: workspace.id, name: workspace.name, category: workspace.category, system_prompt: workspace.systemPrompt };
      const version = (await recordIfChanged(workspace.id, null, facts)) ?? toVersion((await latestRow(workspace.id))!);
      const resolved = resolveTemplate(version.body, version.variables, values, { userName: user.displayName, department: user.department, position: user.position, workspace: workspace.name, now: new Date() });
      if (!resolved.ok) refuse(resolved.problems);
      return { versionId: version.id, text: resolved.text, used: resolved.used };
    },
  };
}

export type PromptService = ReturnType<typeof createPromptService>;
