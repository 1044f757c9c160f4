/**
 * Crash harness (issue 10): the real CLI and the real web bridge are killed with SIGKILL at random
 * moments while they save evaluations, stream answers, ingest documents, export and answer a
 * question set in a batch run (issue 13); after each
 * kill the data folder is opened again (taking over the stale lock) and checked:
 *  - `PRAGMA integrity_check` is ok;
 *  - every acknowledged evaluation is there (or a later save of the same log that was sent);
 *  - a question whose answer was streaming is logged (interrupted or complete), and its saved
 *    answer is a prefix of what the user saw;
 *  - nothing is stuck: no answer `answering`, no document `queued`/`ingesting` once recovery ran,
 *    no export journal row, no staging folder, no dataset without a manifest;
 *  - the vector table holds chunks only for ready documents, as many as SQLite says;
 *  - an interrupted batch run is paused as INTERRUPTED and, resumed, answers every question of its
 *    set exactly once (an answer cut off by the kill is never counted as the run's).
 * The trials share one data folder, so each start also recovers what the previous kill left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../electron/core/paths.ts';
import { ensureFixtures, prng } from '../fixtures/tiny-models.ts';
import { openTestApp, tempDir, type TestApp } from '../helpers/app.ts';
import { seedLogs } from '../helpers/seed.ts';

export type Scenario = 'evaluate' | 'stream' | 'ingest' | 'export' | 'batch';
export type Target = 'cli' | 'web';
export const scenarios: Scenario[] = ['evaluate', 'stream', 'ingest', 'export', 'batch'];

export interface TrialResult {
  scenario: Scenario;
  target: Target;
  killedAfterMs: number;
  /** What the trial acknowledged before the kill (evaluations answered, tokens seen…). */
  acknowledged: number;
  /** What start-up recovery found after the kill (evidence that the kill landed mid-work). */
  recovered: string;
  problems: string[];
}

/** A seeded PRNG, so a failing trial can be replayed from its seed. */
export const random = prng;

const cliEntry = path.join(projectRoot, 'bin', 'evaldesk.mjs');
const bridgeEntry = path.join(projectRoot, 'electron', 'adapters', 'web', 'start.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Lab {
  dataDir: string;
  docsDir: string;
  exportsDir: string;
  workspaceId: number;
  modelId: number;
  logIds: number[];
  /** A question set run by the batch scenario, in a workspace of short answers. */
  batchSetId: number;
}

/** Questions in the batch scenario's set: a run of them takes about 2 s here at parallelism 2. */
const batchQuestions = 32;

/** One data folder with a model, a workspace with an embedder, logs to judge and documents to add. */
export async function prepareLab(): Promise<Lab> {
  const fixtures = await ensureFixtures();
  const dataDir = tempDir('evaldesk-crash-');
  const app = await openTestApp({ dataDir });
  try {
    await app.call('settings.update', { embedder: `gguf:${fixtures.tinyChat}` });
    const raw = app.core.internals!.db.raw;
    seedLogs(raw, { logs: 12_000 });
    const model = await app.call('models.add', { path: fixtures.tinyChat });
    const workspace = await app.call('workspaces.create', { name: 'crash lab', temperature: 0, maxTokens: 3000, contextSize: 4096, historyTurns: 0, chunkSize: 32, chunkOverlap: 4, similarityThreshold: -1 });
    const logIds = raw.prepare('SELECT id FROM conversation_logs ORDER BY id LIMIT 200').pluck().all() as number[];
    const docsDir = tempDir('evaldesk-crash-docs-');
    for (let i = 0; i < 30; i++) {
      const body = Array.from({ length: 20 }, (_, j) => `Policy ${i}.${j}: leave requests go to the team lead. 연차는 사흘 전에 신청합니다. 経費は月末締めです。`).join('\n');
      fs.writeFileSync(path.join(docsDir, `policy-${String(i).padStart(2, '0')}.txt`), body);
    }
    const batchWorkspace = await app.call('workspaces.create', { name: 'crash batch', temperature: 0, maxTokens: 48, contextSize: 512, historyTurns: 0 });
    const batchSet = await app.call('questionSets.create', { workspaceId: batchWorkspace.id, name: 'crash set', items: Array.from({ length: batchQuestions }, (_, i) => ({ question: `Batch question ${i + 1}: 연차 ${i}일 / 経費 ${i}件?` })) });
    return { dataDir, docsDir, exportsDir: tempDir('evaldesk-crash-exports-'), workspaceId: workspace.id, modelId: model.id, logIds, batchSetId: batchSet.id };
  } finally {
    await app.close();
  }
}

function spawnNode(args: string[]): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: projectRoot });
  let output = '';
  child.stdout!.on('data', (data: Buffer) => (output += String(data)));
  child.stderr!.on('data', () => {});
  return Object.assign(child, { output: () => output });
}

const cli = (lab: Lab, args: string[]) => spawnNode([cliEntry, '--data-dir', lab.dataDir, '--threads', '1', '--cpu', ...args]);

async function killAfter(child: ChildProcess, ms: number): Promise<void> {
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  await Promise.race([exited, sleep(ms)]);
  child.kill('SIGKILL');
  await exited;
}

/** Starts the web bridge on the lab's folder and returns a caller for its API. */
async function startBridge(lab: Lab): Promise<{ child: ChildProcess; call: (method: string, input: unknown) => Promise<{ ok: boolean; value?: unknown }> }> {
  const child = spawnNode([bridgeEntry, '--data-dir', lab.dataDir, '--port', '0', '--threads', '1', '--cpu']);
  for (let waited = 0; !/running at (\S+)/.test(child.output()); waited += 50) {
    if (waited > 30_000 || child.exitCode !== null) throw new Error(`the web bridge did not start: ${child.output()}`);
    await sleep(50);
  }
  const url = new URL(/running at (\S+)/.exec(child.output())![1]!);
  const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
  const call = async (method: string, input: unknown) => {
    const response = await fetch(new URL('/api/call', url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ method, input }) });
    return (await response.json()) as { ok: boolean; value?: unknown };
  };
  return { child, call };
}

type Expectation = (app: TestApp) => Promise<string[]>;

/**
 * When to kill, in ms after the process was started (CLI) or after the bridge answered (web),
 * measured on this 2-core machine so the kill lands while the work is going on: the CLI needs
 * about 400 ms to start; an export of the lab's 9,000 evaluations takes about 100 ms, a 3,000-token
 * answer about 3 s, the 30 documents about 3.5 s, a batch run of 32 short answers about 2 s after a start of about 1 s.
 */
const killWindows: Record<Scenario, Record<Target, [number, number]>> = {
  evaluate: { cli: [300, 480], web: [100, 1500] },
  stream: { cli: [500, 4000], web: [50, 3000] },
  ingest: { cli: [500, 4000], web: [50, 3500] },
  export: { cli: [380, 560], web: [5, 250] },
  batch: { cli: [900, 3200], web: [100, 1800] },
};

/** The newest batch run in the lab's database (read directly: no app is open between trials). */
function lastRunId(lab: Lab): number {
  const db = new Database(path.join(lab.dataDir, 'evaldesk.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT coalesce(max(id), 0) FROM batch_runs').pluck().get() as number;
  } finally {
    db.close();
  }
}

/** Runs one operation, kills it, and returns what must hold after the restart. */
async function crashOnce(lab: Lab, scenario: Scenario, target: Target, rand: () => number): Promise<{ killedAfterMs: number; acknowledged: number; expect: Expectation }> {
  const [from, to] = killWindows[scenario][target];
  const killedAfterMs = Math.round(from + rand() * (to - from));
  if (scenario === 'evaluate') {
    // Every save sent, in order, per log; the acknowledged ones must survive (or a later save).
    const sent = new Map<number, Array<{ correct: string; acked: boolean }>>();
    const save = (logId: number, correct: string) => sent.set(logId, [...(sent.get(logId) ?? []), { correct, acked: false }]);
    if (target === 'web') {
      const { child, call } = await startBridge(lab);
      let stop = false;
      const loop = (async () => {
        for (let i = 0; !stop; i++) {
          const logId = lab.logIds[Math.floor(rand() * lab.logIds.length)]!;
          const correct = `Correction ${Date.now()}-${i}`;
          save(logId, correct);
          try {
            const result = await call('evaluations.save', { logId, evaluation: 3, reason: 'crash trial', correctAnswer: correct, priority: 2 });
            if (result.ok) sent.get(logId)!.at(-1)!.acked = true;
          } catch {
            return;
          }
        }
      })();
      await killAfter(child, killedAfterMs);
      stop = true;
      await loop;
    } else {
      const logId = lab.logIds[Math.floor(rand() * lab.logIds.length)]!;
      const correct = `CLI correction ${Date.now()}`;
      save(logId, correct);
      const child = cli(lab, ['--json', 'evaluate', String(logId), '--verdict', '2', '--reason', 'crash trial', '--correct', correct, '--priority', '1']);
      await killAfter(child, killedAfterMs);
      if (child.exitCode === 0 && child.output().includes(correct)) sent.get(logId)!.at(-1)!.acked = true;
    }
    const acknowledged = [...sent.values()].flat().filter((s) => s.acked).length;
    return {
      killedAfterMs,
      acknowledged,
      expect: async (app) => {
        const problems: string[] = [];
        const raw = app.core.internals!.db.raw;
        for (const [logId, saves] of sent) {
          const lastAcked = saves.findLastIndex((s) => s.acked);
          if (lastAcked < 0) continue;
          const stored = raw.prepare('SELECT correct_answer FROM evaluations WHERE log_id = ?').pluck().get(logId) as string | undefined;
          const allowed = saves.slice(lastAcked).map((s) => s.correct);
          if (!stored || !allowed.includes(stored)) problems.push(`acknowledged evaluation of log ${logId} lost (found ${stored ?? 'nothing'})`);
        }
        return problems;
      },
    };
  }

  if (scenario === 'stream') {
    const question = `Crash trial question ${Date.now()} ${Math.floor(rand() * 1e6)}`;
    let seen = '';
    if (target === 'cli') {
      const child = cli(lab, ['ask', '--workspace', String(lab.workspaceId), '--model', String(lab.modelId), question]);
      await killAfter(child, killedAfterMs);
      seen = child.output();
    } else {
      const { child, call } = await startBridge(lab);
      await call('runtime.load', { modelId: lab.modelId });
      const session = (await call('sessions.start', { workspaceId: lab.workspaceId, modelId: lab.modelId })) as { value: { id: number } };
      void call('chat.ask', { sessionId: session.value.id, question, requestId: `crash-${Date.now()}` }).catch(() => {});
      await killAfter(child, killedAfterMs);
    }
    return {
      killedAfterMs,
      acknowledged: seen.length,
      expect: async (app) => {
        const raw = app.core.internals!.db.raw;
        const log = raw.prepare('SELECT stop_reason, answer FROM conversation_logs WHERE question = ?').get(question) as { stop_reason: string; answer: string } | undefined;
        // Killed before the question reached the database (process start-up): nothing to keep.
        if (!log) return seen.length > 0 ? [`a question whose answer was streaming (${seen.length} chars seen) has no log`] : [];
        const problems: string[] = [];
        if (!['interrupted', 'finished', 'max_tokens', 'stopped'].includes(log.stop_reason)) problems.push(`streamed answer left as ${log.stop_reason}`);
        if (seen && !seen.startsWith(log.answer)) problems.push('the saved partial answer is not what was streamed');
        return problems;
      },
    };
  }

  if (scenario === 'ingest') {
    if (target === 'cli') {
      await killAfter(cli(lab, ['documents', 'add', '--workspace', String(lab.workspaceId), lab.docsDir]), killedAfterMs);
    } else {
      const { child, call } = await startBridge(lab);
      void call('documents.addFiles', { workspaceId: lab.workspaceId, paths: [lab.docsDir] }).catch(() => {});
      await killAfter(child, killedAfterMs);
    }
    // Touch half of the files, so the next trial re-ingests changed and unchanged documents.
    for (const file of fs.readdirSync(lab.docsDir).filter(() => rand() < 0.5)) fs.appendFileSync(path.join(lab.docsDir, file), `\nEdited ${Date.now()}.`);
    return { killedAfterMs, acknowledged: 0, expect: async () => [] };
  }

  if (scenario === 'batch') {
    const runsBefore = lastRunId(lab);
    if (target === 'cli') {
      await killAfter(cli(lab, ['runs', 'start', '--set', String(lab.batchSetId), '--model', String(lab.modelId), '--parallelism', '2']), killedAfterMs);
    } else {
      const { child, call } = await startBridge(lab);
      await call('runtime.load', { modelId: lab.modelId });
      void call('runs.start', { setId: lab.batchSetId, modelId: lab.modelId, versionIds: [null], parallelism: 2 }).catch(() => {});
      await killAfter(child, killedAfterMs);
    }
    return {
      killedAfterMs,
      acknowledged: 0,
      expect: async (app) => {
        const raw = app.core.internals!.db.raw;
        const run = raw.prepare('SELECT id, status, error_code FROM batch_runs WHERE id > ? ORDER BY id DESC LIMIT 1').get(runsBefore) as { id: number; status: string; error_code: string | null } | undefined;
        // Killed before the run was created (process start-up): nothing to resume.
        if (!run) return [];
        const problems: string[] = [];
        if (run.status !== 'completed' && !(run.status === 'paused' && run.error_code === 'INTERRUPTED')) problems.push(`an interrupted run is ${run.status} (${run.error_code}), not paused as INTERRUPTED`);
        await app.call('runtime.load', { modelId: lab.modelId });
        const resumed = await app.call('runs.resume', { id: run.id, wait: true });
        if (resumed.status !== 'completed') problems.push(`resuming run ${run.id} ended ${resumed.status}`);
        // Every item answered exactly once, by a complete answer to its own question.
        const items = raw
          .prepare('SELECT r.item_id, r.log_id, q.question AS asked, l.question AS answered, l.stop_reason FROM batch_run_items r JOIN question_set_items q ON q.id = r.item_id LEFT JOIN conversation_logs l ON l.id = r.log_id WHERE r.run_id = ?')
          .all(run.id) as Array<{ item_id: number; log_id: number | null; asked: string; answered: string | null; stop_reason: string | null }>;
        if (items.length !== batchQuestions) problems.push(`run ${run.id} has ${items.length} items, not ${batchQuestions}`);
        for (const item of items) {
          if (item.log_id === null) problems.push(`item ${item.item_id} has no answer after resuming`);
          else if (item.answered !== item.asked) problems.push(`item ${item.item_id} is linked to an answer of another question`);
          else if (!['finished', 'max_tokens'].includes(item.stop_reason!)) problems.push(`item ${item.item_id} is linked to a ${item.stop_reason} answer`);
        }
        if (new Set(items.map((i) => i.log_id)).size !== items.length) problems.push('two items share one answer');
        return problems;
      },
    };
  }

  const name = `crash-${Date.now()}`;
  const outDir = path.join(lab.exportsDir, name);
  if (target === 'cli') {
    await killAfter(cli(lab, ['export', '--format', 'mlx', '--name', name, '--out', outDir]), killedAfterMs);
  } else {
    const { child, call } = await startBridge(lab);
    void call('export.run', { format: 'openai', name, outDir }).catch(() => {});
    await killAfter(child, killedAfterMs);
  }
  return {
    killedAfterMs,
    acknowledged: 0,
    expect: async (app) => {
      const exported = fs.existsSync(outDir);
      const raw = app.core.internals!.db.raw;
      const dataset = raw.prepare('SELECT manifest FROM datasets WHERE out_dir = ?').get(outDir) as { manifest: string } | undefined;
      const problems: string[] = [];
      if (exported !== Boolean(dataset)) problems.push(`export folder ${exported ? 'exists without' : 'missing for'} its dataset row`);
      if (exported && !fs.existsSync(path.join(outDir, 'manifest.json'))) problems.push('an exported folder has no manifest');
      return problems;
    },
  };
}

/** What must hold in any data folder after start-up recovery, whatever was killed. */
async function invariants(app: TestApp, lab: Lab): Promise<string[]> {
  const problems: string[] = [];
  const raw = app.core.internals!.db.raw;
  const integrity = raw.prepare('PRAGMA integrity_check').pluck().all() as string[];
  if (integrity.join() !== 'ok') problems.push(`integrity_check: ${integrity.slice(0, 3).join('; ')}`);
  const answering = raw.prepare("SELECT count(*) FROM conversation_logs WHERE stop_reason = 'answering'").pluck().get() as number;
  if (answering) problems.push(`${answering} log(s) still answering`);
  if (raw.prepare('SELECT count(*) FROM pending_exports').pluck().get()) problems.push('export journal rows left');
  if (raw.prepare('SELECT count(*) FROM datasets WHERE manifest IS NULL').pluck().get()) problems.push('datasets without a manifest');
  if (raw.prepare('SELECT count(*) FROM dataset_items i LEFT JOIN datasets d ON d.id = i.dataset_id WHERE d.id IS NULL').pluck().get()) problems.push('orphan dataset items');
  const debris = fs.readdirSync(lab.exportsDir).filter((name) => name.includes('.partial-'));
  if (debris.length) problems.push(`staging folders left: ${debris.join(', ')}`);

  // Recovery re-ingests interrupted files in the background: wait for it (bounded).
  for (let waited = 0; waited < 60_000; waited += 200) {
    if (!raw.prepare("SELECT count(*) FROM documents WHERE status IN ('queued', 'ingesting')").pluck().get()) break;
    await sleep(200);
  }
  const stuck = raw.prepare("SELECT count(*) FROM documents WHERE status IN ('queued', 'ingesting')").pluck().get() as number;
  if (stuck) problems.push(`${stuck} document(s) stuck ingesting`);
  const vectors = app.core.internals!.vectors;
  const documents = raw.prepare('SELECT doc_id, status, chunk_count, embedder_id, dimensions FROM documents WHERE embedder_id IS NOT NULL').all() as Array<{ doc_id: string; status: string; chunk_count: number; embedder_id: string; dimensions: number }>;
  for (const doc of documents) {
    const stored = await vectors.countRows(doc.embedder_id, doc.dimensions, { docId: doc.doc_id });
    const expected = doc.status === 'ready' ? doc.chunk_count : 0;
    if (stored !== expected) problems.push(`${doc.doc_id} (${doc.status}): ${stored} chunks stored, ${expected} expected`);
  }
  return problems;
}

/** Runs `trials` crash trials; each scenario and target in turn, kill moments from the seed. */
export async function runCrashTrials(options: { trials: number; seed: number; onTrial?: (result: TrialResult) => void }): Promise<TrialResult[]> {
  const lab = await prepareLab();
  const rand = random(options.seed);
  const results: TrialResult[] = [];
  for (let i = 0; i < options.trials; i++) {
    const scenario = scenarios[i % scenarios.length]!;
    const target: Target = Math.floor(i / scenarios.length) % 2 === 0 ? 'cli' : 'web';
    const { killedAfterMs, acknowledged, expect } = await crashOnce(lab, scenario, target, rand);
    // Restart as the app does: lock taken over from the killed process, recovery, then checks.
    let problems: string[];
    let app: TestApp | null = null;
    let recovered = '';
    try {
      app = await openTestApp({ dataDir: lab.dataDir, lockDataDir: true });
      const found = app.core.recovery;
      recovered = found ? Object.entries(found).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || 'nothing' : 'not the owner';
      if (app.core.startupError) problems = [`restart failed: ${app.core.startupError.code} ${app.core.startupError.message}`];
      else problems = [...(await expect(app)), ...(await invariants(app, lab))];
    } catch (error) {
      problems = [`restart threw: ${(error as Error).message}`];
    } finally {
      await app?.close();
    }
    const result = { scenario, target, killedAfterMs, acknowledged, recovered, problems };
    results.push(result);
    options.onTrial?.(result);
  }
  return results;
}
