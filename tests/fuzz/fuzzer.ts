/**
 * The contract-driven fuzzer: a real app core and web bridge in a child process, fed a seeded
 * stream of generated calls for every API method plus raw HTTP and socket hostility, each answer
 * checked by the oracle. A finding names its seed and request number, so
 * `npm run fuzz -- <request> <seed>` replays the run up to it.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { createIdMemory } from './entity-ids.ts';
import { hostilePaths } from './hostile-values.ts';
import { sendRaw } from './http.ts';
import { checkAnswer, createLeakWatch, type Problem } from './oracle.ts';
import { createPlan, sentText, type PlannedRequest } from './plan.ts';
import { createRandom } from './prng.ts';
import { createReport, excerpt, increment, onePerKind, recordFinding, type FuzzReport } from './report.ts';
import { createScratchArea, type ScratchArea } from './scratch.ts';
import type { GenerationContext } from './schema-inputs.ts';
import { realisticStrings } from './seeded.ts';
import { startTarget, type Target } from './target.ts';

export type { Finding, FuzzReport } from './report.ts';

export interface FuzzOptions {
  requests: number;
  seed: number;
  /** An answer slower than this is a hang. */
  timeoutMs?: number;
  /**
   * The in-suite run: leaves out the inputs of known, open findings in code other people are
   * fixing (tests/fuzz/known-issues.ts) and keeps strings under a megabyte.
   */
  inSuite?: boolean;
  /** Progress and findings as they come (on-demand runs print them to stderr). */
  log?: (line: string) => void;
  /** Every request and the start of its answer (FUZZ_TRACE=1 for on-demand runs). */
  trace?: (line: string) => void;
}

/** What one request showed. */
interface Observation {
  code: string;
  problems: Problem[];
  /** The server took the request (answered ok, or is still working on it). */
  accepted: boolean;
  /** One line for the trace. */
  summary: string;
  /** The value of a successful call. */
  value?: unknown;
}

const projectRoot = path.resolve(import.meta.dirname, '..', '..');

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const report = createReport(options.seed);
  const area = await createScratchArea();
  try {
    await fuzz(area, options, report);
  } finally {
    area.remove();
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

async function fuzz(area: ScratchArea, options: FuzzOptions, report: FuzzReport): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const token = `fuzz-${options.seed}-token`;
  const serverConfig = { dataDir: area.dataDir, scratch: area.scratch, rendererDir: area.rendererDir, modelPath: area.modelPath, token };
  let target: Target = await startTarget({ ...serverConfig, seed: true });
  const leakWatch = createLeakWatch([projectRoot, target.ready.cwd]);
  const random = createRandom(options.seed);
  let freshFolders = 0;
  const rows = createIdMemory();
  const inputs: GenerationContext = {
    random,
    paths: hostilePaths(area.scratch, area.knownGood),
    goodPaths: area.knownGood,
    realisticStrings: realisticStrings(),
    freshPath: () => path.join(area.scratch, 'out', `fresh-${options.seed}-${++freshFolders}`),
    hugeStrings: !options.inSuite,
    existingIds: rows.ids,
  };
  const plan = createPlan({
    random,
    inputs,
    token,
    port: () => target.ready.port,
    skipKnown: options.inSuite ? (issue) => increment(report.skippedKnownIssues, issue) : null,
    requests: options.requests,
  });

  const record = (index: number, planned: PlannedRequest | null, problem: Problem) => {
    const subject = planned && { method: planned.method, label: planned.label, input: sentText(planned) };
    recordFinding(report, index, subject, problem);
    options.log?.(`finding #${index + 1} ${problem.kind} ${planned?.method ?? ''} ${planned?.label ?? ''}: ${excerpt(problem.detail, 200)}`);
  };

  for (let index = 0; index < options.requests; index++) {
    const planned = plan.next(index);
    const observation = await observe(planned, target, leakWatch.active(), timeoutMs);
    report.requests += 1;
    increment(report.byMethod, planned.method);
    increment(report.byCode, observation.code);
    options.trace?.(`#${index + 1} ${planned.method} ${planned.label} -> ${observation.summary}\n    ${excerpt(sentText(planned), 300)}`);
    if (observation.accepted) leakWatch.accepted(sentText(planned), index + 1);
    if (observation.value !== undefined) rows.remember(planned.method, observation.value);
    for (const problem of observation.problems) record(index, planned, problem);
    // A crashed target is started again on the same data; a hung one is replaced, since what
    // hangs may hold the database or the model and starve every later request.
    if (target.exited() || observation.code === 'timeout') {
      await target.stop();
      report.serverRestarts += 1;
      target = await startTarget({ ...serverConfig, seed: false });
    }
    if (index % 100 === 99) options.log?.(`${index + 1} requests, ${report.findings.length} findings`);
  }

  const last = options.requests - 1;
  const closed = await target.stop();
  if ('failure' in closed) record(last, null, { kind: 'hang', detail: `closing the server failed: ${closed.failure}\n${stderrEnd(target)}` });
  else for (const key of closed.polluted) record(last, null, { kind: 'pollution', detail: key });
  report.leakCheckRetired = leakWatch.retired();
  report.integrity = checkDatabase(path.join(area.dataDir, 'evaldesk.sqlite'));
  if (report.integrity !== 'ok') record(last, null, { kind: 'integrity', detail: report.integrity });
}

/** Sends one planned request and judges what came back (or did not). */
async function observe(planned: PlannedRequest, target: Target, needles: readonly string[], timeoutMs: number): Promise<Observation> {
  const crashed = async (): Promise<Problem[]> => {
    // Give an exiting process a moment to be noticed.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exit = target.exited();
    return exit ? [{ kind: 'crash', detail: `server exited (${JSON.stringify(exit)})\n${stderrEnd(target)}` }] : [];
  };
  const hang: Problem = { kind: 'hang', detail: `no answer within ${timeoutMs / 1000} s` };

  if (planned.kind === 'ws') {
    const ending = await planned.socket.run(target.ready.port, timeoutMs);
    if (ending === 'timeout') return { code: 'timeout', problems: [hang], accepted: false, summary: ending };
    return { code: `ws-${ending.split(' ')[0]}`, problems: await crashed(), accepted: false, summary: ending };
  }

  const outcome = await sendRaw(target.ready.port, planned.request, timeoutMs);
  if (outcome.type === 'timeout') {
    // Work that never answered may still be going on with what it was given.
    return { code: 'timeout', problems: [hang], accepted: true, summary: 'timeout' };
  }
  if (outcome.type === 'error') {
    const problems = await crashed();
    const dropAllowed = planned.expect === 'dropped-ok' || outcome.code.startsWith('CLIENT_REFUSED');
    if (problems.length === 0 && !dropAllowed) problems.push({ kind: 'malformed', detail: `connection dropped without an answer (${outcome.code})` });
    return { code: 'dropped', problems, accepted: false, summary: outcome.code };
  }
  const code = answerCode(outcome.body, outcome.status, planned.expect);
  const problems = onePerKind(checkAnswer(outcome, sentText(planned), needles, planned.expect === 'json'));
  if (target.exited()) problems.push(...(await crashed()));
  const value = code === 'ok' ? (JSON.parse(outcome.body) as { value: unknown }).value : undefined;
  return { code, problems, accepted: code === 'ok', summary: `${outcome.status} ${outcome.body.slice(0, 160)}`, value };
}

/** The end of the target's stderr, where a crash or a stuck close explains itself. */
function stderrEnd(target: Target): string {
  return `stderr: …${target.stderrTail().slice(-1200)}`;
}

function answerCode(body: string, status: number, expect: string): string {
  try {
    const parsed = JSON.parse(body) as { ok?: boolean; error?: { code?: string } };
    if (parsed.ok === true) return 'ok';
    if (parsed.error?.code) return parsed.error.code;
  } catch {
    // Not JSON: counted by status below.
  }
  return expect === 'json' ? 'malformed' : `http-${status}`;
}

/** `PRAGMA integrity_check` and `foreign_key_check` on the data folder's database after the run. */
function checkDatabase(file: string): string {
  const db = new Database(file);
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check).join('; ');
    if (integrity !== 'ok') return integrity;
    const foreignKeys = db.pragma('foreign_key_check') as unknown[];
    return foreignKeys.length === 0 ? 'ok' : `${foreignKeys.length} foreign key violations: ${JSON.stringify(foreignKeys.slice(0, 3))}`;
  } finally {
    db.close();
  }
}
