import { sql } from 'kysely';
import type { ScoreCard, VerdictCounts } from '../../../shared/contract/reverify.ts';
import type { Priority } from '../../../shared/contract/entities.ts';
import type { Db } from '../db/database.ts';
import type { AbService } from '../ab/ab.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { VersionService } from '../versions/versions.ts';
import { toCsvText } from '../export/csv.ts';

interface CountRow {
  judged: number;
  good: number | null;
  insufficient: number | null;
  wrong: number | null;
}

/** The verdict columns of a query over evaluations aliased `e`. */
const verdictColumns = sql`COUNT(*) AS judged, SUM(e.evaluation = 1) AS good, SUM(e.evaluation = 2) AS insufficient, SUM(e.evaluation = 3) AS wrong`;
/** The same over the trigger-kept totals aliased `t`. */
const totalColumns = sql`SUM(t.judged) AS judged, SUM(t.good) AS good, SUM(t.insufficient) AS insufficient, SUM(t.wrong) AS wrong`;

function counts(row: CountRow | undefined): VerdictCounts {
  const judged = Number(row?.judged ?? 0);
  const good = Number(row?.good ?? 0);
  return { judged, good, insufficient: Number(row?.insufficient ?? 0), wrong: Number(row?.wrong ?? 0), goodRate: judged ? good / judged : 0 };
}

const versionKey = (modelId: number, versionId: number | null) => `${modelId}:${versionId ?? 'base'}`;

/**
 * Score cards (issue 13): is the PoC getting better? Verdict counts per version, per run, by
 * priority, category and tag; verified and regressed items; A/B tallies; good rate over time.
 * Each table is one aggregate query driven by the workspace's logs.
 */
export function createScoreCardService(db: Db, deps: { ab: Pick<AbService, 'tally'>; models: Pick<ModelRegistry, 'get'>; versions: Pick<VersionService, 'list'> }) {
  async function get(workspaceId: number): Promise<ScoreCard> {
    // Per version, priority, category and day: from the totals the evaluation triggers keep
    // (migration 015), a few rows per day instead of every evaluation.
    const perVersion = await sql<CountRow & { model_id: number; version_id: number | null }>`
      SELECT t.model_id, NULLIF(t.version_key, 0) AS version_id, ${totalColumns}
      FROM verdict_totals t WHERE t.workspace_id = ${workspaceId} GROUP BY t.model_id, t.version_key HAVING SUM(t.judged) > 0`.execute(db);
    const lifecycle = await sql<{ version_id: number; verified: number; trained: number }>`
      SELECT v.id AS version_id,
        (SELECT COUNT(*) FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id WHERE e.verified_version_id = v.id AND l.workspace_id = ${workspaceId}) AS verified,
        (SELECT COUNT(*) FROM evaluations e JOIN conversation_logs l ON l.id = e.log_id WHERE e.trained_version_id = v.id AND l.workspace_id = ${workspaceId}) AS trained
      FROM model_versions v`.execute(db);
    const runs = await db.selectFrom('batch_runs as r').innerJoin('question_sets as q', 'q.id', 'r.set_id').select(['r.id', 'r.model_id', 'r.version_id', 'r.status', 'r.total', 'r.created_at', 'q.name']).where('r.workspace_id', '=', workspaceId).orderBy('r.id').execute();
    const perRun = await sql<CountRow & { run_id: number; verified: number | null; regressed: number | null; suggested: number | null; agreed: number | null }>`
      SELECT r.run_id, COUNT(e.id) AS judged, SUM(e.evaluation = 1) AS good, SUM(e.evaluation = 2) AS insufficient, SUM(e.evaluation = 3) AS wrong,
        SUM(q.source_verdict = 1 AND e.evaluation IN (2, 3)) AS regressed,
        SUM(EXISTS (SELECT 1 FROM evaluations v WHERE v.verified_log_id = r.log_id)) AS verified,
        SUM(r.suggested_verdict IS NOT NULL AND e.id IS NOT NULL) AS suggested,
        SUM(r.suggested_verdict = e.evaluation) AS agreed
      FROM batch_run_items r JOIN batch_runs b ON b.id = r.run_id JOIN question_set_items q ON q.id = r.item_id
        LEFT JOIN evaluations e ON e.log_id = r.log_id
      WHERE b.workspace_id = ${workspaceId} AND r.log_id IS NOT NULL GROUP BY r.run_id`.execute(db);
    const answeredPerRun = await sql<{ run_id: number; answered: number }>`
      SELECT r.run_id, COUNT(r.log_id) AS answered FROM batch_run_items r JOIN batch_runs b ON b.id = r.run_id WHERE b.workspace_id = ${workspaceId} GROUP BY r.run_id`.execute(db);
    const byPriority = await sql<CountRow & { priority: Priority | null }>`
      SELECT NULLIF(t.priority_key, 0) AS priority, ${totalColumns} FROM verdict_totals t
      WHERE t.workspace_id = ${workspaceId} GROUP BY t.priority_key HAVING SUM(t.judged) > 0 ORDER BY t.priority_key = 0, t.priority_key`.execute(db);
    // A category is a workspace's: the card shows how this PoC's kind of work fares across all of them.
    const byCategory = await sql<CountRow & { category: string }>`
      SELECT w.category, ${totalColumns} FROM verdict_totals t JOIN workspaces w ON w.id = t.workspace_id
      GROUP BY w.category HAVING SUM(t.judged) > 0 ORDER BY w.category`.execute(db);
    const byTag = await sql<CountRow & { tag: string; model_id: number; version_id: number | null }>`
      SELECT t.value AS tag, b.model_id, b.version_id, ${verdictColumns}
      FROM batch_run_items r JOIN batch_runs b ON b.id = r.run_id JOIN question_set_items q ON q.id = r.item_id, json_each(q.tags) t
        JOIN evaluations e ON e.log_id = r.log_id
      WHERE b.workspace_id = ${workspaceId} GROUP BY t.value, b.model_id, b.version_id ORDER BY t.value`.execute(db);
    const timeline = await sql<CountRow & { day: string; model_id: number; version_id: number | null }>`
      SELECT t.day, t.model_id, NULLIF(t.version_key, 0) AS version_id, ${totalColumns}
      FROM verdict_totals t WHERE t.workspace_id = ${workspaceId} GROUP BY t.day, t.model_id, t.version_key HAVING SUM(t.judged) > 0 ORDER BY t.day`.execute(db);

    // Names: every base that answered here, and all registered versions of those bases.
    const modelIds = [...new Set([...perVersion.rows.map((row) => row.model_id), ...runs.map((run) => run.model_id)])];
    const names = new Map<string, { name: string; parentVersionId: number | null; modelId: number; versionId: number | null }>();
    for (const modelId of modelIds) {
      const model = await deps.models.get(modelId);
      names.set(versionKey(modelId, null), { name: `${model.displayName} (base)`, parentVersionId: null, modelId, versionId: null });
      for (const version of await deps.versions.list(modelId)) names.set(versionKey(modelId, version.id), { name: version.name, parentVersionId: version.parentVersionId, modelId, versionId: version.id });
    }
    const nameOf = (modelId: number, versionId: number | null) => names.get(versionKey(modelId, versionId))?.name ?? String(versionId);
    const versionCounts = new Map(perVersion.rows.map((row) => [versionKey(row.model_id, row.version_id), row]));
    const lifecycleOf = new Map(lifecycle.rows.map((row) => [row.version_id, row]));
    const runCounts = new Map(perRun.rows.map((row) => [row.run_id, row]));
    const answered = new Map(answeredPerRun.rows.map((row) => [row.run_id, Number(row.answered)]));
    const regressedPerVersion = new Map<string, number>();
    for (const run of runs) {
      const key = versionKey(run.model_id, run.version_id);
      regressedPerVersion.set(key, (regressedPerVersion.get(key) ?? 0) + Number(runCounts.get(run.id)?.regressed ?? 0));
    }

    return {
      workspaceId,
      versions: [...names.entries()].map(([key, entry]) => ({
        versionId: entry.versionId,
        name: entry.name,
        parentVersionId: entry.parentVersionId,
        counts: counts(versionCounts.get(key)),
        verified: entry.versionId === null ? 0 : Number(lifecycleOf.get(entry.versionId)?.verified ?? 0),
        regressed: regressedPerVersion.get(key) ?? 0,
        trainedInto: entry.versionId === null ? 0 : Number(lifecycleOf.get(entry.versionId)?.trained ?? 0),
      })),
      runs: runs.map((run) => {
        const row = runCounts.get(run.id);
        const suggested = Number(row?.suggested ?? 0);
        return {
          runId: run.id,
          setName: run.name,
          versionName: nameOf(run.model_id, run.version_id),
          createdAt: run.created_at,
          status: run.status,
          total: run.total,
          answered: answered.get(run.id) ?? 0,
          counts: counts(row),
          verified: Number(row?.verified ?? 0),
          regressed: Number(row?.regressed ?? 0),
          judgeAgreement: suggested ? Number(row?.agreed ?? 0) / suggested : null,
        };
      }),
      byPriority: byPriority.rows.map((row) => ({ priority: row.priority, counts: counts(row) })),
      byCategory: byCategory.rows.map((row) => ({ category: row.category, counts: counts(row) })),
      byTag: byTag.rows.map((row) => ({ tag: row.tag, versionName: nameOf(row.model_id, row.version_id), counts: counts(row) })),
      ab: (await deps.ab.tally(workspaceId)).map((pair) => ({ first: pair.first.name, second: pair.second.name, firstWins: pair.firstWins, secondWins: pair.secondWins, ties: pair.ties, bothBad: pair.bothBad })),
      timeline: timeline.rows.map((row) => ({ day: row.day, versionName: nameOf(row.model_id, row.version_id), counts: counts(row) })),
    };
  }

  return { get, csv: async (workspaceId: number, table: CsvTable) => toCsv(await get(workspaceId), table) };
}

export type ScoreCardService = ReturnType<typeof createScoreCardService>;

export type CsvTable = 'versions' | 'runs' | 'byPriority' | 'byCategory' | 'byTag' | 'ab' | 'timeline';

const countHeaders = ['judged', 'good', 'insufficient', 'wrong', 'good_rate'];
const countCells = (c: VerdictCounts) => [c.judged, c.good, c.insufficient, c.wrong, c.goodRate.toFixed(4)];

/** One table of the card as CSV, with a BOM so Excel opens Korean and Japanese text correctly. */
export function toCsv(card: ScoreCard, table: CsvTable): { fileName: string; csv: string } {
  const rows: unknown[][] = (() => {
    switch (table) {
      case 'versions':
        return [['version', 'parent_version_id', ...countHeaders, 'verified', 'regressed', 'trained_into'], ...card.versions.map((v) => [v.name, v.parentVersionId, ...countCells(v.counts), v.verified, v.regressed, v.trainedInto])];
      case 'runs':
        return [['run', 'question_set', 'version', 'created_at', 'status', 'total', 'answered', ...countHeaders, 'regressed', 'judge_agreement'], ...card.runs.map((r) => [r.runId, r.setName, r.versionName, r.createdAt, r.status, r.total, r.answered, ...countCells(r.counts), r.regressed, r.judgeAgreement])];
      case 'byPriority':
        return [['priority', ...countHeaders], ...card.byPriority.map((p) => [p.priority, ...countCells(p.counts)])];
      case 'byCategory':
        return [['category', ...countHeaders], ...card.byCategory.map((c) => [c.category, ...countCells(c.counts)])];
      case 'byTag':
        return [['tag', 'version', ...countHeaders], ...card.byTag.map((t) => [t.tag, t.versionName, ...countCells(t.counts)])];
      case 'ab':
        return [['first', 'second', 'first_wins', 'second_wins', 'ties', 'both_bad'], ...card.ab.map((a) => [a.first, a.second, a.firstWins, a.secondWins, a.ties, a.bothBad])];
      case 'timeline':
        return [['day', 'version', ...countHeaders], ...card.timeline.map((t) => [t.day, t.versionName, ...countCells(t.counts)])];
    }
  })();
  return { fileName: `scorecard-${card.workspaceId}-${table}.csv`, csv: toCsvText(rows) };
}
