/**
 * The cost of the per-call permission check (issue 14 target: <= 2 % per call): the same calls
 * through the real dispatcher with and without the access control, as an evaluator who is a
 * member of the workspace, in multi-user mode, on a workspace of 10,000 logs. Also shown: the
 * cost of resolving the caller from a session token on every call (what the adapters add).
 * Medians of `runs` (argv[2], default 9) interleaved batches of `calls` calls (argv[3], 2000).
 */
import { openTestApp, tempDir } from '../tests/helpers/app.ts';
import { seedLogs } from '../tests/helpers/seed.ts';
import { createDispatcher } from '../electron/core/dispatcher.ts';
import type { MethodName } from '../shared/contract/api.ts';
import { median, round } from './lib.ts';

const runs = Number(process.argv[2] ?? 9);
const calls = Number(process.argv[3] ?? 2000);
const app = await openTestApp({ dataDir: tempDir('evaldesk-bench-permission-') });
const raw = app.core.internals!.db.raw;
seedLogs(raw, { logs: 10_000, workspaces: 2, models: 1 });
const workspaceId = raw.prepare('SELECT min(id) FROM workspaces').pluck().get() as number;
const logIds = raw.prepare('SELECT id FROM conversation_logs WHERE workspace_id = ? LIMIT 500').pluck().all(workspaceId) as number[];
const sessionId = raw.prepare('SELECT min(id) FROM sessions WHERE workspace_id = ?').pluck().get(workspaceId) as number;
await app.call('auth.enableMultiUser', { username: 'lead', password: 'a long enough password 1' });
const signIn = await app.core.dispatch('auth.signIn', { username: 'lead', password: 'a long enough password 1' }, null);
const leadCaller = (await app.core.resolveCaller((signIn as { value: { token: string } }).value.token))!;
const created = await app.core.dispatch('users.create', { username: 'eva', displayName: 'Eva', role: 'evaluator', password: 'another long password 2' }, leadCaller);
const eva = (created as { value: { user: { id: number } } }).value.user;
await app.core.dispatch('workspaces.setMember', { workspaceId, userId: eva.id, member: true }, leadCaller);
const evaToken = ((await app.core.dispatch('auth.signIn', { username: 'eva', password: 'another long password 2' }, null)) as { value: { token: string } }).value.token;
const evaCaller = (await app.core.resolveCaller(evaToken))!;

const { implementations, access } = app.core.internals!;
const checked = createDispatcher(implementations, access);
const unchecked = createDispatcher(implementations);

// A typical mix of what an evaluator's screen calls, each a read by id or of a workspace.
const mix: Array<[MethodName, (i: number) => unknown]> = [
  ['logs.get', (i) => ({ id: logIds[i % logIds.length] })],
  ['sessions.get', () => ({ id: sessionId })],
  ['questionSets.list', () => ({ workspaceId })],
  ['workspaces.get', () => ({ id: workspaceId })],
];

async function batch(kind: 'checked' | 'unchecked' | 'resolved'): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const [method, input] = mix[i % mix.length]!;
    const result =
      kind === 'unchecked' ? await unchecked(method, input(i), evaCaller) : kind === 'checked' ? await checked(method, input(i), evaCaller) : await checked(method, input(i), await app.core.resolveCaller(evaToken));
    if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  }
  return ((performance.now() - started) * 1000) / calls;
}

for (const kind of ['unchecked', 'checked', 'resolved'] as const) await batch(kind);
const times = { unchecked: [] as number[], checked: [] as number[], resolved: [] as number[] };
for (let r = 0; r < runs; r++) for (const kind of r % 2 ? (['checked', 'unchecked', 'resolved'] as const) : (['unchecked', 'checked', 'resolved'] as const)) times[kind].push(await batch(kind));
const per = (kind: keyof typeof times) => median(times[kind]);
console.log(
  JSON.stringify(
    {
      benchmark: 'permission-check',
      calls,
      runs,
      mix: mix.map(([method]) => method),
      microsecondsPerCall: { withoutCheck: round(per('unchecked'), 1), withCheck: round(per('checked'), 1), withCheckAndSessionResolution: round(per('resolved'), 1) },
      overheadPercent: round((per('checked') / per('unchecked') - 1) * 100, 2),
      overheadWithSessionResolutionPercent: round((per('resolved') / per('unchecked') - 1) * 100, 2),
      target: { overheadPercent: 2 },
    },
    null,
    2,
  ),
);
await app.close();
