/**
 * The report's only style sheet, inlined into the HTML. System fonts only (a web font would be a
 * download or megabytes of base64); the CJK families are listed per language so Korean and
 * Japanese pick their own glyph shapes for the shared Han characters. Colours are printed as
 * they are (print-color-adjust) because the verdict colours carry meaning.
 */
export const reportCss = `
@page { size: A4; margin: 14mm 13mm 16mm; }
:root {
  --ink: #1c2330; --muted: #5f6b7a; --line: #dfe4ea; --soft: #f4f6f9; --accent: #2f62c9;
  --good: #2e9d6a; --insufficient: #e3a21a; --wrong: #d4483f;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0; background: #eef1f5; color: var(--ink); font-size: 14px; line-height: 1.55;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
}
:lang(ko) body, body:lang(ko) {
  font-family: system-ui, -apple-system, "Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans KR", "Noto Sans CJK KR", "Source Han Sans KR", "NanumGothic", sans-serif;
  word-break: keep-all; overflow-wrap: anywhere;
}
:lang(ja) body, body:lang(ja) {
  font-family: system-ui, -apple-system, "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic UI", "Yu Gothic", "Meiryo", "Noto Sans JP", "Noto Sans CJK JP", "Source Han Sans JP", sans-serif;
  line-break: strict;
}
main { max-width: 960px; margin: 24px auto; background: #fff; padding: 40px 48px 28px; border-radius: 10px; box-shadow: 0 1px 3px rgba(20, 30, 50, .08), 0 8px 24px rgba(20, 30, 50, .06); }
h1 { font-size: 28px; line-height: 1.25; margin: 4px 0 6px; letter-spacing: -.01em; }
h2 { font-size: 19px; margin: 34px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--ink); break-after: avoid; }
h3 { font-size: 15px; margin: 22px 0 8px; break-after: avoid; }
p { margin: 6px 0; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.strong { font-weight: 600; }
.empty { padding: 18px 20px; background: var(--soft); border-radius: 8px; color: var(--muted); margin-top: 28px; }

.title-block { border-bottom: 1px solid var(--line); padding-bottom: 18px; }
.brand { font-size: 12px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; color: var(--accent); }
.subtitle { font-size: 16px; color: var(--muted); }
.meta { font-size: 12.5px; color: var(--muted); margin-top: 8px; }

.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-top: 22px; }
.kpi { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: #fbfcfd; break-inside: avoid; border-top: 3px solid var(--accent); }
.kpi.up { border-top-color: var(--good); }
.kpi.down { border-top-color: var(--wrong); }
.kpi-label { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.kpi-value { font-size: 27px; font-weight: 700; line-height: 1.2; margin-top: 4px; font-variant-numeric: tabular-nums; }
.kpi-note { font-size: 12px; color: var(--muted); margin-top: 2px; }
.kpi.up .kpi-note { color: #1f7a50; }

.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.prompt, .answer, .question-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.prompt { background: var(--soft); border-radius: 6px; padding: 10px 12px; font-size: 13px; }

.tree, .tree ul { list-style: none; margin: 0; padding: 0; }
.tree li { position: relative; margin: 8px 0 0; break-inside: avoid; }
/* Elbow connectors: each child draws its own stretch of the vertical line, the last one only
   down to its elbow, so the line never runs past the last child. */
.tree ul { margin-left: 20px; padding-left: 20px; }
.tree ul > li::before { content: ""; position: absolute; left: -20px; top: -8px; bottom: 0; border-left: 2px solid #cdd4dc; }
.tree ul > li:last-child::before { bottom: auto; height: 27px; }
.tree ul > li::after { content: ""; position: absolute; left: -20px; top: 18px; width: 16px; border-top: 2px solid #cdd4dc; }
.node { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; display: inline-block; min-width: 280px; max-width: 100%; background: #fff; }
.node.base { background: var(--soft); }
.node-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px; }
.node-name { font-weight: 700; }
.node-score { margin-left: auto; font-size: 12.5px; font-weight: 600; color: #1f7a50; }
.node-details { display: flex; flex-wrap: wrap; gap: 2px 16px; font-size: 12.5px; color: var(--muted); margin-top: 2px; }
.node-details b { color: var(--ink); font-weight: 600; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
.chips code { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; }
.badge { font-size: 11px; font-weight: 600; color: var(--accent); border: 1px solid currentColor; border-radius: 999px; padding: 0 7px; }

.chart { margin: 12px 0 22px; break-inside: avoid; }
.chart figcaption { font-weight: 600; font-size: 15px; margin-bottom: 6px; }
.chart-svg { display: block; max-width: 100%; height: auto; }
.chart-svg text { font-family: inherit; fill: var(--muted); font-size: 12px; }
.chart-svg text.value { fill: var(--ink); font-size: 11px; font-weight: 600; }
.chart-svg text.axis-label { fill: var(--ink); font-size: 12.5px; }
.chart-svg text.axis-note { font-size: 11px; }
.chart-svg .grid { stroke: var(--line); stroke-width: 1; }
.chart-svg .grid.base { stroke: #9aa5b1; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 12.5px; color: var(--muted); margin-top: 4px; padding-left: 46px; }
.legend i { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 6px; vertical-align: -1px; }

.table-block { break-inside: avoid; }
table { width: 100%; border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; border-bottom: 1.5px solid #c9d1da; padding: 6px 8px; vertical-align: bottom; }
/* break-word, not anywhere: a column may not shrink below its longest word ("contracts-v1"). */
td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: middle; overflow-wrap: break-word; }
tr { break-inside: avoid; }
.num { text-align: right; white-space: nowrap; }
.nowrap { white-space: nowrap; }
.rate { display: inline-flex; align-items: center; gap: 8px; white-space: nowrap; }
.rate b { min-width: 48px; text-align: right; font-weight: 600; }
.stack { display: inline-flex; width: 84px; height: 8px; border-radius: 4px; overflow: hidden; background: var(--line); }
.stack i { display: block; height: 100%; }
.tag { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 0 6px; font-size: 12px; }

.examples-heading { display: flex; align-items: center; gap: 8px; }
.examples-heading .count { font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); border-radius: 999px; padding: 0 8px; }
.examples-heading.fixed .count { background: var(--good); }
.examples-heading.regressed .count { background: var(--wrong); }
.example { border: 1px solid var(--line); border-left: 4px solid var(--good); border-radius: 8px; padding: 12px 14px; margin: 10px 0 14px; break-inside: avoid; }
.example.regressed { border-left-color: var(--wrong); }
.label { font-size: 12px; font-weight: 600; color: var(--muted); margin-bottom: 3px; }
.question-text { font-weight: 600; }
.columns { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; margin-top: 10px; }
.column { background: var(--soft); border-radius: 6px; padding: 8px 10px; font-size: 13px; min-width: 0; }
.column.correction { background: #eef6f1; }
.verdict { display: inline-block; font-size: 11px; font-weight: 700; border-radius: 999px; padding: 0 7px; color: #fff; vertical-align: 1px; }
.verdict.v1 { background: var(--good); }
.verdict.v2 { background: #b97f05; }
.verdict.v3 { background: var(--wrong); }
.diff-block { margin-top: 10px; }
.diff { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 13px; border: 1px dashed var(--line); border-radius: 6px; padding: 8px 10px; }
ins { background: #d9f2e3; color: #0f5132; text-decoration: underline; text-decoration-color: #2e9d6a; text-underline-offset: 2px; }
del { background: #fbe0de; color: #8a1f17; text-decoration: line-through; }

footer { margin-top: 36px; padding-top: 10px; border-top: 1px solid var(--line); font-size: 11.5px; color: var(--muted); }

@media print {
  body { background: #fff; font-size: 10pt; }
  main { max-width: none; margin: 0; padding: 0; box-shadow: none; border-radius: 0; }
  h1 { font-size: 21pt; }
  h2 { font-size: 14pt; margin-top: 22px; }
  table { font-size: 9pt; }
  .kpi-value { font-size: 19pt; }
  .column, .diff { font-size: 9pt; }
}
@media (max-width: 720px) {
  main { padding: 20px; margin: 0; border-radius: 0; }
  .kpis { grid-template-columns: repeat(2, 1fr); }
  .columns { grid-template-columns: 1fr; }
}
`;
