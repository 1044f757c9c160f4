/**
 * Score card over N judged logs (issue 13 target: p95 <= 50 ms at 100,000): the whole card of
 * one workspace (per version, per run, priority, category, tag, A/B, timeline) through the real
 * service, in one workspace holding all the judged logs.
 */
import { openTestApp, tempDir } from '../tests/helpers/app.ts';
import { seedLogs } from '../tests/helpers/seed.ts';
import { median, percentile, round } from './lib.ts';

const count = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 30);
const app = await openTestApp({ dataDir: tempDir('evaldesk-bench-scorecard-') });
const raw = app.core.internals!.db.raw;
// Every log judged (1, 2 or 3), in one workspace, as a PoC at the end of its evaluation would be.
seedLogs(raw, { logs: count, workspaces: 1, models: 1, verdict: (i) => ((i % 3) + 1) as 1 | 2 | 3 });
raw.exec('ANALYZE');
const workspaceId = raw.prepare('SELECT min(id) FROM workspaces').pluck().get() as number;
const judged = raw.prepare('SELECT count(*) FROM evaluations').pluck().get() as number;

await app.call('scorecards.get', { workspaceId });
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  await app.call('scorecards.get', { workspaceId });
  times.push(performance.now() - started);
}
console.log(JSON.stringify({ benchmark: 'scorecard', judgedLogs: judged, runs, p50Ms: round(median(times)), p95Ms: round(percentile(times, 95)), maxMs: round(Math.max(...times)), target: { p95Ms: 50 } }, null, 2));
await app.close();
