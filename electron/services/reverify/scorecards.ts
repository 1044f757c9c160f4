import { sql } from 'kysely';
import type { ScoreBreakdownRow, ScoreCard, VerdictCounts } from '../../../shared/contract/reverify.ts';
import type { Priority, VersionRef, WorkspaceCategory } from '../../../shared/contract/entities.ts';
import type { Db } from '../db/database.ts';
import type { AbService } from '../ab/ab.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { VersionService } from '../versions/versions.ts';
import { toCsvText } from '../export/csv.ts';
import { ApiError } from '../../../shared/contract/errors.ts';

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

function addCounts(into: VerdictCounts, more: VerdictCounts): void {
  into.judged += more.judged;
  into.good += more.good;
  into.insufficient += more.insufficient;
  into.wrong += more.wrong;
  into.goodRate = into.judged ? into.good / into.judged : 0;
}

const versionKey = (modelId: number, versionId: number | null) => `${modelId}:${versionId ?? 'base'}`;

/**
 * Score cards (issue 13): is the PoC getting better? Verdict counts per version and per run, each
 * by priority, category and tag; verified and regressed items; A/B tallies; good rate over time.
 * Everything counts the card's workspace alone. The per-version tables read the totals that the
 * evaluation triggers keep (migrations 015 and 020), a few rows per day instead of every
 * evaluation; the per-run tables read the run's own answers.
 */
export function createScoreCardService(db: Db, deps: { ab: Pick<AbService, 'tally'>; models: Pick<ModelRegistry, 'get'>; versions: Pick<VersionService, 'list'> }) {
  async function get(workspaceId: number): Promise<ScoreCard> {
    if (!(await db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst())) {
      throw new ApiError('NOT_FOUND', `Workspace ${workspaceId} does not exist.`, { entity: 'workspace', id: workspaceId });
    }
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
    // Per version: by priority and by category, from the totals of this workspace.
    const versionByPriority = await sql<CountRow & { model_id: number; version_id: number | null; priority: Priority | null }>`
      SELECT t.model_id, NULLIF(t.version_key, 0) AS version_id, NULLIF(t.priority_key, 0) AS priority, ${totalColumns} FROM verdict_totals t
      WHERE t.workspace_id = ${workspaceId} GROUP BY t.model_id, t.version_key, t.priority_key HAVING SUM(t.judged) > 0`.execute(db);
    const versionByCategory = await sql<CountRow & { model_id: number; version_id: number | null; category: WorkspaceCategory }>`
      SELECT t.model_id, NULLIF(t.version_key, 0) AS version_id, t.category, ${totalColumns} FROM verdict_totals t
      WHERE t.workspace_id = ${workspaceId} GROUP BY t.model_id, t.version_key, t.category HAVING SUM(t.judged) > 0`.execute(db);
    // Per run: by priority, category and tag, from the run's judged answers.
    const runByPriority = await sql<CountRow & { run_id: number; priority: Priority | null }>`
      SELECT r.run_id, e.priority, ${verdictColumns}
      FROM batch_run_items r JOIN batch_runs b ON b.id = r.run_id JOIN evaluations e ON e.log_id = r.log_id
      WHERE b.workspace_id = ${workspaceId} GROUP BY r.run_id, e.priority`.execute(db);
    const runByCategory = await sql<CountRow & { run_id: number; category: WorkspaceCategory }>`
      SELECT r.run_id, COALESCE(s.category, 'qa') AS category, ${verdictColumns}
      FROM batch_run_items r JOIN batch_runs b ON b.id = r.run_id JOIN conversation_logs l ON l.id = r.log_id JOIN sessions s ON s.id = l.session_id
        JOIN evaluations e ON e.log_id = r.log_id
      WHERE b.workspace_id = ${workspaceId} GROUP BY r.run_id, 2`.execute(db);
    const runByTag = await sql<CountRow & { run_id: number; tag: string }>`
      SELECT r.run_id, t.value AS tag, ${verdictColumns}
      FROM batch_run_items r JOIN batch_runs b ON b.id = r.run_id JOIN question_set_items q ON q.id = r.item_id, json_each(q.tags) t
        JOIN evaluations e ON e.log_id = r.log_id
      WHERE b.workspace_id = ${workspaceId} GROUP BY r.run_id, t.value`.execute(db);
    const timeline = await sql<CountRow & { day: string; model_id: number; version_id: number | null }>`
      SELECT t.day, t.model_id, NULLIF(t.version_key, 0) AS version_id, ${totalColumns}
      FROM verdict_totals t WHERE t.workspace_id = ${workspaceId} GROUP BY t.day, t.model_id, t.version_key HAVING SUM(t.judged) > 0 ORDER BY t.day`.execute(db);

    // Names: every base that answered here, and all registered versions of those bases. The base
    // alone has versionName null: the screens and the report label it in their reader's language.
    const modelIds = [...new Set([...perVersion.rows.map((row) => row.model_id), ...runs.map((run) => run.model_id)])];
    const names = new Map<string, VersionRef & { parentVersionId: number | null }>();
    for (const modelId of modelIds) {
      const model = await deps.models.get(modelId);
      names.set(versionKey(modelId, null), { modelId, modelName: model.displayName, versionId: null, versionName: null, parentVersionId: null });
      for (const version of await deps.versions.list(modelId)) {
        names.set(versionKey(modelId, version.id), { modelId, modelName: model.displayName, versionId: version.id, versionName: version.name, parentVersionId: version.parentVersionId });
      }
    }
    const refOf = (modelId: number, versionId: number | null): VersionRef => {
      const entry = names.get(versionKey(modelId, versionId));
      return { modelId, modelName: entry?.modelName ?? `#${modelId}`, versionId, versionName: versionId === null ? null : (entry?.versionName ?? `#${versionId}`) };
    };
    /** Versions in the card's order (each base, then its versions), for sorting breakdown rows. */
    const versionOrder = new Map([...names.keys()].map((key, index) => [key, index]));
    const orderOf = (ref: VersionRef) => versionOrder.get(versionKey(ref.modelId, ref.versionId)) ?? Number.MAX_SAFE_INTEGER;
    const versionCounts = new Map(perVersion.rows.map((row) => [versionKey(row.model_id, row.version_id), row]));
    const lifecycleOf = new Map(lifecycle.rows.map((row) => [row.version_id, row]));
    const runCounts = new Map(perRun.rows.map((row) => [row.run_id, row]));
    const answered = new Map(answeredPerRun.rows.map((row) => [row.run_id, Number(row.answered)]));
    const runRef = new Map(runs.map((run) => [run.id, refOf(run.model_id, run.version_id)]));
    const regressedPerVersion = new Map<string, number>();
    for (const run of runs) {
      const key = versionKey(run.model_id, run.version_id);
      regressedPerVersion.set(key, (regressedPerVersion.get(key) ?? 0) + Number(runCounts.get(run.id)?.regressed ?? 0));
    }

    /** Version rows first (in the card's version order), then run rows by run, each by `compare`. */
    function breakdown<Row extends ScoreBreakdownRow>(versionRows: Row[], runRows: Row[], compare: (a: Row, b: Row) => number): Row[] {
      const byVersion = (a: Row, b: Row) => orderOf(a) - orderOf(b) || compare(a, b);
      return [...versionRows.sort(byVersion), ...runRows.sort((a, b) => a.runId! - b.runId! || compare(a, b))];
    }
    const byPriorityKey = (a: { priority: Priority | null }, b: { priority: Priority | null }) => (a.priority ?? 4) - (b.priority ?? 4);
    /** A run's breakdown row: the run's version, the run, and the counts. */
    const runRow = (row: CountRow & { run_id: number }): ScoreBreakdownRow => ({ ...runRef.get(row.run_id)!, runId: row.run_id, counts: counts(row) });
    const ofRuns = <Row extends { run_id: number }>(rows: Row[]) => rows.filter((row) => runRef.has(row.run_id));

    // Tags live on question set items, so a version's tag counts are its runs' together.
    const runTags = ofRuns(runByTag.rows).map((row) => ({ ...runRow(row), tag: row.tag }));
    const versionTags = new Map<string, ScoreBreakdownRow & { tag: string }>();
    for (const row of runTags) {
      const key = `${versionKey(row.modelId, row.versionId)}\u0000${row.tag}`;
      const entry = versionTags.get(key) ?? { ...refOf(row.modelId, row.versionId), runId: null, tag: row.tag, counts: counts(undefined) };
      addCounts(entry.counts, row.counts);
      versionTags.set(key, entry);
    }

    return {
      workspaceId,
      versions: [...names.entries()].map(([key, entry]) => ({
        ...refOf(entry.modelId, entry.versionId),
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
          ...runRef.get(run.id)!,
          runId: run.id,
          setName: run.name,
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
      byPriority: breakdown(
        versionByPriority.rows.map((row) => ({ ...refOf(row.model_id, row.version_id), runId: null, priority: row.priority, counts: counts(row) })),
        ofRuns(runByPriority.rows).map((row) => ({ ...runRow(row), priority: row.priority })),
        byPriorityKey,
      ),
      byCategory: breakdown(
        versionByCategory.rows.map((row) => ({ ...refOf(row.model_id, row.version_id), runId: null, category: row.category, counts: counts(row) })),
        ofRuns(runByCategory.rows).map((row) => ({ ...runRow(row), category: row.category })),
        (a, b) => a.category.localeCompare(b.category),
      ),
      byTag: breakdown([...versionTags.values()], runTags, (a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)),
      ab: (await deps.ab.tally(workspaceId)).map((pair) => ({ first: pair.first, second: pair.second, firstWins: pair.firstWins, secondWins: pair.secondWins, ties: pair.ties, bothBad: pair.bothBad })),
      timeline: timeline.rows.map((row) => ({ ...refOf(row.model_id, row.version_id), day: row.day, counts: counts(row) })),
    };
  }

  return { get, csv: async (workspaceId: number, table: CsvTable) => toCsv(await get(workspaceId), table) };
}

export type ScoreCardService = ReturnType<typeof createScoreCardService>;

export type CsvTable = 'versions' | 'runs' | 'byPriority' | 'byCategory' | 'byTag' | 'ab' | 'timeline';

const countHeaders = ['judged', 'good', 'insufficient', 'wrong', 'good_rate'];
const countCells = (c: VerdictCounts) => [c.judged, c.good, c.insufficient, c.wrong, c.goodRate.toFixed(4)];
/** A version as data: the model's name, and the version's name (empty for the base alone). */
const versionHeaders = ['model', 'version'];
const versionCells = (ref: VersionRef) => [ref.modelName, ref.versionName ?? ''];

/**
 * One table of the card as CSV, with a BOM so Excel opens Korean and Japanese text correctly.
 * Versions are two columns, model and version (empty: the base alone), so no label is written in
 * one language; breakdown tables have a run column (empty: the version across the workspace).
 */
export function toCsv(card: ScoreCard, table: CsvTable): { fileName: string; csv: string } {
  const rows: unknown[][] = (() => {
    switch (table) {
      case 'versions':
        return [[...versionHeaders, 'parent_version_id', ...countHeaders, 'verified', 'regressed', 'trained_into'], ...card.versions.map((v) => [...versionCells(v), v.parentVersionId, ...countCells(v.counts), v.verified, v.regressed, v.trainedInto])];
      case 'runs':
        return [
          ['run', 'question_set', ...versionHeaders, 'created_at', 'status', 'total', 'answered', ...countHeaders, 'regressed', 'judge_agreement'],
          ...card.runs.map((r) => [r.runId, r.setName, ...versionCells(r), r.createdAt, r.status, r.total, r.answered, ...countCells(r.counts), r.regressed, r.judgeAgreement]),
        ];
      case 'byPriority':
        return [[...versionHeaders, 'run', 'priority', ...countHeaders], ...card.byPriority.map((p) => [...versionCells(p), p.runId, p.priority, ...countCells(p.counts)])];
      case 'byCategory':
        return [[...versionHeaders, 'run', 'category', ...countHeaders], ...card.byCategory.map((c) => [...versionCells(c), c.runId, c.category, ...countCells(c.counts)])];
      case 'byTag':
        return [[...versionHeaders, 'run', 'tag', ...countHeaders], ...card.byTag.map((t) => [...versionCells(t), t.runId, t.tag, ...countCells(t.counts)])];
      case 'ab':
        return [
          ['model', 'first', 'second', 'first_wins', 'second_wins', 'ties', 'both_bad'],
          ...card.ab.map((a) => [a.first.modelName, a.first.versionName ?? '', a.second.versionName ?? '', a.firstWins, a.secondWins, a.ties, a.bothBad]),
        ];
      case 'timeline':
        return [['day', ...versionHeaders, ...countHeaders], ...card.timeline.map((t) => [t.day, ...versionCells(t), ...countCells(t.counts)])];
    }
  })();
  return { fileName: `scorecard-${card.workspaceId}-${table}.csv`, csv: toCsvText(rows) };
}
