import { z } from 'zod';
import { method } from './define.ts';
import type { Verdict } from './entities.ts';
import { absolutePath, entityId, longText, oneToThree } from './entities/fields.ts';
import { logFilters } from './log-filters.ts';

/**
 * Several evaluators per answer (issue 14): review queues that assign answers to N evaluators
 * each, agreement between them, a manager's final verdict on disputed items, and offline
 * evaluation packs for experts who judge on their own workstations.
 */
export interface ReviewQueue {
  id: number;
  workspaceId: number;
  name: string;
  evaluatorsPerItem: number;
  items: number;
  createdAt: string;
  /** Per evaluator: assigned answers and how many of them they have judged. */
  progress: Array<{ evaluatorId: number; username: string; displayName: string; assigned: number; done: number }>;
}

export interface QueueEntry {
  logId: number;
  position: number;
  question: string;
  /** Whether the caller has judged it. */
  done: boolean;
}

export interface AgreementReport {
  /** Items judged by two evaluators or more, out of all judged items in scope. */
  items: number;
  judgedItems: number;
  evaluators: number;
  /** Krippendorff's alpha, ordinal (verdicts 1 < 2 < 3), tolerating missing verdicts; null when undefined. */
  alpha: number | null;
  alphaPairableValues: number;
  /** Cohen's kappa of each pair of evaluators over the items both judged. */
  pairs: Array<{ first: { id: number; name: string }; second: { id: number; name: string }; kappa: number | null; items: number }>;
  /** Items whose evaluators do not all agree, with each verdict and the final one when set. */
  disagreements: Array<{ logId: number; question: string; verdicts: Array<{ evaluatorId: number; name: string; verdict: Verdict }>; finalVerdict: Verdict | null }>;
  adjudicated: number;
}

export interface Adjudication {
  logId: number;
  evaluation: Verdict;
  reason: string | null;
  correctAnswer: string | null;
  priority: Verdict | null;
  adjudicatorId: number;
  decidedAt: string;
}

/** How an export picks one verdict for an answer several evaluators judged (the manifest records it). */
export const verdictRules = ['final', 'majority'] as const;
export type VerdictRule = (typeof verdictRules)[number];

const queueScope = z
  .object({
    /** Answers of a batch run. */
    runId: entityId.optional(),
    /** Explicit answers. */
    logIds: z.array(entityId).max(100_000).optional(),
    /**
     * The answers the log browser shows for these filters (the same schema and SQL; the workspace
     * is the queue's). As in the log browser, verdict, priority and status filters read the
     * verdicts of the caller, the one creating the queue. Scopes given together narrow each other.
     */
    filters: logFilters.omit({ workspaceId: true }).optional(),
    /** Otherwise: the workspace's answers, newest first, up to `limit` (also the cap for a run or filters). */
    limit: z.number().int().min(1).max(100_000).default(1000),
  })
  .strict();

export const reviewMethods = {
  /** A queue over answers of the workspace; each answer goes to `evaluatorsPerItem` of `evaluatorIds`, round robin. */
  'reviews.createQueue': method<ReviewQueue>()({
    input: z
      .object({
        workspaceId: entityId,
        name: z.string().trim().min(1).max(200),
        evaluatorIds: z.array(entityId).min(1).max(100),
        evaluatorsPerItem: z.number().int().min(1).max(20).default(1),
        scope: queueScope.default({ limit: 1000 }),
      })
      .strict(),
    permission: 'manage',
  }),
  'reviews.queues': method<ReviewQueue[]>()({ input: z.object({ workspaceId: entityId }).strict(), permission: 'read' }),
  /** The caller's part of a queue, in order, with "n of m done". */
  'reviews.myQueue': method<{ queue: ReviewQueue; entries: QueueEntry[]; done: number; total: number }>()({ input: z.object({ queueId: entityId }).strict(), permission: 'read' }),
  'reviews.agreement': method<AgreementReport>()({
    input: z.object({ workspaceId: entityId, queueId: entityId.optional(), runId: entityId.optional() }).strict(),
    permission: 'manage',
  }),
  /** Sets the final verdict (and correction) of an answer; exports use it before any rule. */
  'reviews.adjudicate': method<Adjudication>()({
    input: z
      .object({
        logId: entityId,
        evaluation: oneToThree,
        reason: longText(10_000).nullable().optional(),
        correctAnswer: longText(200_000).nullable().optional(),
        priority: oneToThree.nullable().optional(),
      })
      .strict(),
    permission: 'manage',
  }),

  /** Writes one evaluator's part of a queue as a pack file (questions, answers, sources, system prompt, checksum). */
  'packs.export': method<{ path: string; items: number; packId: string }>()({
    input: z.object({ queueId: entityId, evaluatorId: entityId, outDir: absolutePath.optional() }).strict(),
    permission: 'manage',
  }),
  /** On the expert's workstation: opens an assignment pack as a local workspace to judge (again: nothing changes). */
  'packs.open': method<{ workspaceId: number; sessionId: number; items: number; alreadyOpen: boolean }>()({
    input: z.object({ path: absolutePath }).strict(),
    permission: 'evaluate',
  }),
  /** On the expert's workstation: the caller's verdicts on an opened pack, as a result pack file. */
  'packs.exportResults': method<{ path: string; items: number; judged: number }>()({
    input: z.object({ workspaceId: entityId, outDir: absolutePath.optional() }).strict(),
    permission: 'evaluate',
  }),
  /**
   * On the lead's workstation: imports a result pack. Idempotent; a pack of another workspace or
   * with a wrong checksum is refused; a verdict older than the one stored is not applied.
   */
  'packs.importResults': method<{ imported: number; unchanged: number; olderThanStored: number; alreadyImported: boolean }>()({
    input: z.object({ path: absolutePath }).strict(),
    permission: 'manage',
  }),
};
