import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import { pickFields } from '../../../shared/contract/entities/derive.ts';
import { datasetSchema, type Dataset, type ExportManifest, type ExportResult, type ExportWarning } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import { fromRow } from '../db/rows.ts';
import type { Job } from '../jobs/jobs.ts';
import { sourcesByLog } from '../logs/log-rows.ts';
import { inclusiveEnd, sessionsOfVersion } from '../logs/logs.ts';
import { isProcessAlive } from '../db/instance-lock.ts';
import { ensureDir, notWritableError, removeQuietly } from '../files/safe-fs.ts';
import { exportFormats, splitFor, type Split } from './formats.ts';
import { SplitWriter } from './split-writer.ts';
import { chatTemplatesOf } from './chat-templates.ts';
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

/** Writes the manifest and renames the staging folder into place (an empty target is replaced). */
function publishStaging(staging: string, outDir: string, manifest: ExportManifest): void {
  fs.writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (fs.existsSync(outDir)) fs.rmdirSync(outDir);
  fs.renameSync(staging, outDir);
}

export function createExporter(db: Db, deps: { appVersion: string; exportsDir: string }) {
  /** Evaluations joined with their log and session, restricted by the export filters. */
  function candidates(filters: ExportFilters) {
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
    return query;
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

  async function run(input: ExportInput, userId: number, job: Job): Promise<ExportResult> {
    const format = exportFormats[input.format];
    const outDir = resolveOutDir(input);
    const totalRow = await candidates(input.filters).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const total = Number(totalRow.n);
    if (total === 0) {
      throw new ApiError('EXPORT_EMPTY', 'No evaluated answers match these filters, so there is nothing to export.');
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
      throw notWritableError('EXPORT_NOT_WRITABLE', outDir, error);
    }
    const pending = await db
      .insertInto('pending_exports')
      .values({ staging_dir: staging, out_dir: outDir, dataset_id: null, owner_pid: process.pid, started_at: nowIso() })
      .returning('id')
      .executeTakeFirstOrThrow();

    const splits: Split[] = input.testRatio > 0 ? ['train', 'valid', 'test'] : ['train', 'valid'];
    const writers = new Map<Split, SplitWriter>();
    let datasetId: number | null = null;
    try {
      for (const split of splits) writers.set(split, new SplitWriter(staging, format.fileName(split)));
      /** Which split each exported evaluation went to; written with the dataset in one transaction. */
      const splitOf = new Map<number, Split>();
      const perEvaluation: Record<'1' | '2' | '3', number> = { '1': 0, '2': 0, '3': 0 };
      /** The models whose answers went in: the manifest records each one's chat template. */
      const modelIds = new Set<number>();
      const skipped: Record<string, number> = {};
      let processed = 0;
      let lastId = 0;

      for (;;) {
        job.throwIfCancelled();
        const rows = await candidates(input.filters)
          .select(['e.id', 'e.evaluation', 'e.correct_answer', 'l.id as log_id', 'l.question', 'l.answer', 'l.model_id', 's.system_prompt_snapshot'])
          .where('e.id', '>', lastId)
          .orderBy('e.id')
          .limit(chunkSize)
          .execute();
        if (rows.length === 0) break;
        const contexts = input.includeContext ? await sourcesByLog(db, rows.map((row) => row.log_id)) : null;
        for (const row of rows) {
          const target = row.evaluation === 1 ? row.answer : row.correct_answer;
          if (target === null || target.trim() === '') {
            const reason = row.evaluation === 1 ? 'empty_model_answer' : 'missing_correct_answer';
            skipped[reason] = (skipped[reason] ?? 0) + 1;
            continue;
          }
          const wanted = splitFor(input.seed, row.id, input.validRatio, input.testRatio);
          const split = writers.has(wanted) ? wanted : 'train';
          const context = contexts?.get(row.log_id)?.map((source) => source.promptText);
          writers.get(split)!.append(format.line({ systemPrompt: row.system_prompt_snapshot, question: row.question, target, ...(context && { context }) }), row.id);
          perEvaluation[String(row.evaluation) as '1' | '2' | '3']++;
          modelIds.add(row.model_id);
          splitOf.set(row.id, split);
        }
        processed += rows.length;
        lastId = rows[rows.length - 1]!.id;
        job.progress(processed / total, `${processed} / ${total}`);
        await yieldToEventLoop();
      }

      // mlx-lm refuses to train with an empty valid.jsonl (and an asked-for test split should
      // not be empty either): move the newest training example over when a split came out empty.
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
      const manifestFor = (id: number): ExportManifest => ({
        app: { name: 'EvalDesk', version: deps.appVersion },
        format: input.format,
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
        },
        skipped: { total: Object.values(skipped).reduce((a, b) => a + b, 0), reasons: skipped },
        files,
        warnings: input.format === 'mlx' ? mlxBatchWarnings(files.filter((file) => file.name !== 'test.jsonl')) : [],
        chatTemplates,
        tokenization: tokenizationRule,
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
        const items = [...splitOf].map(([evaluationId, split]) => ({ dataset_id: dataset.id, evaluation_id: evaluationId, split }));
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
