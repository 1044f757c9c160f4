import { z } from 'zod';
import type { Evaluation, Priority, TrainingStatus, Verdict } from './evaluation.ts';
import { entityId, timestamp } from './fields.ts';

/** `answering` while the model streams; `interrupted` when the app ended before the answer did. */
export const stopReasons = ['answering', 'finished', 'max_tokens', 'stopped', 'error', 'interrupted'] as const;
export type StopReason = (typeof stopReasons)[number];

/** One passage that went into an answer's prompt: the retrieval trace shown as a citation. */
export const retrievedSourceSchema = z.object({
  rank: z.number().int(),
  chunkId: z.string(),
  /** The passage's position in its document: what `documents.passage` opens. */
  chunkIndex: z.number().int().min(0),
  documentId: entityId.nullable(),
  docId: z.string(),
  title: z.string(),
  page: z.number().int().nullable(),
  section: z.string().nullable(),
  score: z.number(),
  pinned: z.boolean(),
  /** Exactly the text that was put into the prompt. */
  promptText: z.string(),
});
export type RetrievedSource = z.output<typeof retrievedSourceSchema>;

/**
 * The steps an answer took before the model wrote it (seed 003's tool-call records): document
 * retrieval, the admin route decision between SQL and documents, the SQL query, the graph
 * expansion. Recorded in order with the log, failures included (a failed SQL query falls back to
 * documents, and the record says why).
 */
export const toolNames = ['retrieve', 'route', 'sql', 'graph'] as const;
export type ToolName = (typeof toolNames)[number];

export const toolCallSchema = z.object({
  position: z.number().int().min(0),
  toolName: z.enum(toolNames),
  /** What the step was asked, as JSON (the question, the SQL, top N...). */
  arguments: z.record(z.string(), z.unknown()),
  /** What it gave back, in short: counts and outcomes, never passages of other users. */
  resultSummary: z.string(),
  success: z.boolean(),
  /** An error code (EvalDesk's own, or the SQL check's reason) when the step failed. */
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  executionTimeMs: z.number(),
});
export type ToolCall = z.output<typeof toolCallSchema>;

/** How a summary's target length is counted: characters suit Korean, Japanese and Chinese. */
export const summaryUnits = ['characters', 'words', 'sentences'] as const;
export type SummaryUnit = (typeof summaryUnits)[number];

/**
 * What a `summary` or `doc_gen` answer was asked to do, kept beside the question text the model
 * received (which embeds the source or the filled template), so screens and exports can show it.
 */
export const chatTaskSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('summary'),
    /** The summarized document; null for pasted text. */
    documentId: entityId.nullable(),
    title: z.string(),
    targetLength: z.number().int(),
    unit: z.enum(summaryUnits),
    /** The source's length in the same unit, so a reader sees how much it was shortened. */
    sourceLength: z.number().int(),
  }),
  z.object({
    kind: z.literal('doc_gen'),
    templateId: entityId.nullable(),
    templateName: z.string(),
    values: z.record(z.string(), z.string()),
  }),
]);
export type ChatTask = z.output<typeof chatTaskSchema>;

export const conversationLogSchema = z.object({
  id: entityId,
  sessionId: entityId,
  workspaceId: entityId,
  modelId: entityId,
  userId: entityId,
  question: z.string(),
  answer: z.string(),
  askedAt: timestamp,
  completedAt: timestamp,
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  timeToFirstTokenMs: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  stopReason: z.enum(stopReasons),
  errorMessage: z.string().nullable(),
  /**
   * What document retrieval did: null when it did not run (no documents, or logs from before
   * this was recorded), `below_threshold` when nothing was similar enough, `found` otherwise.
   */
  retrievalOutcome: z.enum(['below_threshold', 'found']).nullable(),
  /** The category task the question was built from; null for a question typed as is. */
  task: chatTaskSchema.nullable(),
  sources: z.array(retrievedSourceSchema),
  /** The steps before the answer, in order (retrieval, route, SQL, graph). */
  toolCalls: z.array(toolCallSchema),
});
export type ConversationLog = z.output<typeof conversationLogSchema>;

/** One row of the log browser: the log plus the current user's verdict, if any. */
export interface LogListRow {
  id: number;
  sessionId: number;
  workspaceId: number;
  workspaceName: string;
  modelId: number;
  modelName: string;
  versionName: string | null;
  question: string;
  answerPreview: string;
  askedAt: string;
  stopReason: StopReason;
  completionTokens: number;
  tokensPerSecond: number | null;
  evaluation: Verdict | null;
  priority: Priority | null;
  status: TrainingStatus | null;
}

export interface LogDetail {
  log: ConversationLog;
  workspaceName: string;
  modelName: string;
  /** The model version the session asked; null for the base alone. */
  versionName: string | null;
  systemPromptSnapshot: string;
  evaluations: Evaluation[];
  /** Other evaluators' verdicts kept from the viewer until they save their own (blind judging). */
  hiddenEvaluations: number;
}
