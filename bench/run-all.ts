/** `npm run bench`: every benchmark in turn, each printing its own JSON. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

for (const [script, ...args] of [['streaming.ts'], ['versions.ts'], ['export.ts', '100000'], ['log-query.ts', '1000000'], ['ingestion.ts', '100', '0'], ['ingestion.ts', '100', '65536'], ['vector-search.ts', '10000,100000,1000000'], ['batch-run.ts'], ['scorecard.ts', '100000'], ['agreement.ts'], ['sign-in.ts'], ['permission.ts'], ['caches.ts'], ['extraction.ts']]) {
  execFileSync(process.execPath, [path.join(import.meta.dirname, script!), ...args], { stdio: 'inherit' });
}
