import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { ReportLanguage } from '../../../shared/contract/reverify.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import type { Verdict } from '../../../shared/contract/entities.ts';
import type { Db } from '../db/database.ts';
import { ensureDir, isPseudoFileSystemPath, notWritableError, removeQuietly } from '../files/safe-fs.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { ScoreCardService } from '../reverify/scorecards.ts';
import type { VersionService } from '../versions/versions.ts';
import { versionRefs, type VersionRefOf } from '../versions/version-refs.ts';
import type { WorkspaceService } from '../workspaces/workspaces.ts';
import type { ReportData, ReportExample } from './report-data.ts';
import { renderReportHtml } from './render-html.ts';
import type { PdfRenderer } from './pdf.ts';

/** Examples of each kind shown in the report: enough to judge, few enough to read. */
const examplesPerKind = 8;

interface ExampleRow {
  question: string;
  earlier_answer: string;
  earlier_model: number;
  earlier_version: number | null;
  correction: string | null;
  new_answer: string;
  new_model: number;
  new_version: number | null;
  verdict: Verdict;
}

/**
 * The PoC report (issue 13): one self-contained HTML file for stakeholders (workspace, versions
 * and lineage, score cards and charts, fixed and regressed examples), and a PDF of it when a PDF
 * renderer is available (Electron's printToPDF in the desktop app, Chromium elsewhere).
 */
export function createReportService(
  db: Db,
  deps: {
    appVersion: string;
    reportsDir: string;
    workspaces: Pick<WorkspaceService, 'get'>;
    scoreCards: Pick<ScoreCardService, 'get'>;
    versions: Pick<VersionService, 'list'>;
    models: Pick<ModelRegistry, 'get'>;
    pdfRenderer: () => PdfRenderer | null;
  },
) {
  async function examples(workspaceId: number, kind: 'fixed' | 'regressed', refOf: VersionRefOf): Promise<ReportExample[]> {
    // Fixed: a trained item verified by a later version. Regressed: good before, judged 2 or 3 now.
    const rows =
      kind === 'fixed'
        ? await sql<ExampleRow>`
            SELECT before.question, before.answer AS earlier_answer, before.model_id AS earlier_model, bs.version_id AS earlier_version,
              source.correct_answer AS correction, now.answer AS new_answer, now.model_id AS new_model, source.verified_version_id AS new_version, 1 AS verdict
            FROM evaluations source JOIN conversation_logs before ON before.id = source.log_id JOIN sessions bs ON bs.id = before.session_id
              JOIN conversation_logs now ON now.id = source.verified_log_id
            WHERE before.workspace_id = ${workspaceId} AND source.status = 3
            ORDER BY source.priority IS NULL, source.priority, source.id LIMIT ${examplesPerKind}`.execute(db)
        : await sql<ExampleRow>`
            SELECT q.question, before.answer AS earlier_answer, before.model_id AS earlier_model, bs.version_id AS earlier_version,
              COALESCE(e.correct_answer, q.expected_answer) AS correction, now.answer AS new_answer, now.model_id AS new_model, b.version_id AS new_version, e.evaluation AS verdict
            FROM batch_run_items r JOIN batch_runs b ON b.id = r.run_id JOIN question_set_items q ON q.id = r.item_id
              JOIN conversation_logs now ON now.id = r.log_id JOIN evaluations e ON e.log_id = r.log_id
              JOIN conversation_logs before ON before.id = q.source_log_id JOIN sessions bs ON bs.id = before.session_id
            WHERE b.workspace_id = ${workspaceId} AND q.source_verdict = 1 AND e.evaluation IN (2, 3)
            ORDER BY e.evaluation DESC, r.run_id DESC, r.position LIMIT ${examplesPerKind}`.execute(db);
    return Promise.all(
      rows.rows.map(async (row) => ({
        question: row.question,
        earlierAnswer: row.earlier_answer,
        earlierVersion: await refOf(row.earlier_model, row.earlier_version),
        correction: row.correction,
        newAnswer: row.new_answer,
        newVersion: await refOf(row.new_model, row.new_version),
        verdict: row.verdict,
      })),
    );
  }

  async function gather(workspaceId: number, language: ReportLanguage): Promise<ReportData> {
    const workspace = await deps.workspaces.get(workspaceId);
    const scoreCard = await deps.scoreCards.get(workspaceId);
    const modelIds = await sql<{ model_id: number }>`
      SELECT DISTINCT model_id FROM conversation_logs WHERE workspace_id = ${workspaceId}
      UNION SELECT DISTINCT model_id FROM batch_runs WHERE workspace_id = ${workspaceId}`.execute(db);
    const lineage: ReportData['lineage'] = [];
    for (const { model_id: modelId } of modelIds.rows) {
      const model = await deps.models.get(modelId);
      // The base by its model's name: the report labels it "base" in its own language.
      lineage.push({ versionId: null, name: model.displayName, parentVersionId: null, baseModelName: model.displayName, datasetName: null, trainedAt: null, trainer: '', hyperparameters: {} });
      for (const version of await deps.versions.list(modelId)) {
        lineage.push({ versionId: version.id, name: version.name, parentVersionId: version.parentVersionId, baseModelName: model.displayName, datasetName: version.datasetName, trainedAt: version.trainedAt, trainer: version.trainer, hyperparameters: version.hyperparameters });
      }
    }
    const refOf = versionRefs(db);
    return {
      language,
      generatedAt: new Date().toISOString(),
      appVersion: deps.appVersion,
      workspace: { name: workspace.name, businessDomain: workspace.businessDomain, category: workspace.category, systemPrompt: workspace.systemPrompt },
      lineage,
      scoreCard,
      examples: { fixed: await examples(workspaceId, 'fixed', refOf), regressed: await examples(workspaceId, 'regressed', refOf) },
    };
  }

  return {
    gather,

    async create(input: { workspaceId: number; language: ReportLanguage; outDir?: string | undefined; pdf: boolean }, signal?: AbortSignal): Promise<{ htmlPath: string; pdfPath: string | null; bytes: number }> {
      const data = await gather(input.workspaceId, input.language);
      const outDir = path.resolve(input.outDir ?? deps.reportsDir);
      if (isPseudoFileSystemPath(outDir)) throw new ApiError('EXPORT_NOT_WRITABLE', `EvalDesk cannot write to ${outDir}: it is a system folder. Choose another folder.`, { path: outDir, reason: 'not_a_folder' });
      const stamp = data.generatedAt.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      const base = `${data.workspace.name.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 80) || 'workspace'}-report-${input.language}-${stamp}`;
      const htmlPath = path.join(outDir, `${base}.html`);
      const html = renderReportHtml(data);
      try {
        ensureDir(outDir);
        // Written beside and renamed: a half-written report never appears under its name.
        fs.writeFileSync(`${htmlPath}.partial`, html);
        fs.renameSync(`${htmlPath}.partial`, htmlPath);
      } catch (error) {
        removeQuietly(`${htmlPath}.partial`);
        throw notWritableError('EXPORT_NOT_WRITABLE', outDir, error);
      }
      let pdfPath: string | null = null;
      const renderer = input.pdf ? deps.pdfRenderer() : null;
      if (renderer) {
        pdfPath = path.join(outDir, `${base}.pdf`);
        await renderer(htmlPath, pdfPath, signal);
      }
      return { htmlPath, pdfPath, bytes: Buffer.byteLength(html) };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
