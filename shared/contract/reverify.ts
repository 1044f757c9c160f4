import { z } from 'zod';
import { method } from './define.ts';
import type { StopReason } from './entities/conversation-log.ts';
import type { Priority, TrainingStatus, Verdict } from './entities/evaluation.ts';
import { absolutePath, entityId, longText, oneToThree } from './entities/fields.ts';
import type { VersionRef } from './entities/version.ts';
import type { WorkspaceCategory } from './entities/workspace.ts';

/**
 * Re-verification (issue 13, MISSION step 6): question sets, batch runs of a set against model
 * versions, re-judging side by side with the earlier correction, score cards and the PoC report.
 */

export const questionSetStatuses = ['active', 'closed'] as const;
export const questionOrigins = ['trained', 'guard', 'evaluation', 'typed', 'imported'] as const;
export type QuestionOrigin = (typeof questionOrigins)[number];

const tag = z.string().trim().min(1).max(100);
const tags = z.array(tag).max(50);

export const questionSetItemInput = z
  .object({
    question: longText(200_000).refine((value) => value.trim().length > 0, 'Write a question'),
    expectedAnswer: longText(200_000).nullable().default(null),
    tags: tags.default([]),
  })
  .strict();

export interface QuestionSet {
  id: number;
  workspaceId: number;
  name: string;
  description: string;
  /** `active` sets are being re-verified: their items stay out of training exports by default. */
  status: (typeof questionSetStatuses)[number];
  itemCount: number;
  /** Items per origin: corrections trained into a version, guard samples, typed, imported… */
  origins: Partial<Record<QuestionOrigin, number>>;
  createdAt: string;
  updatedAt: string;
}

export interface QuestionSetItem {
  id: number;
  setId: number;
  position: number;
  question: string;
  /** The expert's correction where one exists; for typed or imported items what the file said. */
  expectedAnswer: string | null;
  tags: string[];
  origin: QuestionOrigin;
  sourceLogId: number | null;
  sourceEvaluationId: number | null;
  sourceVerdict: Verdict | null;
}

/** Which evaluations a set is made from ("all status-2 items trained into version 3"). */
export const evaluationSelection = z
  .object({
    evaluations: z.array(oneToThree).min(1).optional(),
    statuses: z.array(oneToThree).min(1).optional(),
    priorities: z.array(oneToThree).min(1).optional(),
    /** Evaluations whose correction was trained into this version. */
    trainedVersionId: entityId.optional(),
    /** Answers of this model version (0: the base alone). */
    answeredByVersionId: z.number().int().min(0).optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict();

/** A seeded random sample of earlier verdict-1 answers, to catch what a new version breaks. */
export const guardSelection = z
  .object({
    count: z.number().int().min(1).max(10_000),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  })
  .strict();

export const importFormats = ['csv', 'tsv', 'jsonl'] as const;
export type ImportFormat = (typeof importFormats)[number];

/** Which column (CSV header) or field (JSONL key) holds what. */
export const columnMapping = z
  .object({
    question: z.string().min(1).max(200),
    expectedAnswer: z.string().min(1).max(200).nullable().default(null),
    tags: z.string().min(1).max(200).nullable().default(null),
  })
  .strict();

const importSource = z
  .object({
    /** A file on the machine running EvalDesk, or… */
    path: absolutePath.optional(),
    /** …its text, as a browser read it (at most 20 MB). */
    text: z.string().max(20_000_000).optional(),
    format: z.enum(importFormats).optional(),
  })
  .strict();

export interface ImportProblem {
  /** 1-based line of the file (a CSV record spanning lines is named by its first line). */
  line: number;
  code: 'MALFORMED_LINE' | 'MISSING_QUESTION' | 'TOO_LONG' | 'NOT_AN_OBJECT';
  /** What is malformed, as a code the renderer translates (with `expected`/`found` for column_count). */
  detail?: 'unclosed_quote' | 'invalid_json' | 'column_count';
  expected?: number;
  found?: number;
}

export interface ImportPreview {
  format: ImportFormat;
  encoding: string;
  /** CSV headers or the JSONL keys seen. */
  columns: string[];
  /** The mapping used: the one given, or one guessed from the column names. */
  mapping: z.output<typeof columnMapping> | null;
  validCount: number;
  sample: Array<{ line: number; question: string; expectedAnswer: string | null; tags: string[] }>;
  problems: ImportProblem[];
  /** True when problems were cut after the first 1,000. */
  problemsTruncated: boolean;
}

export const runStatuses = ['pending', 'running', 'paused', 'completed', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];
export const assistKinds = ['none', 'embedding', 'judge'] as const;

/**
 * Embedding similarity to the expected answer at or above `good` suggests 1, at or above
 * `insufficient` suggests 2, below it 3. A rough guide: the agreement rate per run says how far
 * it can be trusted with the workspace's embedder.
 */
export const embeddingVerdictThresholds = { good: 0.85, insufficient: 0.6 } as const;

export interface BatchRun {
  id: number;
  setId: number;
  setName: string;
  workspaceId: number;
  modelId: number;
  modelName: string;
  /** null: the base alone (then `versionName` is null too; screens label it in their language). */
  versionId: number | null;
  versionName: string | null;
  sessionId: number;
  parallelism: number;
  temperature: number;
  seed: number;
  assist: (typeof assistKinds)[number];
  /** The model that suggests verdicts (assist 'judge'). */
  judgeModelId: number | null;
  status: RunStatus;
  error: { code: string; message: string } | null;
  total: number;
  answered: number;
  judged: number;
  /** Answers the assistant has looked at (assist 'embedding' or 'judge'). */
  suggested: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The job id to cancel a running run with (`jobs.cancel`); its progress events carry it. */
  jobId: string;
}

/** One question of a run, side by side: before, the correction, and now. */
export interface RejudgeItem {
  itemId: number;
  position: number;
  question: string;
  expectedAnswer: string | null;
  tags: string[];
  origin: QuestionOrigin;
  /** The earlier answer and the version that gave it. */
  earlier:
    | (VersionRef & {
        logId: number;
        answer: string;
        verdict: Verdict | null;
        status: TrainingStatus | null;
      })
    | null;
  current: { logId: number; answer: string; stopReason: StopReason } | null;
  /** The caller's verdict on the new answer. */
  judged: { evaluation: Verdict; reason: string | null; correctAnswer: string | null; priority: Priority | null } | null;
  /**
   * The assistant's suggestion. `judge`: the judge model's verdict and its one-line reason (the
   * model's own words). `embedding`: the verdict read from `score`, the cosine similarity of the
   * new answer to the expected one, against `embeddingVerdictThresholds`; no reason text.
   */
  suggestion: { source: 'judge' | 'embedding'; verdict: Verdict; reason: string | null; score: number | null } | null;
  /** The earlier evaluation became verified by this answer. */
  verified: boolean;
  /** Good before, judged 2 or 3 on this version. */
  regression: boolean;
}

export interface VerdictCounts {
  judged: number;
  good: number;
  insufficient: number;
  wrong: number;
  /** good / judged, 0 when nothing is judged. */
  goodRate: number;
}

/**
 * A breakdown row (by priority, category or tag) of one version or of one run: `runId` null is
 * the version's answers across the card's workspace, a number is that run's answers alone.
 */
export type ScoreBreakdownRow = VersionRef & { runId: number | null; counts: VerdictCounts };

/**
 * Everything in a card counts the card's workspace alone. Versions are named by `VersionRef`
 * (the base alone: versionId and versionName null), never by a label a service wrote.
 */
export interface ScoreCard {
  workspaceId: number;
  versions: Array<VersionRef & { parentVersionId: number | null; counts: VerdictCounts; verified: number; regressed: number; trainedInto: number }>;
  runs: Array<VersionRef & { runId: number; setName: string; createdAt: string; status: RunStatus; total: number; answered: number; counts: VerdictCounts; verified: number; regressed: number; judgeAgreement: number | null }>;
  /** Per version, then per run. */
  byPriority: Array<ScoreBreakdownRow & { priority: Priority | null }>;
  /**
   * Per version, then per run. An answer's category is its workspace's category when its session
   * started (a workspace's category can change later; its earlier answers keep theirs).
   */
  byCategory: Array<ScoreBreakdownRow & { category: WorkspaceCategory }>;
  /** Tags are on question set items, so only run answers have them: per version (its runs together), then per run. */
  byTag: Array<ScoreBreakdownRow & { tag: string }>;
  ab: Array<{ first: VersionRef; second: VersionRef; firstWins: number; secondWins: number; ties: number; bothBad: number }>;
  /** Good rate per version per day, for the chart of versions over time. */
  timeline: Array<VersionRef & { day: string; counts: VerdictCounts }>;
}

export const scoreCardTables = ['versions', 'runs', 'byPriority', 'byCategory', 'byTag', 'ab', 'timeline'] as const;
export const reportLanguages = ['en', 'ko', 'ja'] as const;

export const reverifyMethods = {
  'questionSets.list': method<QuestionSet[]>()({ input: z.object({ workspaceId: entityId }).strict(), permission: 'read' }),
  'questionSets.get': method<{ set: QuestionSet; items: QuestionSetItem[] }>()({ input: z.object({ id: entityId }).strict(), permission: 'read' }),
  /**
   * A new set: from evaluations (filters), plus a seeded guard sample of verdict-1 answers, plus
   * typed questions. An empty result is EMPTY_INPUT, nothing created.
   */
  'questionSets.create': method<QuestionSet>()({
    input: z
      .object({
        workspaceId: entityId,
        name: z.string().trim().min(1).max(200),
        description: longText(10_000).default(''),
        fromEvaluations: evaluationSelection.optional(),
        guard: guardSelection.optional(),
        items: z.array(questionSetItemInput).max(10_000).default([]),
      })
      .strict(),
    permission: 'evaluate',
  }),
  'questionSets.addItems': method<QuestionSet>()({
    input: z.object({ setId: entityId, items: z.array(questionSetItemInput).min(1).max(10_000) }).strict(),
    permission: 'evaluate',
  }),
  'questionSets.update': method<QuestionSet>()({
    input: z
      .object({ id: entityId, patch: z.object({ name: z.string().trim().min(1).max(200).optional(), description: longText(10_000).optional(), status: z.enum(questionSetStatuses).optional() }).strict() })
      .strict(),
    permission: 'evaluate',
  }),
  'questionSets.delete': method<{ deleted: boolean }>()({ input: z.object({ id: entityId }).strict(), permission: 'manage' }),
  /** Reads a CSV/TSV/JSONL file (UTF-8 with or without BOM, UTF-16) and says what would be imported. */
  'questionSets.previewImport': method<ImportPreview>()({
    input: importSource.extend({ mapping: columnMapping.optional() }).strict(),
    permission: 'evaluate',
  }),
  /**
   * Imports the valid lines into a set. When some lines are malformed the call is refused
   * (CONFLICT, reason import_problems) unless `acceptProblems` says the user saw them.
   */
  'questionSets.import': method<{ set: QuestionSet; imported: number; problems: ImportProblem[] }>()({
    input: importSource.extend({ setId: entityId, mapping: columnMapping, acceptProblems: z.boolean().default(false) }).strict(),
    permission: 'evaluate',
  }),

  /**
   * Runs a set against one or more versions of a base (null: the base alone), one run each, one
   * after the other. Deterministic by default (temperature 0, seed 42). Returns the runs at once;
   * progress comes as `job.progress` (kind batch-run) and the run's `jobId` cancels it. With
   * `wait`, returns when they are done.
   */
  'runs.start': method<BatchRun[]>()({
    input: z
      .object({
        setId: entityId,
        modelId: entityId,
        versionIds: z.array(entityId.nullable()).min(1).max(10),
        parallelism: z.number().int().min(1).max(16).optional(),
        temperature: z.number().min(0).max(2).default(0),
        seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
        assist: z.enum(assistKinds).default('none'),
        /** The judge (any registered GGUF model) when `assist` is 'judge'. */
        judgeModelId: entityId.optional(),
        /** Values for the workspace's prompt template variables, as for sessions.start. */
        variables: z.record(z.string().max(40), z.string().max(10_000)).optional(),
        wait: z.boolean().default(false),
      })
      .strict()
      .superRefine((input, context) => {
        if (input.assist === 'judge' && input.judgeModelId === undefined) context.addIssue({ code: 'custom', path: ['judgeModelId'], message: 'a judge model is needed for assisted judging' });
      }),
    permission: 'evaluate',
  }),
  /** Continues a paused, failed or interrupted run where it stopped: no question twice, none skipped. */
  'runs.resume': method<BatchRun>()({ input: z.object({ id: entityId, wait: z.boolean().default(false) }).strict(), permission: 'evaluate' }),
  'runs.list': method<BatchRun[]>()({ input: z.object({ workspaceId: entityId, setId: entityId.optional() }).strict(), permission: 'read' }),
  'runs.get': method<BatchRun>()({ input: z.object({ id: entityId }).strict(), permission: 'read' }),

  'rejudge.items': method<RejudgeItem[]>()({ input: z.object({ runId: entityId }).strict(), permission: 'read' }),
  /**
   * Judges a run's new answer. A trained item judged 1 becomes verified by the run's version; an
   * item that was good before and is judged 2 or 3 is a regression.
   */
  'rejudge.save': method<RejudgeItem>()({
    input: z
      .object({
        runId: entityId,
        itemId: entityId,
        evaluation: oneToThree,
        reason: longText(10_000).nullable().optional(),
        correctAnswer: longText(200_000).nullable().optional(),
        priority: oneToThree.nullable().optional(),
        memo: longText(10_000).nullable().optional(),
      })
      .strict(),
    permission: 'evaluate',
  }),

  'scorecards.get': method<ScoreCard>()({ input: z.object({ workspaceId: entityId }).strict(), permission: 'read' }),
  /** One score-card table as CSV (UTF-8 with BOM, so Excel reads Korean and Japanese). */
  'scorecards.csv': method<{ fileName: string; csv: string }>()({
    input: z.object({ workspaceId: entityId, table: z.enum(scoreCardTables) }).strict(),
    permission: 'read',
  }),
  /** A self-contained HTML report (and a PDF of it when a renderer for PDFs is available). */
  'report.create': method<{ htmlPath: string; pdfPath: string | null; bytes: number }>()({
    input: z.object({ workspaceId: entityId, language: z.enum(reportLanguages).default('en'), outDir: absolutePath.optional(), pdf: z.boolean().default(true) }).strict(),
    permission: 'export',
  }),
};

export type ReportLanguage = (typeof reportLanguages)[number];
