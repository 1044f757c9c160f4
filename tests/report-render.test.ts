/**
 * The PoC report (issue 13): one self-contained HTML file in English, Korean or Japanese, with
 * score cards, SVG charts and examples, that loads nothing from anywhere and escapes every user
 * text; and its PDF, printed by a Chromium found on the machine.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ReportLanguage, ScoreCard, VerdictCounts } from '../shared/contract/reverify.ts';
import { ApiError } from '../shared/contract/errors.ts';
import type { ReportData } from '../electron/services/report/report-data.ts';
import { renderReportHtml } from '../electron/services/report/render-html.ts';
import { reportStrings } from '../electron/services/report/report-strings.ts';
import { chromiumPdfRenderer, findChromiumExecutable, findChromiumPdfRenderer } from '../electron/services/report/pdf.ts';
import { launchBrowser, screenshotDir } from './helpers/browser.ts';

const hostile = `<script>alert("pwned")</script> & 'quotes' "double" <img src=https://evil.example/x.png>`;

function counts(good: number, insufficient: number, wrong: number): VerdictCounts {
  const judged = good + insufficient + wrong;
  return { judged, good, insufficient, wrong, goodRate: judged === 0 ? 0 : good / judged };
}

/** Versions as the services name them: the base alone has no version name (the report labels it). */
const baseRef = { modelId: 1, modelName: 'Qwen2.5-1.5B', versionId: null, versionName: null };
const v1Ref = { modelId: 1, modelName: 'Qwen2.5-1.5B', versionId: 1, versionName: 'contracts-v1' };
const v2Ref = { modelId: 1, modelName: 'Qwen2.5-1.5B', versionId: 2, versionName: 'contracts-v2 "<b>"' };

function sampleData(language: ReportLanguage): ReportData {
  const scoreCard: ScoreCard = {
    workspaceId: 1,
    versions: [
      { ...baseRef, parentVersionId: null, counts: counts(18, 12, 10), verified: 0, regressed: 0, trainedInto: 0 },
      { ...v1Ref, parentVersionId: null, counts: counts(27, 8, 5), verified: 14, regressed: 2, trainedInto: 22 },
      { ...v2Ref, parentVersionId: 1, counts: counts(34, 4, 2), verified: 19, regressed: 1, trainedInto: 0 },
    ],
    runs: [
      { ...v1Ref, runId: 1, setName: 'Trained corrections', createdAt: '2026-11-03T09:12:00Z', status: 'completed', total: 40, answered: 40, counts: counts(27, 8, 5), verified: 14, regressed: 2, judgeAgreement: 0.81 },
      { ...v2Ref, runId: 2, setName: 'Trained corrections', createdAt: '2026-11-05T14:40:00Z', status: 'completed', total: 40, answered: 40, counts: counts(34, 4, 2), verified: 19, regressed: 1, judgeAgreement: null },
      { ...v2Ref, runId: 3, setName: 'Guard sample', createdAt: '2026-11-06T08:00:00Z', status: 'paused', total: 25, answered: 11, counts: counts(0, 0, 0), verified: 0, regressed: 0, judgeAgreement: null },
    ],
    byPriority: [
      { ...baseRef, runId: null, priority: 1, counts: counts(20, 5, 3) },
      { ...v1Ref, runId: null, priority: 2, counts: counts(25, 10, 6) },
      { ...v2Ref, runId: null, priority: null, counts: counts(34, 9, 8) },
      { ...v1Ref, runId: 1, priority: 2, counts: counts(12, 4, 2) },
    ],
    byCategory: [
      { ...baseRef, runId: null, category: 'qa', counts: counts(18, 12, 10) },
      { ...v1Ref, runId: null, category: 'qa', counts: counts(27, 8, 5) },
      { ...v1Ref, runId: 1, category: 'qa', counts: counts(27, 8, 5) },
    ],
    byTag: [
      { ...v1Ref, runId: null, tag: 'notice-period', counts: counts(8, 2, 1) },
      { ...v2Ref, runId: null, tag: 'notice-period', counts: counts(10, 1, 0) },
      { ...v2Ref, runId: 2, tag: hostile, counts: counts(3, 1, 1) },
    ],
    ab: [{ first: v1Ref, second: v2Ref, firstWins: 4, secondWins: 11, ties: 3, bothBad: 2 }],
    timeline: [
      { ...baseRef, day: '2026-11-01', counts: counts(9, 6, 5) },
      { ...baseRef, day: '2026-11-02', counts: counts(9, 6, 5) },
      { ...v1Ref, day: '2026-11-03', counts: counts(12, 5, 3) },
      { ...v1Ref, day: '2026-11-04', counts: counts(15, 3, 2) },
      { ...v2Ref, day: '2026-11-05', counts: counts(16, 3, 1) },
      { ...v2Ref, day: '2026-11-06', counts: counts(18, 1, 1) },
    ],
  };
  return {
    language,
    generatedAt: '2026-11-07T10:30:00Z',
    appVersion: '0.13.0',
    workspace: { name: 'Contract review PoC', businessDomain: 'Legal · contracts', category: 'qa', systemPrompt: 'You answer questions about our standard service contracts.\nCite the clause.' },
    lineage: [
      { versionId: null, name: 'Qwen2.5-1.5B', parentVersionId: null, baseModelName: 'Qwen2.5-1.5B', datasetName: null, trainedAt: null, trainer: '', hyperparameters: {} },
      { versionId: 1, name: 'contracts-v1', parentVersionId: null, baseModelName: 'Qwen2.5-1.5B', datasetName: 'corrections-2026-11-02', trainedAt: '2026-11-02T18:00:00Z', trainer: 'mlx-lm', hyperparameters: { rank: 8, alpha: 16, learning_rate: 0.0002, epochs: 3 } },
      { versionId: 2, name: 'contracts-v2 "<b>"', parentVersionId: 1, baseModelName: 'Qwen2.5-1.5B', datasetName: 'corrections-2026-11-04', trainedAt: '2026-11-04T18:00:00Z', trainer: 'unsloth', hyperparameters: { rank: 16, alpha: 32, dora: false, note: null } },
    ],
    scoreCard,
    examples: {
      fixed: [
        {
          question: 'What is the notice period for terminating the standard service contract?',
          earlierAnswer: 'The contract can be terminated at any time without notice.',
          earlierVersion: baseRef,
          correction: 'Either party may terminate the contract with 60 days written notice (clause 14.2).',
          newAnswer: 'Either party may terminate the contract with 60 days notice in writing (clause 14.2).',
          newVersion: v2Ref,
          verdict: 1,
        },
        {
          question: '계약 해지 통보 기간은 얼마입니까?',
          earlierAnswer: '언제든지 통보 없이 해지할 수 있습니다.',
          earlierVersion: baseRef,
          correction: '양 당사자는 60일 전에 서면으로 통보하여 계약을 해지할 수 있습니다(제14.2조).',
          newAnswer: '양 당사자는 60일 전에 서면 통보로 계약을 해지할 수 있습니다(제14.2조).',
          newVersion: v1Ref,
          verdict: 1,
        },
      ],
      regressed: [
        {
          question: hostile,
          earlierAnswer: '契約は30日前の書面通知で解約できます。',
          earlierVersion: v1Ref,
          correction: null,
          newAnswer: '契約はいつでも解約できます。 </div><script>alert(1)</script>',
          newVersion: v2Ref,
          verdict: 3,
        },
      ],
    },
  };
}

function emptyData(language: ReportLanguage): ReportData {
  return {
    language,
    generatedAt: '2026-11-07T10:30:00Z',
    appVersion: '0.13.0',
    workspace: { name: 'Fresh workspace', businessDomain: '', category: 'summary', systemPrompt: '' },
    lineage: [],
    scoreCard: { workspaceId: 2, versions: [], runs: [], byPriority: [], byCategory: [], byTag: [], ab: [], timeline: [] },
    examples: { fixed: [], regressed: [] },
  };
}

const languages: ReportLanguage[] = ['en', 'ko', 'ja'];

test('the report is one HTML document in the chosen language, with its headings translated', () => {
  for (const language of languages) {
    const html = renderReportHtml(sampleData(language));
    const s = reportStrings[language];
    assert.match(html, /^<!doctype html>/u);
    assert.match(html, new RegExp(`<html lang="${language}">`, 'u'));
    for (const heading of Object.values(s.sections).filter((heading) => heading !== s.sections.summary)) assert.ok(html.includes(`<h2>${heading}</h2>`), `${language}: heading ${heading}`);
    for (const verdict of Object.values(s.verdicts)) assert.ok(html.includes(verdict), `${language}: verdict ${verdict}`);
    assert.ok(html.includes(s.tables.byPriority) && html.includes(s.tables.ab) && html.includes(s.examples.fixed));
    // Breakdowns per version (all its answers) and per run.
    assert.ok(html.includes(s.tables.allAnswers) && html.includes(`<th class="nowrap">${s.tables.run}</th>`), `${language}: run column`);
    assert.ok(html.includes('Contract review PoC'));
    if (language !== 'en') assert.ok(!html.includes('Score cards') && !html.includes('Regressed answers'), `${language}: no English heading left`);
  }
  const ko = renderReportHtml(sampleData('ko'));
  assert.ok(ko.includes('스코어카드') && ko.includes('좋음') && ko.includes('질의응답'));
  assert.ok(ko.includes('2026년 11월'), 'dates are formatted for Korean readers');
  const ja = renderReportHtml(sampleData('ja'));
  assert.ok(ja.includes('スコアカード') && ja.includes('誤り') && ja.includes('2026年11月'));
});

test('every user and model text is escaped, wherever it appears', () => {
  const html = renderReportHtml(sampleData('en'));
  assert.equal(/<script/iu.test(html), false, 'no script element at all');
  assert.equal(/<img/iu.test(html), false);
  assert.equal(html.includes('"<b>"'), false, 'a version name with markup stays text');
  assert.ok(html.includes('&#60;script&#62;alert(&#34;pwned&#34;)&#60;/script&#62; &#38; &#39;quotes&#39;'));
  assert.ok(html.includes('contracts-v2 &#34;&#60;b&#62;&#34;'));
  // Quotes in attributes (titles, aria labels) cannot close them.
  for (const [, value] of html.matchAll(/\s[a-z-]+="([^"]*)"/gu)) assert.equal(value!.includes('<'), false, `attribute value ${value}`);
});

test('the report loads nothing: no external URL, no script, no font, no stylesheet link', () => {
  for (const language of languages) {
    for (const html of [renderReportHtml(sampleData(language)), renderReportHtml(emptyData(language))]) {
      // User text is escaped, so every real tag is the renderer's own: none may point anywhere.
      const tags = html.match(/<[a-z][^>]*>/giu) ?? [];
      assert.deepEqual(tags.filter((tag) => /\b(?:src|href|action|poster|data|srcset)\s*=/iu.test(tag)), []);
      assert.equal(html.match(/.{0,40}(?:url\(|@import|@font-face|<link|<script|<iframe|<object|<embed).{0,40}/iu)?.[0], undefined);
      assert.ok(html.includes(`default-src 'none'`), 'a CSP forbids loading anything');
      assert.ok(html.includes('@page { size: A4'));
    }
  }
});

test('charts are inline SVG: three bars per judged version, one line per version over time', () => {
  const data = sampleData('en');
  const html = renderReportHtml(data);
  const judgedVersions = data.scoreCard.versions.filter((version) => version.counts.judged > 0).length;
  assert.equal(html.match(/<rect class="bar /gu)?.length, judgedVersions * 3);
  assert.equal(html.match(/<rect class="bar bar-good"/gu)?.length, judgedVersions);
  assert.equal(html.match(/<svg /gu)?.length, 2);
  assert.equal(html.match(/<polyline class="line"/gu)?.length, 3, 'each version has two days');
  assert.equal(html.match(/<circle class="point"/gu)?.length, data.scoreCard.timeline.length);
  // The good bar of contracts-v2 (34 of 40) is 85% of the plot height.
  assert.ok(html.includes('contracts-v2 &#34;&#60;b&#62;&#34; · Good: 85% (34/40)'));
  assert.equal(/NaN|undefined|Infinity/u.test(html), false);
});

test('examples show question, earlier answer, correction, new answer and a diff against the correction', () => {
  const html = renderReportHtml(sampleData('en'));
  assert.equal(html.match(/<article class="example /gu)?.length, 3);
  assert.ok(html.includes('60 days <del>written </del>notice <ins>in writing </ins>(clause 14.2).'), 'correction-only words are struck, new words underlined');
  assert.ok(html.includes('Earlier answer · Qwen2.5-1.5B (base)'));
  // The base is labelled by the report's own strings in its language: no English label in Korean or Japanese.
  for (const language of ['ko', 'ja'] as const) {
    const translated = renderReportHtml(sampleData(language));
    assert.ok(translated.includes(reportStrings[language].baseVersion('Qwen2.5-1.5B')), language);
    assert.equal(translated.includes('(base)'), false, `${language}: no English base label`);
  }
  assert.ok(html.includes('New answer compared with the earlier answer'), 'without a correction the earlier answer is the reference');
  const ko = renderReportHtml(sampleData('ko'));
  assert.ok(ko.includes('전에 서면<del>으로</del> 통보<del>하여</del><ins>로</ins> 계약을'), 'Korean diffs are character-level');
});

test('a workspace with nothing judged says so, with no NaN, no undefined and no empty chart', () => {
  for (const language of languages) {
    const html = renderReportHtml(emptyData(language));
    const s = reportStrings[language];
    assert.equal(/NaN|undefined|Infinity|null/u.test(html.replace(/<style>[\s\S]*<\/style>/u, '')), false, language);
    assert.ok(html.includes(s.nothingJudged));
    assert.ok(html.includes(s.lineage.empty));
    assert.equal(html.includes(s.examples.regressedNone), false, 'no claim of "no regression" when nothing was judged');
    assert.equal(html.includes('<svg'), false);
    assert.equal(html.includes('<table'), false);
  }
});

test('very long answers are shortened in the report, not pasted whole', () => {
  const data = sampleData('en');
  data.examples.fixed[0]!.newAnswer = '한국어 답변 😀 '.repeat(25_000);
  const html = renderReportHtml(data);
  assert.ok(html.length < 400_000, `report is ${html.length} characters`);
  assert.ok(html.includes('Shortened: the first 3,000 of 225,000 characters.'));
  assert.ok(html.includes('These answers are too long to compare here.'));
});

const chromium = findChromiumExecutable();
const noChromium = chromium ? false : 'no Chromium, Chrome or Edge found (set CHROMIUM_PATH or apt-get install chromium)';

test('the PDF is printed by Chromium from the HTML file', { skip: noChromium }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evaldesk-report-'));
  try {
    const htmlPath = path.join(dir, 'report ko.html');
    fs.writeFileSync(htmlPath, renderReportHtml(sampleData('ko')));
    const renderer = findChromiumPdfRenderer();
    assert.ok(renderer);
    const pdfPath = path.join(dir, 'report ko.pdf');
    // A private temp folder, so the check that the browser profile is removed sees only ours.
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    const savedTmp = process.env['TMPDIR'];
    process.env['TMPDIR'] = tmp;
    try {
      await renderer(htmlPath, pdfPath);
    } finally {
      if (savedTmp === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = savedTmp;
    }
    const pdf = fs.readFileSync(pdfPath);
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(pdf.length > 10_000, `a PDF of ${pdf.length} bytes`);
    assert.deepEqual(fs.readdirSync(tmp), [], 'the browser profile folder is removed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a PDF that fails, hangs or is cancelled is a clear error and leaves no file', { skip: process.platform === 'win32' ? 'uses POSIX shell scripts as stand-in browsers' : false }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evaldesk-report-'));
  try {
    const htmlPath = path.join(dir, 'report.html');
    const pdfPath = path.join(dir, 'report.pdf');
    fs.writeFileSync(htmlPath, renderReportHtml(emptyData('en')));
    const script = (name: string, body: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return file;
    };
    const failing = chromiumPdfRenderer(script('failing', 'echo "cannot open display" >&2; exit 3'));
    await assert.rejects(failing(htmlPath, pdfPath), (error: unknown) => error instanceof ApiError && error.code === 'RUNTIME_FAILED' && error.params?.['exitCode'] === 3 && /cannot open display/u.test(error.message));

    const silent = chromiumPdfRenderer(script('silent', 'exit 0'));
    await assert.rejects(silent(htmlPath, pdfPath), (error: unknown) => error instanceof ApiError && error.code === 'RUNTIME_FAILED' && /wrote no PDF/u.test(error.message));

    const hanging = script('hanging', 'exec sleep 30');
    await assert.rejects(chromiumPdfRenderer(hanging, { timeoutMs: 300 })(htmlPath, pdfPath), (error: unknown) => error instanceof ApiError && error.code === 'RUNTIME_FAILED' && error.params?.['reason'] === 'pdf_timeout');
    await assert.rejects(chromiumPdfRenderer(hanging)(htmlPath, pdfPath, AbortSignal.timeout(300)), (error: unknown) => error instanceof ApiError && error.code === 'CANCELLED');
    await assert.rejects(chromiumPdfRenderer(path.join(dir, 'missing'))(htmlPath, pdfPath), (error: unknown) => error instanceof ApiError && error.code === 'RUNTIME_FAILED');
    assert.equal(fs.existsSync(pdfPath), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('screenshots of the English, Korean and Japanese reports, for a person to look at', { skip: noChromium }, async () => {
  const browser = await launchBrowser();
  try {
    fs.mkdirSync(screenshotDir, { recursive: true });
    for (const [name, data] of [
      ['report-en', sampleData('en')],
      ['report-ko', sampleData('ko')],
      ['report-ja', sampleData('ja')],
      ['report-empty-ko', emptyData('ko')],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      await page.setContent(renderReportHtml(data), { waitUntil: 'load' });
      assert.deepEqual(requests.filter((url) => !url.startsWith('data:') && url !== 'about:blank'), [], 'the page asks for nothing');
      await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
