/**
 * Export of 100,000 evaluated logs to the MLX format. Seeding happens in this process; the export
 * runs in a fresh child process so its peak RSS is the export's own.
 * Target (issue 2): <= 5 s and <= 200 MB peak RSS.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { openTestApp, tempDir } from '../tests/helpers/app.ts';
import { seedLogs } from '../tests/helpers/seed.ts';
import { round } from './lib.ts';

const count = Number(process.argv[2] ?? 100_000);

if (process.argv[2] === '--child') {
  const dataDir = process.argv[3]!;
  const app = await openTestApp({ dataDir });
  const started = performance.now();
  const result = await app.call('export.run', { format: 'mlx', name: `bench-${Date.now()}`, seed: 1 });
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  console.log(JSON.stringify({ seconds, examples: result.manifest.counts.total, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  const dataDir = tempDir('evaldesk-bench-export-');
  const app = await openTestApp({ dataDir });
  // Every log evaluated: verdicts 1, 2, 3 in turn, each 2/3 with a correct answer.
  seedLogs(app.core.internals!.db.raw, { logs: count, verdict: (i) => ((i % 3) + 1) as 1 | 2 | 3 });
  await app.close();
  const runs = [0, 1, 2].map(() =>
    JSON.parse(execFileSync(process.execPath, [path.join(import.meta.dirname, 'export.ts'), '--child', dataDir], { encoding: 'utf8' })) as {
      seconds: number;
      examples: number;
      peakRssMb: number;
    },
  );
  const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b);
  console.log(
    JSON.stringify(
      {
        benchmark: 'export-mlx',
        logs: count,
        examples: runs[0]!.examples,
        secondsMedian: round(seconds[1]!),
        secondsAll: seconds.map((s) => round(s)),
        peakRssMbMax: round(Math.max(...runs.map((r) => r.peakRssMb)), 1),
        target: { seconds: 5, peakRssMb: 200 },
      },
      null,
      2,
    ),
  );
}
