/**
 * `npm run crash -- [trials] [seed]`: runs the crash harness and prints JSON counts. Exits
 * non-zero when any trial found a problem; each problem is printed with its trial's kill moment.
 */
import { runCrashTrials, scenarios } from './harness.ts';

const trials = Number(process.argv[2] ?? 100);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
const started = performance.now();
const results = await runCrashTrials({
  trials,
  seed,
  onTrial: (r) => process.stderr.write(`${r.scenario}/${r.target} killed after ${r.killedAfterMs} ms, recovered: ${r.recovered}: ${r.problems.length ? r.problems.join('; ') : 'ok'}\n`),
});
const count = (filter: (r: (typeof results)[number]) => boolean) => results.filter(filter).length;
const summary = {
  harness: 'crash',
  seed,
  trials: results.length,
  seconds: Math.round((performance.now() - started) / 1000),
  byScenario: Object.fromEntries(scenarios.map((s) => [s, count((r) => r.scenario === s)])),
  byTarget: { cli: count((r) => r.target === 'cli'), web: count((r) => r.target === 'web') },
  acknowledgedEvaluations: results.filter((r) => r.scenario === 'evaluate').reduce((sum, r) => sum + r.acknowledged, 0),
  /** Trials after which start-up recovery had something to do: the kill landed mid-work. */
  trialsWithRecovery: count((r) => r.recovered !== 'nothing' && r.recovered !== 'not the owner'),
  trialsWithProblems: count((r) => r.problems.length > 0),
  problems: results.filter((r) => r.problems.length > 0).map((r) => ({ scenario: r.scenario, target: r.target, killedAfterMs: r.killedAfterMs, problems: r.problems })),
};
console.log(JSON.stringify(summary, null, 2));
process.exitCode = summary.trialsWithProblems > 0 ? 1 : 0;
