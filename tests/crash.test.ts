/**
 * A few kill -9 trials of the crash harness (tests/crash/harness.ts): every scenario, through the
 * CLI and the web bridge. `npm run crash -- 100` runs a hundred and prints the counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCrashTrials } from './crash/harness.ts';

test('killed with SIGKILL while saving, streaming, ingesting, exporting and batch-answering: nothing acknowledged is lost, nothing is stuck or left behind', { timeout: 300_000 }, async (t) => {
  const results = await runCrashTrials({ trials: 10, seed: 20261125, onTrial: (r) => t.diagnostic(`${r.scenario}/${r.target} killed after ${r.killedAfterMs} ms, ${r.acknowledged} acknowledged, recovered: ${r.recovered}: ${r.problems.length ? r.problems.join('; ') : 'ok'}`) });
  assert.deepEqual(
    results.filter((r) => r.problems.length > 0).map((r) => `${r.scenario}/${r.target}: ${r.problems.join('; ')}`),
    [],
  );
  assert.ok(results.some((r) => r.scenario === 'evaluate' && r.target === 'web' && r.acknowledged > 0), 'some evaluations were acknowledged before a kill');
});
