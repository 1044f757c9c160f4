import { z } from 'zod';
import { method } from './define.ts';
import { entityId, longText } from './entities/fields.ts';
import { summaryUnits, type ConversationLog, type Thread, type ThreadSummary } from './entities.ts';

/** The asker's language: the task's instruction to the model is written in it. */
const taskLanguage = z.enum(['en', 'ko', 'ja']).default('en');
/** Extra instructions the asker adds to a task ("focus on the risks"). */
const notes = longText(10_000).default('');

/**
 * A category task instead of (or beside) a typed question (issue 14): a `summary` workspace
 * summarizes a document of the workspace or pasted text to a target length; a `doc_gen` workspace
 * fills one of its document templates from the given values. The question the model receives is
 * built from it (shared/category-tasks.ts) and stored as the log's question.
 */
export const chatTaskInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('summary'),
      documentId: entityId.optional(),
      text: longText(200_000).optional(),
      targetLength: z.number().int().min(1).max(20_000),
      unit: z.enum(summaryUnits).default('characters'),
      notes,
      language: taskLanguage,
    })
    .strict()
    .refine((task) => (task.documentId === undefined) !== (task.text === undefined), { message: 'give either documentId or text', path: ['documentId'] }),
  z
    .object({
      kind: z.literal('doc_gen'),
      templateId: entityId,
      values: z.record(z.string().max(40), z.string().max(10_000)).default({}),
      notes,
      language: taskLanguage,
    })
    .strict(),
]);
export type ChatTaskInput = z.output<typeof chatTaskInput>;

export const threadMethods = {
  /** The caller's threads in a `qa` workspace, most recently active first. */
  'threads.list': method<ThreadSummary[]>()({ input: z.object({ workspaceId: entityId, includeArchived: z.boolean().default(false) }).strict(), permission: 'read' }),
  'threads.rename': method<Thread>()({ input: z.object({ id: entityId, name: z.string().trim().min(1).max(200) }).strict(), permission: 'ask' }),
  /** Hides a thread from the list (or brings it back); its answers and verdicts stay. */
  'threads.archive': method<Thread>()({ input: z.object({ id: entityId, archived: z.boolean() }).strict(), permission: 'ask' }),
  /** Every answer of the thread, across the sessions it was continued in, oldest first. */
  'threads.history': method<ConversationLog[]>()({ input: z.object({ id: entityId }).strict(), permission: 'read' }),
};
