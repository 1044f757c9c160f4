/**
 * Log browser query over 1,000,000 logs: filters + one page of 100, sorted, through the real
 * service (Kysely over better-sqlite3). Target (issue 2): p95 <= 20 ms.
 */
import { openTestApp, tempDir } from '../tests/helpers/app.ts';
import { seedLogs } from '../tests/helpers/seed.ts';
import { median, percentile, round } from './lib.ts';
import type { MethodInput } from '../shared/contract/api.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const app = await openTestApp({ dataDir: tempDir('evaldesk-bench-logs-') });
const seedStarted = performance.now();
seedLogs(app.core.internals!.db.raw, { logs: count, workspaces: 5, models: 4 });
app.core.internals!.db.raw.exec('ANALYZE');
const seedSeconds = (performance.now() - seedStarted) / 1000;

const queries: Array<{ name: string; input: MethodInput<'logs.query'> }> = [
  { name: 'newest, no filter', input: {} },
  { name: 'workspace', input: { filters: { workspaceId: 3 } } },
  { name: 'workspace + model', input: { filters: { workspaceId: 2, modelId: 3 } } },
  { name: 'verdict 3', input: { filters: { evaluation: 3 } } },
  { name: 'not evaluated, oldest', input: { filters: { evaluation: 0 }, sort: 'oldest' } },
  { name: 'priority 1 + status 1', input: { filters: { priority: 1, status: 1 } } },
  { name: 'date range', input: { filters: { from: '2026-01-03', to: '2026-01-05' } } },
  { name: 'workspace + verdict 2 + date', input: { filters: { workspaceId: 1, evaluation: 2, from: '2026-01-02' } } },
  { name: 'text, ~1% of logs (Japanese)', input: { filters: { text: '議題42号' } } },
  { name: 'text, ~1% (Korean) + workspace', input: { filters: { text: '주제13번', workspaceId: 4 } } },
  { name: 'text, one log (id tag)', input: { filters: { text: '#123457' } } },
  { name: 'slowest', input: { sort: 'slowest' } },
  { name: 'deep page (cursor)', input: {} },
];

// The deep-page query starts from a cursor 50 pages in.
let cursor: string | null = null;
for (let i = 0; i < 50; i++) cursor = (await app.call('logs.query', cursor ? { limit: 100, cursor } : { limit: 100 })).nextCursor;
queries[queries.length - 1]!.input = { cursor };

const results = [];
const all: number[] = [];
for (const query of queries) {
  const times: number[] = [];
  await app.call('logs.query', { ...query.input, limit: 100 });
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    await app.call('logs.query', { ...query.input, limit: 100 });
    times.push(performance.now() - started);
  }
  all.push(...times);
  results.push({ query: query.name, p50Ms: round(median(times)), p95Ms: round(percentile(times, 95)) });
}
const countStarted = performance.now();
await app.call('logs.count', { filters: { evaluation: 3 } });
const countMs = performance.now() - countStarted;
await app.close();
console.log(
  JSON.stringify(
    { benchmark: 'log-query', logs: count, seedSeconds: round(seedSeconds, 1), overall: { p50Ms: round(median(all)), p95Ms: round(percentile(all, 95)) }, perQuery: results, countVerdict3Ms: round(countMs), target: { p95Ms: 20 } },
    null,
    2,
  ),
);
