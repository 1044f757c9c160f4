import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import {
  datasetSchema,
  type Dataset,
  type ExportExampleKind,
  type ExportGuards,
  type ExportManifest,
  type ExportResult,
  type ExportWarning,
  type PreferenceSource,
} from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';
import type { Job } from '../jobs/jobs.ts';
import { sourcesByLog } from '../logs/log-rows.ts';
import { inclusiveEnd, sessionsOfVersion } from '../logs/logs.ts';
import { isProcessAlive } from '../db/instance-lock.ts';
import { ensureDir, notWritableError, removeQuietly } from '../files/safe-fs.ts';
import { conversationsOf, exportFormats, ktoLabelRule, normalizedQuestion, splitFor, type ConversationRenderer, type ExampleOf, type Split, type UnpairedExample } from './formats.ts';
import { SplitWriter } from './split-writer.ts';
import { chatTemplatesOf, renderPlain, textRenderersOf, type TextRendering } from './chat-templates.ts';
import { openLengthChecker, type LengthChecker } from './length-check.ts';
import { tokenizationRule } from '../runtime/chat-template.ts';

type ExportInput = ParsedInput<'export.run'>;
type ExportFilters = ExportInput['filters'];

const chunkSize = 500;

/** mlx-lm trains with batch size 4 unless told otherwise, and refuses a train or valid split below it. */
const mlxDefaultBatchSize = 4;

export function mlxBatchWarnings(files: Array<{ name: string; rows: number }>): ExportWarning[] {
  const smallest = Math.min(...files.map((file) => file.rows));
  if (smallest >= mlxDefaultBatchSize) return [];
  return files
    .filter((file) => file.rows < mlxDefaultBatchSize)
    .map((file) => ({ code: 'MLX_SPLIT_BELOW_BATCH_SIZE' as const, split: file.name.replace(/\.jsonl$/, ''), rows: file.rows, batchSize: mlxDefaultBatchSize, suggestedBatchSize: Math.max(1, smallest) }));
}

const duplicateRule = 'NFKC, trimmed, every whitespace run one space; the newest evaluation (or A/B choice) of each question is kept';

/**
 * One source row that may become examples: its key in the split hash, and what it came from. Most
 * give one example; a KTO row gives one line per labelled completion (a model answer and its
 * correction, the two answers of an A/B choice), all in the same split.
 */
interface Candidate {
  /** The evaluation id, or minus the A/B comparison id (never collides; each is a dataset item). */
  key: number;
  verdict: 1 | 2 | 3 | null;
  modelId: number;
  question: string;
  examples: Array<ExampleOf[ExportExampleKind]>;
  source: PreferenceSource;
}

type Built = Candidate | { skip: string };

/** LLaMA-Factory names datasets by key; the export's name with only characters safe in its --dataset list. */
function llamaFactoryName(datasetName: string, split: Split): string {
  return `${datasetName.replace(/[^\p{L}\p{N}._-]+/gu, '_')}_${split}`;
}

/** Writes the manifest and renames the staging folder into place (an empty target is replaced). */
function publishStaging(staging: string, outDir: string, manifest: ExportManifest): void {
  fs.writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (fs.existsSync(outDir)) fs.rmdirSync(outDir);
  fs.renameSync(staging, outDir);
}

export function createExporter(db: Db, deps: { appVersion: string; exportsDir: string }) {
  /** Evaluations that are items of an active re-verification set (they are being re-checked). */
  const activeReverificationItems = () =>
    db
      .selectFrom('question_set_items as qi')
      .innerJoin('question_sets as qs', 'qs.id', 'qi.set_id')
      .select('qi.source_evaluation_id')
      .where('qs.status', '=', 'active')
      .where('qi.source_evaluation_id', 'is not', null);

  /** Evaluations joined with their log and session, restricted by the export filters. */
  function candidates(filters: ExportFilters, kind: ExportExampleKind) {
    let query = db
      .selectFrom('evaluations as e')
      .innerJoin('conversation_logs as l', 'l.id', 'e.log_id')
      .innerJoin('sessions as s', 's.id', 'l.session_id');
    if (filters.workspaceId !== undefined) query = query.where('l.workspace_id', '=', filters.workspaceId);
    if (filters.modelId !== undefined) query = query.where('l.model_id', '=', filters.modelId);
    if (filters.versionId !== undefined) query = query.where('l.session_id', 'in', sessionsOfVersion(db, filters.versionId));
    if (filters.evaluations) query = query.where('e.evaluation', 'in', filters.evaluations);
    if (filters.priorities) query = query.where('e.priority', 'in', filters.priorities);
    if (filters.statuses) query = query.where('e.status', 'in', filters.statuses);
    if (filters.from) query = query.where('l.asked_at', '>=', filters.from);
    if (filters.to) query = query.where('l.asked_at', '<=', inclusiveEnd(filters.to));
    // A pair needs a correction to prefer over the model's answer: only verdicts 2 and 3 have one.
    if (kind === 'preference') query = query.where('e.evaluation', 'in', [2, 3]);
    return query;
  }

  /**
   * Evaluations the export reads: the candidates, less the items of active re-verification sets
   * unless asked for. `holdBack` is false when no active set has items, which keeps the subquery
   * out of the common case's plan.
   */
  function evaluationRows(input: ExportInput, kind: ExportExampleKind, holdBack: boolean) {
    const query = candidates(input.filters, kind);
    return holdBack ? query.where('e.id', 'not in', activeReverificationItems()) : query;
  }

  /**
   * Blind A/B choices that give examples: pairs need a winner ('a' or 'b'; ties and "both bad"
   * rank nothing); KTO also labels both answers of a "both bad" choice false (see ktoLabelRule).
   * Verdict, priority, status and version filters describe evaluations and do not apply to them.
   */
  function abRows(filters: ExportFilters, kind: ExportExampleKind) {
    let query = db
      .selectFrom('ab_comparisons as c')
      .innerJoin('conversation_logs as la', 'la.id', 'c.log_a')
      .innerJoin('conversation_logs as lb', 'lb.id', 'c.log_b')
      .innerJoin('sessions as s', 's.id', 'la.session_id')
      .where('c.choice', 'in', kind === 'unpaired' ? ['a', 'b', 'both_bad'] : ['a', 'b']);
    if (filters.workspaceId !== undefined) query = query.where('c.workspace_id', '=', filters.workspaceId);
    if (filters.modelId !== undefined) query = query.where('c.model_id', '=', filters.modelId);
    if (filters.from) query = query.where('la.asked_at', '>=', filters.from);
    if (filters.to) query = query.where('la.asked_at', '<=', inclusiveEnd(filters.to));
    return query;
  }

  /**
   * One verdict per answer that several evaluators judged, or that a manager adjudicated: which
   * evaluation row stands for the answer (with the decided verdict and correction) and which rows
   * are left out. Answers with a single evaluation are not touched.
   */
  async function verdictDecisions(rule: 'final' | 'majority') {
    const rows = await db
      .selectFrom('evaluations as e')
      .leftJoin('adjudications as a', 'a.log_id', 'e.log_id')
      .select(['e.id', 'e.log_id', 'e.evaluation', 'e.correct_answer', 'e.updated_at', 'a.evaluation as final_evaluation', 'a.correct_answer as final_correct_answer'])
      .where((eb) => eb.or([eb('a.log_id', 'is not', null), eb('e.log_id', 'in', eb.selectFrom('evaluations').select('log_id').groupBy('log_id').having((h) => h.fn.countAll(), '>', 1))]))
      .orderBy('e.log_id')
      .orderBy('e.updated_at', 'desc')
      .orderBy('e.id', 'desc')
      .execute();
    const byLog = new Map<number, typeof rows>();
    for (const row of rows) byLog.set(row.log_id, [...(byLog.get(row.log_id) ?? []), row]);
    const representative = new Map<number, { evaluation: 1 | 2 | 3; correctAnswer: string | null }>();
    const excluded = new Set<number>();
    let severalEvaluators = 0;
    let adjudicated = 0;
    let excludedLogs = 0;
    for (const evaluations of byLog.values()) {
      if (evaluations.length > 1) severalEvaluators++;
      const first = evaluations[0]!;
      let chosen: { id: number; evaluation: 1 | 2 | 3; correctAnswer: string | null } | null = null;
      if (first.final_evaluation !== null) {
        adjudicated++;
        chosen = { id: first.id, evaluation: first.final_evaluation, correctAnswer: first.final_correct_answer };
      } else {
        const counts = new Map<number, number>();
        for (const e of evaluations) counts.set(e.evaluation, (counts.get(e.evaluation) ?? 0) + 1);
        const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
        const agreed = ranked.length === 1;
        const clearMajority = ranked.length > 1 && ranked[0]![1] > ranked[1]![1];
        if (agreed || (rule === 'majority' && clearMajority)) {
          // The newest evaluation with that verdict (it carries the freshest correction).
          const winner = evaluations.find((e) => e.evaluation === ranked[0]![0])!;
          chosen = { id: winner.id, evaluation: winner.evaluation, correctAnswer: winner.correct_answer };
        }
      }
      if (!chosen) excludedLogs++;
      for (const e of evaluations) {
        if (chosen && e.id === chosen.id) representative.set(e.id, { evaluation: chosen.evaluation, correctAnswer: chosen.correctAnswer });
        else excluded.add(e.id);
      }
    }
    return { representative, excluded, severalEvaluators, adjudicated, excludedLogs };
  }

  function resolveOutDir(input: ExportInput): string {
    if (input.outDir !== undefined && !path.isAbsolute(input.outDir)) {
      throw new ApiError('VALIDATION', 'The export folder must be an absolute path.', { field: 'outDir' });
    }
    const outDir = path.resolve(input.outDir ?? path.join(deps.exportsDir, input.name));
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(outDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw notWritableError('EXPORT_NOT_WRITABLE', outDir, error);
    }
    if (entries.length > 0) {
      throw new ApiError('CONFLICT', `The folder ${outDir} already exists and is not empty; choose a new dataset name or folder.`, { path: outDir });
    }
    return outDir;
  }

  /** Turns an evaluation row into the example its format's kind needs, or the reason it cannot be one. */
  function fromEvaluation(
    kind: ExportExampleKind,
    row: { id: number; evaluation: 1 | 2 | 3; correct_answer: string | null; question: string; answer: string; model_id: number; system_prompt_snapshot: string },
    context: string[] | undefined,
  ): Built {
    const prompt = { systemPrompt: row.system_prompt_snapshot, question: row.question, ...(context && { context }) };
    const base = { key: row.id, verdict: row.evaluation, modelId: row.model_id, question: row.question, source: 'evaluations' as const };
    const answer = row.answer.trim() === '' ? null : row.answer;
    const correction = row.correct_answer === null || row.correct_answer.trim() === '' ? null : row.correct_answer;
    if (kind === 'sft') {
      const target = row.evaluation === 1 ? answer : correction;
      if (target === null) return { skip: row.evaluation === 1 ? 'empty_model_answer' : 'missing_correct_answer' };
      return { ...base, examples: [{ ...prompt, target }] };
    }
    if (kind === 'unpaired') {
      // The model answer labelled by its verdict, and the expert's correction of a 2 or 3 as a
      // desirable completion for the same prompt (ktoLabelRule).
      const examples: UnpairedExample[] = [];
      if (answer !== null) examples.push({ ...prompt, completion: answer, label: row.evaluation === 1 });
      if (row.evaluation !== 1 && correction !== null && correction.trim() !== answer?.trim()) examples.push({ ...prompt, completion: correction, label: true });
      if (examples.length === 0) return { skip: 'empty_model_answer' };
      return { ...base, examples };
    }
    if (correction === null) return { skip: 'missing_correct_answer' };
    if (answer === null) return { skip: 'empty_model_answer' };
    if (correction.trim() === answer.trim()) return { skip: 'correction_equals_answer' };
    return { ...base, examples: [{ ...prompt, chosen: correction, rejected: answer }] };
  }

  async function run(input: ExportInput, userId: number, job: Job): Promise<ExportResult> {
    const format = exportFormats[input.format];
    const kind = format.kind;
    if (input.skipTooLong && input.lengthCheckModelId === undefined) {
      throw new ApiError('VALIDATION', 'Skipping too-long examples needs a model to measure them with (lengthCheckModelId).', { field: 'skipTooLong' });
    }
    const outDir = resolveOutDir(input);
    // Pairs (DPO) and labelled completions (KTO) come from evaluations and A/B choices; SFT from evaluations.
    const sources: PreferenceSource[] = kind === 'sft' ? ['evaluations'] : input.preferenceSources;
    const withAb = sources.includes('ab');
    const withEvaluations = sources.includes('evaluations');

    const count = async (query: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) => Number((await query.executeTakeFirstOrThrow()).n);
    const anyActiveItem = withEvaluations && (await activeReverificationItems().limit(1).executeTakeFirst()) !== undefined;
    const holdBack = anyActiveItem && !input.includeActiveReverification;
    const evaluationTotal = withEvaluations ? await count(evaluationRows(input, kind, holdBack).select((eb) => eb.fn.countAll<number>().as('n'))) : 0;
    const abTotal = withAb ? await count(abRows(input.filters, kind).select((eb) => eb.fn.countAll<number>().as('n'))) : 0;
    const reverificationMatched = anyActiveItem
      ? await count(
          candidates(input.filters, kind)
            .where('e.id', 'in', activeReverificationItems())
            .select((eb) => eb.fn.countAll<number>().as('n')),
        )
      : 0;
    const total = evaluationTotal + abTotal;
    if (total === 0) {
      const what =
        kind === 'preference' ? 'No preference pairs (corrected verdicts 2/3 or A/B choices with a winner)' : kind === 'unpaired' ? 'No evaluated answers or decided A/B choices' : 'No evaluated answers';
      const held = reverificationMatched > 0 && !input.includeActiveReverification ? ` (${reverificationMatched} are held back by an active re-verification set)` : '';
      throw new ApiError('EXPORT_EMPTY', `${what} match these filters${held}, so there is nothing to export.`, { reverificationExcluded: reverificationMatched });
    }

    // Opened before any folder is made: an unknown or unreadable model is a clean error.
    const lengthChecker: LengthChecker | null = input.lengthCheckModelId !== undefined ? await openLengthChecker(db, input.lengthCheckModelId) : null;
    /** {text} form: each answering model's own template renders its examples. */
    let textRenderers: Map<number, { render: ConversationRenderer; rendering: TextRendering }> | null = null;
    if (input.format === 'mlx-text') {
      const models = await evaluationRows(input, kind, holdBack).select('l.model_id').distinct().execute();
      textRenderers = await textRenderersOf(db, models.map((row) => row.model_id));
    }

    // Files are written into a hidden sibling folder and renamed into place at the end: a failed
    // or cancelled export never leaves half a dataset where a trainer could pick it up. The
    // folder is journalled first, so a crash at any point leaves something start-up can clean.
    const parent = path.dirname(outDir);
    const staging = path.join(parent, `.${path.basename(outDir)}.partial-${crypto.randomUUID().slice(0, 8)}`);
    try {
      ensureDir(parent);
      fs.mkdirSync(staging);
    } catch (error) {
      await lengthChecker?.dispose();
      throw notWritableError('EXPORT_NOT_WRITABLE', outDir, error);
    }
    const pending = await db
      .insertInto('pending_exports')
      .values({ staging_dir: staging, out_dir: outDir, dataset_id: null, owner_pid: process.pid, started_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();

    const decisions = withEvaluations ? await verdictDecisions(input.verdictRule) : { representative: new Map<number, { evaluation: 1 | 2 | 3; correctAnswer: string | null }>(), excluded: new Set<number>(), severalEvaluators: 0, adjudicated: 0, excludedLogs: 0 };
    const splits: Split[] = input.testRatio > 0 ? ['train', 'valid', 'test'] : ['train', 'valid'];
    const writers = new Map<Split, SplitWriter>();
    let datasetId: number | null = null;
    try {
      for (const split of splits) writers.set(split, new SplitWriter(staging, format.fileName(split)));
      /** Which split each exported source (evaluation id, or minus the A/B comparison id) went to; written with the dataset in one transaction. */
      const splitOf = new Map<number, Split>();
      /** Lines per verdict of the evaluation they came from, per source, and (KTO) per label. */
      const perEvaluation: Record<'1' | '2' | '3', number> = { '1': 0, '2': 0, '3': 0 };
      const perSource: Record<PreferenceSource, number> = { evaluations: 0, ab: 0 };
      const perLabel = { true: 0, false: 0 };
      /** The models whose answers went in: the manifest records each one's chat template. */
      const modelIds = new Set<number>();
      const skipped: Record<string, number> = {};
      const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
      const length = { checked: 0, tooLong: 0, longestTokens: 0 };
      let collapsed = 0;
      let processed = 0;
      /**
       * Normalized questions already written, per source (a correction and an A/B choice are
       * different pairs). The text itself, not a hash: a collision would drop an example silently.
       */
      const seen: Record<PreferenceSource, Set<string>> = { evaluations: new Set(), ab: new Set() };

      const consider = (candidate: Candidate) => {
        let dedupKey: string | null = null;
        if (input.dedupeQuestions) {
          dedupKey = normalizedQuestion(candidate.question);
          // Rows arrive newest first, so the example already written is the one to keep.
          if (seen[candidate.source].has(dedupKey)) {
            collapsed++;
            return;
          }
        }
        let examples = candidate.examples;
        if (lengthChecker) {
          // Each line on its own: a short correction is kept when the long model answer is not.
          examples = examples.filter((example) => {
            const tokens = Math.max(...conversationsOf(kind, example).map((conversation) => lengthChecker.count(conversation)));
            length.checked++;
            length.longestTokens = Math.max(length.longestTokens, tokens);
            if (tokens <= lengthChecker.summary.contextLength) return true;
            length.tooLong++;
            if (!input.skipTooLong) return true;
            skip('too_long');
            return false;
          });
          // Not marked seen: an older, shorter duplicate of the question may take its place.
          if (examples.length === 0) return;
        }
        if (dedupKey !== null) seen[candidate.source].add(dedupKey);
        const wanted = splitFor(input.seed, candidate.key, input.validRatio, input.testRatio);
        const split = writers.has(wanted) ? wanted : 'train';
        const render = textRenderers?.get(candidate.modelId)?.render ?? renderPlain;
        for (const example of examples) {
          writers.get(split)!.append((format.line as (example: ExampleOf[ExportExampleKind], render: ConversationRenderer) => string)(example, render), candidate.key);
          if (candidate.verdict !== null) perEvaluation[String(candidate.verdict) as '1' | '2' | '3']++;
          perSource[candidate.source]++;
          if (kind === 'unpaired') perLabel[(example as UnpairedExample).label ? 'true' : 'false']++;
        }
        modelIds.add(candidate.modelId);
        splitOf.set(candidate.key, split);
      };
      const afterChunk = async (rows: number) => {
        processed += rows;
        job.progress(processed / total, `${processed} / ${total}`);
        await yieldToEventLoop();
      };

      // Newest first (keyset pagination on the id, descending), so dedup keeps the newest evaluation.
      let beforeId = Number.MAX_SAFE_INTEGER;
      for (;;) {
        if (!withEvaluations) break;
        job.throwIfCancelled();
        const rows = await evaluationRows(input, kind, holdBack)
          .select(['e.id', 'e.evaluation', 'e.correct_answer', 'l.id as log_id', 'l.question', 'l.answer', 'l.model_id', 's.system_prompt_snapshot'])
          .where('e.id', '<', beforeId)
          .orderBy('e.id', 'desc')
          .limit(chunkSize)
          .execute();
        if (rows.length === 0) break;
        const contexts = input.includeContext ? await sourcesByLog(db, rows.map((row) => row.log_id), userId) : null;
        for (const row of rows) {
          // Several evaluators on one answer: one example, with the verdict decided for it.
          if (decisions.excluded.has(row.id)) continue;
          const decided = decisions.representative.get(row.id);
          if (decided) Object.assign(row, { evaluation: decided.evaluation, correct_answer: decided.correctAnswer });
          // A passage the exporting user may not read (another user's private document) is left out.
          const built = fromEvaluation(kind, row, contexts?.get(row.log_id)?.filter((source) => source.promptText !== '').map((source) => source.promptText));
          if ('skip' in built) skip(built.skip);
          else consider(built);
        }
        beforeId = rows[rows.length - 1]!.id;
        await afterChunk(rows.length);
      }
      beforeId = Number.MAX_SAFE_INTEGER;
      for (;;) {
        if (!withAb) break;
        job.throwIfCancelled();
        const rows = await abRows(input.filters, kind)
          .select(['c.id', 'c.choice', 'c.question', 'c.model_id', 'la.id as log_a', 'la.answer as answer_a', 'lb.answer as answer_b', 's.system_prompt_snapshot'])
          .where('c.id', '<', beforeId)
          .orderBy('c.id', 'desc')
          .limit(chunkSize)
          .execute();
        if (rows.length === 0) break;
        // Both answers were given to the same question; the prompt is as A saw it.
        const contexts = input.includeContext ? await sourcesByLog(db, rows.map((row) => row.log_a), userId) : null;
        for (const row of rows) {
          const context = contexts?.get(row.log_a)?.filter((source) => source.promptText !== '').map((source) => source.promptText);
          const prompt = { systemPrompt: row.system_prompt_snapshot, question: row.question, ...(context && { context }) };
          const candidate = { key: -row.id, verdict: null, modelId: row.model_id, question: row.question, source: 'ab' as const };
          if (row.choice === 'both_bad') {
            // KTO only (pairs never read these): both answers undesirable; one line when they are the same text.
            const answers = [...new Set([row.answer_a, row.answer_b].filter((answer) => answer.trim() !== ''))];
            if (answers.length === 0) skip('empty_model_answer');
            else consider({ ...candidate, examples: answers.map((completion) => ({ ...prompt, completion, label: false })) });
            continue;
          }
          const [chosen, rejected] = row.choice === 'a' ? [row.answer_a, row.answer_b] : [row.answer_b, row.answer_a];
          if (chosen.trim() === '' || rejected.trim() === '') skip('empty_model_answer');
          else if (chosen.trim() === rejected.trim()) skip('identical_answers');
          else if (kind === 'unpaired') {
            consider({
              ...candidate,
              examples: [
                { ...prompt, completion: chosen, label: true },
                { ...prompt, completion: rejected, label: false },
              ],
            });
          } else consider({ ...candidate, examples: [{ ...prompt, chosen, rejected }] });
        }
        beforeId = rows[rows.length - 1]!.id;
        await afterChunk(rows.length);
      }

      // mlx-lm refuses to train with an empty valid.jsonl (and an asked-for test split should
      // not be empty either): move the last written training example over when a split came out empty.
      const train = writers.get('train')!;
      for (const split of splits.filter((s) => s !== 'train')) {
        const writer = writers.get(split)!;
        if (writer.rows > 0) continue;
        const moved = train.rows >= 2 ? train.takeLast() : null;
        if (!moved) {
          const usable = [...writers.values()].reduce((sum, w) => sum + w.rows, 0);
          throw new ApiError(
            'EXPORT_EMPTY',
            `Only ${usable} usable example(s) match these filters; a training set needs at least ${splits.length} (one per split). Evaluate more answers or write the missing correct answers.`,
            { usable, needed: splits.length },
          );
        }
        writer.append(moved.line, moved.key);
        splitOf.set(moved.key, split);
      }

      const files = splits.map((split) => writers.get(split)!.close());
      writers.clear();
      job.throwIfCancelled();
      const exampleCount = files.reduce((sum, file) => sum + file.rows, 0);
      const chatTemplates = await chatTemplatesOf(db, modelIds);

      // LLaMA-Factory reads its datasets through dataset_info.json in the dataset_dir: the export
      // folder is one, with an entry per split file.
      let llamaFactory: ExportManifest['llamaFactory'];
      if (format.llamaFactory) {
        const entries = Object.fromEntries(splits.map((split) => [llamaFactoryName(input.name, split), { file_name: format.fileName(split), ...format.llamaFactory }]));
        fs.writeFileSync(path.join(staging, 'dataset_info.json'), `${JSON.stringify(entries, null, 2)}\n`);
        llamaFactory = { datasetInfo: 'dataset_info.json', datasets: Object.keys(entries) };
      }

      const reverificationExcluded = input.includeActiveReverification ? 0 : reverificationMatched;
      const guards: ExportGuards = {
        activeReverification: { included: input.includeActiveReverification, matched: reverificationMatched, excluded: reverificationExcluded },
        duplicates: { enabled: input.dedupeQuestions, collapsed, rule: duplicateRule },
        length: lengthChecker ? { ...lengthChecker.summary, ...length, skipTooLong: input.skipTooLong } : null,
        verdicts: { rule: input.verdictRule, severalEvaluators: decisions.severalEvaluators, adjudicated: decisions.adjudicated, excluded: decisions.excludedLogs },
      };
      const warnings: ExportWarning[] = [
        ...(format.trainer === 'mlx-lm' ? mlxBatchWarnings(files.filter((file) => file.name !== 'test.jsonl')) : []),
        ...(reverificationExcluded > 0 ? [{ code: 'ACTIVE_REVERIFICATION_EXCLUDED' as const, count: reverificationExcluded }] : []),
        ...(collapsed > 0 ? [{ code: 'DUPLICATE_QUESTIONS_COLLAPSED' as const, count: collapsed }] : []),
        ...(lengthChecker && length.tooLong > 0
          ? [{ code: 'EXAMPLES_TOO_LONG' as const, count: length.tooLong, contextLength: lengthChecker.summary.contextLength, skipped: input.skipTooLong }]
          : []),
      ];
      const manifestFor = (id: number): ExportManifest => ({
        app: { name: 'EvalDesk', version: deps.appVersion },
        format: input.format,
        kind,
        layout: format.layout,
        createdAt: nowIso(),
        datasetId: id,
        filters: input.filters,
        seed: input.seed,
        splitRatios: { train: 1 - input.validRatio - input.testRatio, valid: input.validRatio, test: input.testRatio },
        includesRetrievedContext: input.includeContext,
        counts: {
          total: exampleCount,
          perSplit: Object.fromEntries(splits.map((split, i) => [split, files[i]!.rows])),
          perEvaluation,
          ...(kind !== 'sft' && { perSource }),
        },
        ...(kind === 'unpaired' && { labels: { rule: ktoLabelRule, ...perLabel } }),
        skipped: { total: Object.values(skipped).reduce((a, b) => a + b, 0), reasons: skipped },
        files,
        warnings,
        chatTemplates,
        ...(textRenderers && { textRendering: Object.fromEntries([...modelIds].map((modelId) => [String(modelId), textRenderers.get(modelId)?.rendering ?? 'plain'])) }),
        tokenization: tokenizationRule,
        guards,
        ...(llamaFactory && { llamaFactory }),
      });

      // The dataset, its items and its manifest appear together or not at all.
      const manifest = await db.transaction().execute(async (trx) => {
        const dataset = await trx
          .insertInto('datasets')
          .values({
            name: input.name,
            format: input.format,
            out_dir: outDir,
            seed: input.seed,
            filters: JSON.stringify(input.filters),
            manifest: null,
            example_count: exampleCount,
            created_by: userId,
            created_at: nowIso(),
            marked_trained_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const committed = manifestFor(dataset.id);
        await trx.updateTable('datasets').set({ manifest: JSON.stringify(committed) }).where('id', '=', dataset.id).execute();
        // Each source of the examples: an evaluation (positive key) or an A/B comparison (negative key).
        const items = [...splitOf].map(([key, split]) => ({ dataset_id: dataset.id, evaluation_id: key > 0 ? key : null, ab_comparison_id: key < 0 ? -key : null, split }));
        for (let i = 0; i < items.length; i += chunkSize) await trx.insertInto('dataset_items').values(items.slice(i, i + chunkSize)).execute();
        await trx.updateTable('pending_exports').set({ dataset_id: dataset.id }).where('id', '=', pending.id).execute();
        return committed;
      });
      datasetId = manifest.datasetId;
      publishStaging(staging, outDir, manifest);
      await db.deleteFrom('pending_exports').where('id', '=', pending.id).execute();
      return { datasetId: manifest.datasetId, outDir, manifest };
    } catch (error) {
      for (const writer of writers.values()) writer.abandon();
      removeQuietly(staging);
      // Deleting the dataset cascades to its items and to the journal row.
      if (datasetId !== null) await db.deleteFrom('datasets').where('id', '=', datasetId).execute();
      await db.deleteFrom('pending_exports').where('id', '=', pending.id).execute();
      if (error instanceof ApiError) throw error;
      if ((error as NodeJS.ErrnoException).code) throw notWritableError('EXPORT_NOT_WRITABLE', outDir, error);
      throw error;
    } finally {
      await lengthChecker?.dispose();
    }
  }

  /**
   * Start-up clean-up after a crash: a staging folder whose dataset was never committed is
   * removed; one whose dataset was committed is finished (manifest written, renamed into place).
   */
  async function recover(): Promise<{ removed: number; finished: number }> {
    let removed = 0;
    let finished = 0;
    for (const row of await db.selectFrom('pending_exports').selectAll().execute()) {
      if (row.owner_pid !== process.pid && isProcessAlive(row.owner_pid)) continue;
      const manifest = row.dataset_id === null ? null : await db.selectFrom('datasets').select('manifest').where('id', '=', row.dataset_id).executeTakeFirst();
      // Only ever delete what this journal names, and only a folder of the expected shape.
      const isStaging = path.basename(row.staging_dir).startsWith(`.${path.basename(row.out_dir)}.partial-`);
      if (manifest?.manifest && fs.existsSync(row.staging_dir) && !fs.existsSync(row.out_dir)) {
        try {
          publishStaging(row.staging_dir, row.out_dir, JSON.parse(manifest.manifest) as ExportManifest);
          finished++;
        } catch (error) {
          console.error('[evaldesk] could not finish an interrupted export', error);
        }
      } else if (isStaging && fs.existsSync(row.staging_dir)) {
        removeQuietly(row.staging_dir);
        removed++;
      }
      await db.deleteFrom('pending_exports').where('id', '=', row.id).execute();
    }
    // Datasets without a manifest were left by versions before the journal; nothing refers to them.
    const orphans = await db.deleteFrom('datasets').where('manifest', 'is', null).executeTakeFirst();
    return { removed: removed + Number(orphans.numDeletedRows), finished };
  }

  return {
    run,
    recover,

    /**
     * The explicit "these went into a training run" step: evaluations of the dataset move from
     * untreated (1) to trained (2). Verified ones (3) stay verified.
     */
    async markTrained(datasetId: number): Promise<{ updated: number }> {
      const dataset = await db.selectFrom('datasets').select(['id', 'manifest']).where('id', '=', datasetId).executeTakeFirst();
      if (!dataset || dataset.manifest === null) throw new ApiError('NOT_FOUND', `Dataset ${datasetId} does not exist.`, { entity: 'dataset', id: datasetId });
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('evaluations')
          .set({ status: 2, trained_dataset_id: datasetId, updated_at: nowIso() })
          .where('status', '=', 1)
          .where('id', 'in', (sub) => sub.selectFrom('dataset_items').select('evaluation_id').where('dataset_id', '=', datasetId))
          .executeTakeFirst();
        await trx.updateTable('datasets').set({ marked_trained_at: nowIso() }).where('id', '=', datasetId).execute();
        return { updated: Number(result.numUpdatedRows) };
      });
    },

    async list(): Promise<Dataset[]> {
      const rows = await db.selectFrom('datasets').selectAll().where('manifest', 'is not', null).orderBy('id', 'desc').execute();
      return rows.map((row) => pickFields(datasetSchema, fromRow('datasets', row)));
    },
  };
}

export type Exporter = ReturnType<typeof createExporter>;
