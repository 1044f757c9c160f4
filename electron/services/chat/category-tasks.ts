import { documentQuestion, measureLength, summaryQuestion } from '../../../shared/category-tasks.ts';
import type { ChatTask, SessionInfo, User, Workspace } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { ChatTaskInput } from '../../../shared/contract/threads.ts';
import type { DocumentService } from '../documents/document-service.ts';
import type { PromptService } from '../prompts/prompts.ts';

/** Which workspace category each task belongs to: a summary is asked in a `summary` workspace. */
const categoryOfTask: Record<ChatTaskInput['kind'], Workspace['category']> = { summary: 'summary', doc_gen: 'doc_gen' };

/**
 * Turns a category task into the question the model receives and the task record the log keeps
 * (issue 14): a summary reads its source (a document of the workspace the asker may see, or the
 * pasted text); a doc_gen answer fills one of the workspace's document templates.
 */
export function createTaskBuilder(deps: {
  workspaces: { get(id: number): Promise<Pick<Workspace, 'category'>> };
  documents: Pick<DocumentService, 'fullText'>;
  prompts: Pick<PromptService, 'resolveDocument'>;
  users: { get(id: number): Promise<Pick<User, 'displayName' | 'department' | 'position'>> };
}) {
  return {
    /** `typed` is whatever the asker wrote in the question box: it goes with the task's notes. */
    async build(session: SessionInfo, input: ChatTaskInput, typed: string, userId: number): Promise<{ question: string; task: ChatTask }> {
      const { category } = await deps.workspaces.get(session.workspaceId);
      if (categoryOfTask[input.kind] !== category) {
        throw new ApiError('VALIDATION', `A ${input.kind} task cannot be asked in a ${category} workspace.`, { field: 'task', reason: 'task_category_mismatch', kind: input.kind, category });
      }
      const notes = [input.notes, typed].map((part) => part.trim()).filter((part) => part !== '').join('\n');
      if (input.kind === 'summary') {
        const source = input.documentId !== undefined ? await deps.documents.fullText(input.documentId, session.workspaceId, userId) : { title: '', text: input.text ?? '' };
        if (source.text.trim() === '') throw new ApiError('EMPTY_INPUT', 'There is no text to summarize.', { reason: 'summary_source_empty' });
        return {
          question: summaryQuestion({ text: source.text, title: source.title, targetLength: input.targetLength, unit: input.unit, notes, language: input.language }),
          task: { kind: 'summary', documentId: input.documentId ?? null, title: source.title, targetLength: input.targetLength, unit: input.unit, sourceLength: measureLength(source.text, input.unit) },
        };
      }
      const filled = await deps.prompts.resolveDocument(session.workspaceId, input.templateId, await deps.users.get(userId), input.values);
      return {
        question: documentQuestion({ filled: filled.text, notes, language: input.language }),
        task: { kind: 'doc_gen', templateId: filled.template.id, templateName: filled.template.name, values: filled.used },
      };
    },
  };
}

export type TaskBuilder = ReturnType<typeof createTaskBuilder>;
