/**
 * `npm run fuzz -- [requests] [seed]`: fuzzes the web bridge with N requests (default 1000) and
 * prints the report as JSON; exits 1 on any finding. Progress goes to stderr; FUZZ_TRACE=1
 * prints every request too.
 */
import { runFuzz } from './fuzzer.ts';
import { findingCount } from './report.ts';

const requests = Number(process.argv[2] ?? 1000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(seed) || seed < 0) {
  console.error('usage: npm run fuzz -- [requests] [seed]');
  process.exit(2);
}
const log = (line: string) => console.error(line);
console.error(`fuzzing ${requests} requests with seed ${seed}`);
const report = await runFuzz({ requests, seed, log, ...(process.env['FUZZ_TRACE'] && { trace: log }) });
console.log(JSON.stringify(report, null, 2));
const findings = findingCount(report);
if (findings > 0) console.error(`${findings} findings; replay with: npm run fuzz -- ${requests} ${seed}`);
process.exit(findings > 0 ? 1 : 0);
