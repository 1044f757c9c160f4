import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ParsedInput } from '../../../shared/contract/api.ts';
import type { Dataset, ExportManifest, ExportResult } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { nowIso, type Db } from '../db/database.ts';
import type { Job } from '../jobs/jobs.ts';
import { inclusiveEnd, sourcesByLog } from '../logs/logs.ts';
import { exportFormats, splitFor, type Split } from './formats.ts';
import { SplitWriter } from './split-writer.ts';

type ExportInput = ParsedInput<'export.run'>;
type ExportFilters = ExportInput['filters'];

const chunkSize = 500;

function notWritable(dir: string, cause: unknown): ApiError {
  const reason = (cause as NodeJS.ErrnoException)?.code ?? 'unknown error';
  return new ApiError('EXPORT_NOT_WRITABLE', `EvalDesk cannot write to ${dir} (${reason}). Choose another folder.`, { path: dir, reason }, { cause });
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
      if (code === 'ENOTDIR') throw new ApiError('EXPORT_NOT_WRITABLE', `${outDir} is a file, not a folder.`, { path: outDir });
      if (code !== 'ENOENT') throw notWritable(outDir, error);
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
    // or cancelled export never leaves half a dataset where a trainer could pick it up.
    const parent = path.dirname(outDir);
    const staging = path.join(parent, `.${path.basename(outDir)}.partial-${crypto.randomUUID().slice(0, 8)}`);
    try {
      fs.mkdirSync(staging, { recursive: true });
    } catch (error) {
      throw notWritable(parent, error);
    }

    const splits: Split[] = input.testRatio > 0 ? ['train', 'valid', 'test'] : ['train', 'valid'];
    const writers = new Map<Split, SplitWriter>();
    const dataset = await db
      .insertInto('datasets')
      .values({
        name: input.name,
        format: input.format,
        out_dir: outDir,
        seed: input.seed,
        filters: JSON.stringify(input.filters),
        manifest: null,
        example_count: 0,
        created_by: userId,
        created_at: nowIso(),
        marked_trained_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    try {
      for (const split of splits) writers.set(split, new SplitWriter(staging, format.fileName(split)));
      const perEvaluation: Record<'1' | '2' | '3', number> = { '1': 0, '2': 0, '3': 0 };
      const skipped: Record<string, number> = {};
      let processed = 0;
      let lastId = 0;

      for (;;) {
        job.throwIfCancelled();
        const rows = await candidates(input.filters)
          .select(['e.id', 'e.evaluation', 'e.correct_answer', 'l.id as log_id', 'l.question', 'l.answer', 's.system_prompt_snapshot'])
          .where('e.id', '>', lastId)
          .orderBy('e.id')
          .limit(chunkSize)
          .execute();
        if (rows.length === 0) break;
        const contexts = input.includeContext ? await sourcesByLog(db, rows.map((row) => row.log_id)) : null;
        const items: Array<{ dataset_id: number; evaluation_id: number; split: Split }> = [];
        for (const row of rows) {
          const target = row.evaluation === 1 ? row.answer : row.correct_answer;
          if (target === null || target.trim() === '') {
            const reason = row.evaluation === 1 ? 'empty_model_answer' : 'missing_correct_answer';
            skipped[reason] = (skipped[reason] ?? 0) + 1;
            continue;
          }
          const split = splitFor(input.seed, row.id, input.validRatio, input.testRatio);
          const writer = writers.get(split) ?? writers.get('train')!;
          const context = contexts?.get(row.log_id)?.map((source) => source.promptText);
          writer.append(format.line({ systemPrompt: row.system_prompt_snapshot, question: row.question, target, ...(context && { context }) }), row.id);
          perEvaluation[String(row.evaluation) as '1' | '2' | '3']++;
          items.push({ dataset_id: dataset.id, evaluation_id: row.id, split: writers.has(split) ? split : 'train' });
        }
        if (items.length > 0) await db.insertInto('dataset_items').values(items).execute();
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
        await db.updateTable('dataset_items').set({ split }).where('dataset_id', '=', dataset.id).where('evaluation_id', '=', moved.key).execute();
      }

      const files = splits.map((split) => writers.get(split)!.close());
      writers.clear();
      const exampleCount = files.reduce((sum, file) => sum + file.rows, 0);
      const manifest: ExportManifest = {
        app: { name: 'EvalDesk', version: deps.appVersion },
        format: input.format,
        createdAt: nowIso(),
        datasetId: dataset.id,
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
      };
      fs.writeFileSync(path.join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      job.throwIfCancelled();
      // resolveOutDir checked it is absent or empty; an empty folder is replaced by the staging one.
      if (fs.existsSync(outDir)) fs.rmdirSync(outDir);
      fs.renameSync(staging, outDir);
      await db
        .updateTable('datasets')
        .set({ manifest: JSON.stringify(manifest), example_count: exampleCount })
        .where('id', '=', dataset.id)
        .execute();
      return { datasetId: dataset.id, outDir, manifest };
    } catch (error) {
      for (const writer of writers.values()) writer.abandon();
      fs.rmSync(staging, { recursive: true, force: true });
      await db.deleteFrom('datasets').where('id', '=', dataset.id).execute();
      if (error instanceof ApiError) throw error;
      if ((error as NodeJS.ErrnoException).code) throw notWritable(outDir, error);
      throw error;
    }
  }

  return {
    run,

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
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        format: row.format,
        outDir: row.out_dir,
        exampleCount: row.example_count,
        createdAt: row.created_at,
        markedTrainedAt: row.marked_trained_at,
      }));
    },
  };
}

export type Exporter = ReturnType<typeof createExporter>;
