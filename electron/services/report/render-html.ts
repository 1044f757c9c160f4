import type { ScoreBreakdownRow, ScoreCard, VerdictCounts } from '../../../shared/contract/reverify.ts';
import type { Verdict, VersionRef } from '../../../shared/contract/entities.ts';
import { diffText } from '../../../shared/text-diff.ts';
import type { ReportData, ReportExample } from './report-data.ts';
import { reportFormatters, reportStrings, type ReportFormatters, type ReportStrings } from './report-strings.ts';
import { reportCss } from './report-css.ts';

/**
 * The PoC report as one self-contained HTML document: inline CSS and inline SVG, no script, no
 * font, no image, no link, and a Content-Security-Policy that forbids loading anything, so it
 * opens the same on a stakeholder's laptop without network as it does here, and prints to A4.
 * Every piece of text that came from a user or a model goes through `escapeHtml`.
 */
export function renderReportHtml(data: ReportData): string {
  const strings = reportStrings[data.language];
  const context: Context = { s: strings, f: reportFormatters(data.language), label: (ref) => ref.versionName ?? strings.baseVersion(ref.modelName) };
  const { s, f } = context;
  const judged = data.scoreCard.versions.reduce((sum, version) => sum + version.counts.judged, 0);
  const title = `${s.reportTitle} · ${data.workspace.name}`;
  const body = [
    header(data, context),
    summary(data.scoreCard, context),
    workspaceSection(data, context),
    lineageSection(data, context),
    // With nothing judged there is no chart, table or example to show, and "no regression" would
    // claim more than is known: one sentence says why the report is short.
    judged === 0
      ? `<section><p class="empty">${escapeHtml(s.nothingJudged)}</p></section>`
      : chartsSection(data.scoreCard, context) + scoreCardSection(data.scoreCard, context) + examplesSection(data, context),
    `<footer>${escapeHtml(s.generated(f.dateTime(data.generatedAt), data.appVersion))} · ${escapeHtml(s.offlineNote)}</footer>`,
  ].join('\n');
  return `<!doctype html>
<html lang="${data.language}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="EvalDesk ${escapeHtml(data.appVersion)}">
<title>${escapeHtml(title)}</title>
<style>${reportCss}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

interface Context {
  s: ReportStrings;
  f: ReportFormatters;
  /** A version's name; the base alone (versionName null) named in the report's language. */
  label: (ref: VersionRef) => string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const verdictKeys = { 1: 'good', 2: 'insufficient', 3: 'wrong' } as const satisfies Record<Verdict, string>;
/** Distinct on screen and in grey print; the verdict colours match the app's badges in spirit. */
const verdictColours = { good: '#2e9d6a', insufficient: '#e3a21a', wrong: '#d4483f' };
/** Version lines avoid the verdict colours, so no line reads as "good" or "wrong". */
const seriesColours = ['#2f62c9', '#d9822b', '#8a56d6', '#1b9bb5', '#c2508c', '#6d7480', '#7a9a2e', '#a0522d'];

// ---------------------------------------------------------------------------------------------
// Title block and key figures

function header(data: ReportData, { s, f }: Context): string {
  const category = s.categories[data.workspace.category] ?? data.workspace.category;
  const subtitle = [data.workspace.businessDomain, category].filter((part) => part.trim() !== '').map(escapeHtml).join(' · ');
  return `<header class="title-block">
  <div class="brand">EvalDesk · ${escapeHtml(s.reportTitle)}</div>
  <h1>${escapeHtml(data.workspace.name)}</h1>
  ${subtitle ? `<div class="subtitle">${subtitle}</div>` : ''}
  <div class="meta">${escapeHtml(s.generated(f.dateTime(data.generatedAt), data.appVersion))}</div>
</header>`;
}

function summary(card: ScoreCard, { s, f, label }: Context): string {
  // Versions come parents before children, so the last one judged is the newest; it is compared
  // with the first one judged, usually the base.
  const judgedVersions = card.versions.filter((version) => version.counts.judged > 0);
  const latest = judgedVersions.at(-1);
  const first = judgedVersions[0];
  const judged = card.versions.reduce((sum, version) => sum + version.counts.judged, 0);
  const verified = card.versions.reduce((sum, version) => sum + version.verified, 0);
  const regressed = card.versions.reduce((sum, version) => sum + version.regressed, 0);
  const delta = latest && first && latest !== first ? (latest.counts.goodRate - first.counts.goodRate) * 100 : null;
  const tile = (label: string, value: string, note = '', tone = '') =>
    `<div class="kpi ${tone}"><div class="kpi-label">${escapeHtml(label)}</div><div class="kpi-value">${escapeHtml(value)}</div>${note ? `<div class="kpi-note">${escapeHtml(note)}</div>` : ''}</div>`;
  return `<section class="kpis" aria-label="${escapeHtml(s.sections.summary)}">
  ${tile(s.kpi.judged, f.integer(judged))}
  ${tile(latest ? s.kpi.goodRate(label(latest)) : s.kpi.goodRateNone, latest ? f.percent(latest.counts.goodRate) : s.none, delta === null || !first ? '' : s.kpi.versus(formatPoints(delta, f), label(first)), delta === null ? '' : delta >= 0 ? 'up' : 'down')}
  ${tile(s.kpi.verified, f.integer(verified))}
  ${tile(s.kpi.regressions, f.integer(regressed), '', regressed > 0 ? 'down' : '')}
</section>`;
}

/** A signed difference in percentage points, "+12.5" / "−3". */
function formatPoints(points: number, f: ReportFormatters): string {
  const rounded = Math.round(points * 10) / 10;
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : '±'}${f.decimal(Math.abs(rounded))}`;
}

// ---------------------------------------------------------------------------------------------
// Workspace and lineage

function workspaceSection(data: ReportData, context: Context): string {
  const { s } = context;
  const category = s.categories[data.workspace.category] ?? data.workspace.category;
  const prompt = data.workspace.systemPrompt.trim();
  return `<section>
  <h2>${escapeHtml(s.sections.workspace)}</h2>
  <dl class="facts">
    <dt>${escapeHtml(s.workspace.businessDomain)}</dt><dd>${escapeHtml(data.workspace.businessDomain || s.none)}</dd>
    <dt>${escapeHtml(s.workspace.category)}</dt><dd>${escapeHtml(category)}</dd>
  </dl>
  <h3>${escapeHtml(s.workspace.systemPrompt)}</h3>
  ${prompt ? longText(prompt, context, 'prompt') : `<p class="muted">${escapeHtml(s.workspace.noSystemPrompt)}</p>`}
</section>`;
}

type LineageEntry = ReportData['lineage'][number];
interface TreeNode {
  entry: LineageEntry;
  isBase: boolean;
  children: TreeNode[];
}

/**
 * One tree per base model: the base (versionId null) at the root, versions trained on the base
 * alone under it, and every other version under its parent. An entry whose parent is missing
 * from the data still appears, under its base, rather than being dropped.
 */
function lineageTrees(lineage: LineageEntry[]): TreeNode[] {
  const roots: TreeNode[] = [];
  const baseRoots = new Map<string, TreeNode>();
  const versionNodes = new Map<number, TreeNode>();
  const baseRoot = (entry: LineageEntry) => {
    let root = baseRoots.get(entry.baseModelName);
    if (!root) {
      const synthetic: LineageEntry = { ...entry, versionId: null, parentVersionId: null, name: entry.baseModelName, datasetName: null, trainedAt: null, trainer: '', hyperparameters: {} };
      root = { entry: synthetic, isBase: true, children: [] };
      baseRoots.set(entry.baseModelName, root);
      roots.push(root);
    }
    return root;
  };
  for (const entry of lineage) {
    if (entry.versionId === null) {
      const existing = baseRoots.get(entry.baseModelName);
      if (existing) existing.entry = entry;
      else {
        const root = { entry, isBase: true, children: [] };
        baseRoots.set(entry.baseModelName, root);
        roots.push(root);
      }
      continue;
    }
    const node: TreeNode = { entry, isBase: false, children: [] };
    versionNodes.set(entry.versionId, node);
    const parent = entry.parentVersionId === null ? undefined : versionNodes.get(entry.parentVersionId);
    (parent ?? baseRoot(entry)).children.push(node);
  }
  return roots;
}

function lineageSection(data: ReportData, context: Context): string {
  const { s } = context;
  const trees = lineageTrees(data.lineage);
  const content = trees.length === 0 ? `<p class="muted">${escapeHtml(s.lineage.empty)}</p>` : `<ul class="tree">${trees.map((tree) => treeItem(tree, data.scoreCard, context)).join('')}</ul>`;
  return `<section>
  <h2>${escapeHtml(s.sections.lineage)}</h2>
  ${content}
</section>`;
}

function treeItem(node: TreeNode, card: ScoreCard, context: Context): string {
  const { s, f } = context;
  const { entry } = node;
  const score = card.versions.find((version) => (entry.versionId === null ? version.versionId === null && version.modelName === entry.baseModelName : version.versionId === entry.versionId));
  const details: string[] = [];
  if (entry.datasetName) details.push(`<span>${escapeHtml(s.lineage.dataset)}: <b>${escapeHtml(entry.datasetName)}</b></span>`);
  if (entry.trainer) details.push(`<span>${escapeHtml(s.lineage.trainer)}: ${escapeHtml(entry.trainer)}</span>`);
  if (entry.trainedAt) details.push(`<span>${escapeHtml(s.lineage.trainedAt)}: ${escapeHtml(f.date(entry.trainedAt))}</span>`);
  const parameters = Object.entries(entry.hyperparameters);
  const chips = parameters.length
    ? `<div class="chips" title="${escapeHtml(s.lineage.hyperparameters)}">${parameters.map(([key, value]) => `<code>${escapeHtml(key)}=${escapeHtml(value === null ? s.none : String(value))}</code>`).join('')}</div>`
    : '';
  const rate = score && score.counts.judged > 0 ? `<span class="node-score">${escapeHtml(s.verdicts[1])} ${escapeHtml(f.percent(score.counts.goodRate))} <span class="muted">n=${escapeHtml(f.integer(score.counts.judged))}</span></span>` : '';
  const badge = node.isBase ? `<span class="badge">${escapeHtml(s.lineage.base)}</span>` : '';
  const children = node.children.length ? `<ul>${node.children.map((child) => treeItem(child, card, context)).join('')}</ul>` : '';
  return `<li><div class="node${node.isBase ? ' base' : ''}"><div class="node-head"><span class="node-name">${escapeHtml(entry.name)}</span>${badge}${rate}</div>${details.length ? `<div class="node-details">${details.join('')}</div>` : ''}${chips}</div>${children}</li>`;
}

// ---------------------------------------------------------------------------------------------
// Charts (hand-drawn SVG: no chart library, no script)

function chartsSection(card: ScoreCard, context: Context): string {
  const { s } = context;
  const legend = (Object.entries(verdictKeys) as Array<[string, keyof typeof verdictColours]>)
    .map(([verdict, key]) => `<span><i style="background:${verdictColours[key]}"></i>${escapeHtml(s.verdicts[Number(verdict) as Verdict])}</span>`)
    .join('');
  const timeline = timelineChart(card, context);
  return `<section>
  <h2>${escapeHtml(s.sections.charts)}</h2>
  <figure class="chart">
    <figcaption>${escapeHtml(s.charts.ratesTitle)}</figcaption>
    ${ratesChart(card, context)}
    <div class="legend">${legend}</div>
  </figure>
  ${timeline}
</section>`;
}

const chartWidth = 720;

/** Grouped bars: per judged version, the share of good, insufficient and wrong answers. */
function ratesChart(card: ScoreCard, { s, f, label: nameOf }: Context): string {
  const versions = card.versions.filter((version) => version.counts.judged > 0);
  const height = 250;
  const plot = { left: 46, right: chartWidth - 12, top: 16, bottom: height - 44 };
  const groupWidth = (plot.right - plot.left) / versions.length;
  const barWidth = Math.min(40, (groupWidth * 0.78) / 3);
  const y = (rate: number) => plot.bottom - rate * (plot.bottom - plot.top);
  const parts: string[] = [yGrid(plot, y, f)];
  versions.forEach((version, index) => {
    const name = nameOf(version);
    const centre = plot.left + groupWidth * (index + 0.5);
    (['good', 'insufficient', 'wrong'] as const).forEach((key, bar) => {
      const count = version.counts[key];
      const rate = count / version.counts.judged;
      const x = centre + (bar - 1.5) * barWidth;
      const top = y(rate);
      const label = `${name} · ${s.verdicts[bar === 0 ? 1 : bar === 1 ? 2 : 3]}: ${f.percent(rate)} (${f.integer(count)}/${f.integer(version.counts.judged)})`;
      parts.push(
        `<rect class="bar bar-${key}" x="${num(x + 1)}" y="${num(top)}" width="${num(barWidth - 2)}" height="${num(plot.bottom - top)}" fill="${verdictColours[key]}" rx="2"><title>${escapeHtml(label)}</title></rect>`,
      );
      if (barWidth >= 24) parts.push(`<text class="value" x="${num(x + barWidth / 2)}" y="${num(top - 4)}" text-anchor="middle">${escapeHtml(f.percent(rate))}</text>`);
    });
    parts.push(`<text class="axis-label" x="${num(centre)}" y="${plot.bottom + 18}" text-anchor="middle">${escapeHtml(shorten(name, groupWidth < 90 ? 10 : 22))}<title>${escapeHtml(name)}</title></text>`);
    parts.push(`<text class="axis-note" x="${num(centre)}" y="${plot.bottom + 34}" text-anchor="middle">n=${escapeHtml(f.integer(version.counts.judged))}</text>`);
  });
  return svg(height, s.charts.ratesTitle, parts);
}

/** One line per version: its good rate on each day it was judged. */
function timelineChart(card: ScoreCard, context: Context): string {
  const { s, f, label } = context;
  const points = card.timeline.filter((point) => point.counts.judged > 0 && Number.isFinite(Date.parse(`${point.day.slice(0, 10)}T00:00:00Z`))).map((point) => ({ ...point, name: label(point) }));
  if (points.length === 0) return '';
  const order = [...new Set([...card.versions.map(label), ...points.map((point) => point.name)])].filter((name) => points.some((point) => point.name === name));
  const days = [...new Set(points.map((point) => point.day.slice(0, 10)))].sort();
  const time = (day: string) => Date.parse(`${day.slice(0, 10)}T00:00:00Z`);
  const height = 240;
  const plot = { left: 46, right: chartWidth - 12, top: 16, bottom: height - 30 };
  // Points stay clear of the axis labels and of the right edge, where a day label is centred.
  const inner = { left: plot.left + 24, right: plot.right - 28 };
  const first = time(days[0]!);
  const span = time(days.at(-1)!) - first;
  const x = (day: string) => (span === 0 ? (inner.left + inner.right) / 2 : inner.left + ((time(day) - first) / span) * (inner.right - inner.left));
  const y = (rate: number) => plot.bottom - rate * (plot.bottom - plot.top);
  const parts: string[] = [yGrid(plot, y, f)];
  const tickEvery = Math.max(1, Math.ceil(days.length / 7));
  days.forEach((day, index) => {
    if (index % tickEvery !== 0 && index !== days.length - 1) return;
    parts.push(`<text class="axis-label" x="${num(x(day))}" y="${plot.bottom + 18}" text-anchor="middle">${escapeHtml(f.day(day))}</text>`);
  });
  order.forEach((name, index) => {
    const colour = seriesColours[index % seriesColours.length]!;
    const series = points.filter((point) => point.name === name).sort((a, b) => a.day.localeCompare(b.day));
    if (series.length > 1) {
      parts.push(`<polyline class="line" fill="none" stroke="${colour}" stroke-width="2.5" stroke-linejoin="round" points="${series.map((point) => `${num(x(point.day))},${num(y(point.counts.goodRate))}`).join(' ')}"/>`);
    }
    for (const point of series) {
      const title = `${name} · ${f.day(point.day)}: ${f.percent(point.counts.goodRate)} (${f.integer(point.counts.good)}/${f.integer(point.counts.judged)})`;
      parts.push(`<circle class="point" cx="${num(x(point.day))}" cy="${num(y(point.counts.goodRate))}" r="4" fill="#fff" stroke="${colour}" stroke-width="2.5"><title>${escapeHtml(title)}</title></circle>`);
    }
  });
  const legend = order.map((name, index) => `<span><i style="background:${seriesColours[index % seriesColours.length]}"></i>${escapeHtml(name)}</span>`).join('');
  return `<figure class="chart">
    <figcaption>${escapeHtml(s.charts.timelineTitle)}</figcaption>
    ${svg(height, s.charts.timelineTitle, parts)}
    <div class="legend">${legend}</div>
    ${days.length === 1 ? `<p class="muted small">${escapeHtml(s.charts.timelineSingleDay)}</p>` : ''}
  </figure>`;
}

function yGrid(plot: { left: number; right: number }, y: (rate: number) => number, f: ReportFormatters): string {
  return [0, 0.25, 0.5, 0.75, 1]
    .map(
      (rate) =>
        `<line class="grid${rate === 0 ? ' base' : ''}" x1="${plot.left}" x2="${plot.right}" y1="${num(y(rate))}" y2="${num(y(rate))}"/><text class="axis-note" x="${plot.left - 6}" y="${num(y(rate) + 4)}" text-anchor="end">${escapeHtml(f.percent(rate))}</text>`,
    )
    .join('');
}

function svg(height: number, label: string, parts: string[]): string {
  return `<svg class="chart-svg" viewBox="0 0 ${chartWidth} ${height}" width="100%" role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

const num = (value: number) => (Math.round(value * 10) / 10).toString();

/** Cuts by code point, never inside a surrogate pair. */
function shorten(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

// ---------------------------------------------------------------------------------------------
// Score card tables

interface Column {
  label: string;
  numeric?: boolean;
  nowrap?: boolean;
}

function table(caption: string, columns: Column[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const cellClass = (column: Column | undefined) => (column?.numeric ? ' class="num"' : column?.nowrap ? ' class="nowrap"' : '');
  const head = columns.map((column) => `<th${cellClass(column)}>${escapeHtml(column.label)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((cell, index) => `<td${cellClass(columns[index])}>${cell}</td>`).join('')}</tr>`).join('');
  return `<div class="table-block"><h3>${escapeHtml(caption)}</h3><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function countColumns({ s }: Context): Column[] {
  return [
    { label: s.tables.judged, numeric: true },
    { label: s.verdicts[1], numeric: true },
    { label: s.verdicts[2], numeric: true },
    { label: s.verdicts[3], numeric: true },
    { label: s.tables.goodRate },
  ];
}

function countCells(counts: VerdictCounts, context: Context): string[] {
  const { f } = context;
  return [f.integer(counts.judged), f.integer(counts.good), f.integer(counts.insufficient), f.integer(counts.wrong), rateBar(counts, context)];
}

/** The good rate as a figure and a small stacked bar of the three verdicts (plain CSS, prints). */
function rateBar(counts: VerdictCounts, { s, f }: Context): string {
  if (counts.judged === 0) return `<span class="muted">${escapeHtml(s.none)}</span>`;
  const share = (count: number) => `${num((count / counts.judged) * 100)}%`;
  const segments = (['good', 'insufficient', 'wrong'] as const)
    .filter((key) => counts[key] > 0)
    .map((key) => `<i style="width:${share(counts[key])};background:${verdictColours[key]}"></i>`)
    .join('');
  return `<span class="rate"><b>${escapeHtml(f.percent(counts.goodRate))}</b><span class="stack">${segments}</span></span>`;
}

function scoreCardSection(card: ScoreCard, context: Context): string {
  const { s, f, label } = context;
  const counts = countColumns(context);
  const nameCell = (ref: VersionRef) => `<span class="strong">${escapeHtml(label(ref))}</span>`;
  /** Breakdown rows: the version, and the run (or "all answers" for the version across the workspace). */
  const scopeColumns: Column[] = [{ label: s.tables.version }, { label: s.tables.run, nowrap: true }];
  const scopeCells = (row: ScoreBreakdownRow) => [nameCell(row), row.runId === null ? `<span class="muted">${escapeHtml(s.tables.allAnswers)}</span>` : `#${escapeHtml(String(row.runId))}`];
  const optional = (value: number | null) => (value === null ? s.none : f.percent(value));
  const tables = [
    table(
      s.tables.versions,
      [{ label: s.tables.version }, ...counts, { label: s.tables.verified, numeric: true }, { label: s.tables.regressed, numeric: true }, { label: s.tables.trainedInto, numeric: true }],
      card.versions.map((version) => [nameCell(version), ...countCells(version.counts, context), f.integer(version.verified), f.integer(version.regressed), f.integer(version.trainedInto)]),
    ),
    table(
      s.tables.runs,
      [
        { label: s.tables.set },
        { label: s.tables.version },
        { label: s.tables.date, nowrap: true },
        { label: s.tables.status },
        { label: s.tables.answered, numeric: true },
        { label: s.tables.judged, numeric: true },
        { label: s.tables.goodRate },
        { label: s.tables.verified, numeric: true },
        { label: s.tables.regressed, numeric: true },
        { label: s.tables.judgeAgreement, numeric: true },
      ],
      card.runs.map((run) => [
        escapeHtml(run.setName),
        nameCell(run),
        escapeHtml(f.date(run.createdAt)),
        escapeHtml(s.runStatuses[run.status] ?? run.status),
        `${escapeHtml(f.integer(run.answered))}/${escapeHtml(f.integer(run.total))}`,
        escapeHtml(f.integer(run.counts.judged)),
        rateBar(run.counts, context),
        escapeHtml(f.integer(run.verified)),
        escapeHtml(f.integer(run.regressed)),
        escapeHtml(optional(run.judgeAgreement)),
      ]),
    ),
    table(
      s.tables.byPriority,
      [...scopeColumns, { label: s.tables.priority }, ...counts],
      card.byPriority.map((row) => [...scopeCells(row), escapeHtml(row.priority === null ? s.noPriority : s.priorities[row.priority]), ...countCells(row.counts, context)]),
    ),
    table(
      s.tables.byCategory,
      [...scopeColumns, { label: s.tables.category }, ...counts],
      card.byCategory.map((row) => [...scopeCells(row), escapeHtml(s.categories[row.category] ?? row.category), ...countCells(row.counts, context)]),
    ),
    table(
      s.tables.byTag,
      [...scopeColumns, { label: s.tables.tag }, ...counts],
      card.byTag.map((row) => [...scopeCells(row), `<span class="tag">${escapeHtml(row.tag)}</span>`, ...countCells(row.counts, context)]),
    ),
    table(
      s.tables.ab,
      [{ label: s.tables.pair }, { label: s.tables.firstWins, numeric: true }, { label: s.tables.secondWins, numeric: true }, { label: s.tables.ties, numeric: true }, { label: s.tables.bothBad, numeric: true }],
      card.ab.map((row) => [`${nameCell(row.first)} <span class="muted">vs</span> ${nameCell(row.second)}`, f.integer(row.firstWins), f.integer(row.secondWins), f.integer(row.ties), f.integer(row.bothBad)]),
    ),
  ];
  return `<section>
  <h2>${escapeHtml(s.sections.scoreCards)}</h2>
  ${tables.join('\n')}
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Examples

/** Answers can be 200,000 characters; a report shows the start and says it was shortened. */
const shownCharacters = 3_000;

function longText(text: string, { s, f }: Context, className = 'answer'): string {
  const points = [...text];
  if (points.length <= shownCharacters) return `<div class="${className}">${escapeHtml(text)}</div>`;
  return `<div class="${className}">${escapeHtml(points.slice(0, shownCharacters).join(''))}…</div><p class="muted small">${escapeHtml(s.examples.shortened(f.integer(shownCharacters), f.integer(points.length)))}</p>`;
}

function examplesSection(data: ReportData, context: Context): string {
  const { s } = context;
  const group = (heading: string, examples: ReportExample[], none: string, tone: string) =>
    `<h3 class="examples-heading ${tone}">${escapeHtml(heading)} <span class="count">${escapeHtml(context.f.integer(examples.length))}</span></h3>${
      examples.length ? examples.map((example) => exampleCard(example, context, tone)).join('') : `<p class="muted">${escapeHtml(none)}</p>`
    }`;
  return `<section>
  <h2>${escapeHtml(s.sections.examples)}</h2>
  ${group(s.examples.fixed, data.examples.fixed, s.examples.fixedNone, 'fixed')}
  ${group(s.examples.regressed, data.examples.regressed, s.examples.regressedNone, 'regressed')}
</section>`;
}

function exampleCard(example: ReportExample, context: Context, tone: string): string {
  const { s, label } = context;
  const verdict = `<span class="verdict v${example.verdict}">${escapeHtml(s.verdicts[example.verdict])}</span>`;
  const correction = example.correction === null ? `<p class="muted">${escapeHtml(s.examples.noCorrection)}</p>` : longText(example.correction, context);
  return `<article class="example ${tone}">
  <div class="question"><div class="label">${escapeHtml(s.examples.question)}</div>${longText(example.question, context, 'question-text')}</div>
  <div class="columns">
    <div class="column"><div class="label">${escapeHtml(s.examples.earlierAnswer(label(example.earlierVersion)))}</div>${longText(example.earlierAnswer, context)}</div>
    <div class="column correction"><div class="label">${escapeHtml(s.examples.correction)}</div>${correction}</div>
    <div class="column"><div class="label">${escapeHtml(s.examples.newAnswer(label(example.newVersion)))} ${verdict}</div>${longText(example.newAnswer, context)}</div>
  </div>
  ${diffBlock(example, context)}
</article>`;
}

/**
 * The new answer against the correction (what the expert said it should be), or against the
 * earlier answer when no correction was written (a regression of an answer that was good).
 */
function diffBlock(example: ReportExample, { s }: Context): string {
  const reference = example.correction ?? example.earlierAnswer;
  const heading = example.correction === null ? s.examples.diffEarlier : s.examples.diff;
  const legend = s.examples.diffLegend(example.correction === null ? s.examples.referenceEarlier : s.examples.referenceCorrection);
  if ([...reference].length > shownCharacters || [...example.newAnswer].length > shownCharacters) {
    return `<div class="diff-block"><div class="label">${escapeHtml(heading)}</div><p class="muted small">${escapeHtml(s.examples.diffSkipped)}</p></div>`;
  }
  const html = diffText(reference, example.newAnswer)
    .map((segment) => (segment.kind === 'same' ? escapeHtml(segment.text) : segment.kind === 'added' ? `<ins>${escapeHtml(segment.text)}</ins>` : `<del>${escapeHtml(segment.text)}</del>`))
    .join('');
  return `<div class="diff-block"><div class="label">${escapeHtml(heading)}</div><div class="diff">${html}</div><p class="muted small">${escapeHtml(legend)}</p></div>`;
}
