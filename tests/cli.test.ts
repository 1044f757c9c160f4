import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ensureFixtures } from './fixtures/tiny-models.ts';
import { callAs, openTestApp, tempDir } from './helpers/app.ts';
import { evaldesk, evaldeskWithEnv } from './helpers/cli.ts';
import { runtimeOverrides } from '../electron/core/runtime-flags.ts';

const fixtures = await ensureFixtures();

test('the CLI runs the whole loop: model, workspace, ask, evaluate, logs, export, mark trained', async () => {
  const dataDir = tempDir();
  const added = await evaldesk(dataDir, 'models', 'add', fixtures.tinyChat);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Registered model 1: tiny-llama-chat \(llama, ALL_F32, chat template: yes\)/);
  assert.match((await evaldesk(dataDir, 'workspaces', 'create', '--name', '社内規程 PoC', '--system-prompt', 'Answer briefly.', '--max-tokens', '16')).stdout, /Created workspace 1/);

  const answers: string[] = [];
  for (const question of ['What is the travel policy?', '출장 규정은?']) {
    const asked = await evaldesk(dataDir, 'ask', '--workspace', '1', '--model', '1', question);
    assert.equal(asked.code, 0, asked.stderr);
    assert.match(asked.stderr, /\[log \d+, session \d+, thread \d+: (finished|max_tokens), \d+ tokens/);
    answers.push(asked.stdout);
  }
  assert.equal((await evaldesk(dataDir, 'evaluate', '1', '--verdict', '1')).code, 0);
  assert.equal((await evaldesk(dataDir, 'evaluate', '2', '--verdict', '3', '--reason', 'wrong', '--correct', '출장은 사전 승인이 필요합니다.', '--priority', '1')).code, 0);

  const logs = await evaldesk(dataDir, '--json', 'logs');
  const rows = JSON.parse(logs.stdout) as Array<{ id: number; evaluation: number }>;
  assert.deepEqual(rows.map((r) => [r.id, r.evaluation]).sort(), [[1, 1], [2, 3]]);

  const out = path.join(tempDir(), 'set');
  const exported = await evaldesk(dataDir, 'export', '--format', 'mlx', '--name', 'cli', '--out', out, '--seed', '3');
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /Exported 2 examples/);
  const lines = ['train.jsonl', 'valid.jsonl'].flatMap((f) => fs.readFileSync(path.join(out, f), 'utf8').trim().split('\n'));
  const targets = lines.map((l) => (JSON.parse(l) as { messages: Array<{ content: string }> }).messages.at(-1)!.content);
  assert.ok(targets.includes('출장은 사전 승인이 필요합니다.'));
  assert.match((await evaldesk(dataDir, 'mark-trained', '1')).stdout, /2 evaluation\(s\) marked as trained/);
});

test('CLI bad input: clear messages and exit codes, nothing changed', async () => {
  const dataDir = tempDir();
  const broken = await evaldesk(dataDir, 'models', 'add', fixtures.notAModel);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /Error \(MODEL_INVALID\): not-a-model\.gguf is not a GGUF model file/);
  const verdict = await evaldesk(dataDir, 'evaluate', '1', '--verdict', '7');
  assert.equal(verdict.code, 1);
  assert.match(verdict.stderr, /VALIDATION/);
  const unknown = await evaldesk(dataDir, 'frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command "frobnicate"/);
  const empty = await evaldesk(dataDir, 'export', '--name', 'nothing');
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /EXPORT_EMPTY/);
  const badJson = await evaldesk(dataDir, 'call', 'workspaces.create', '{name:');
  assert.equal(badJson.code, 2);
  assert.match((await evaldesk(dataDir, '--json', 'models', 'list')).stdout.trim(), /^\[\]$/);
});

test('the CLI continues threads, summarizes a text file in a legacy encoding and fills a document template; bad task options are usage errors', async () => {
  const dataDir = tempDir();
  assert.equal((await evaldesk(dataDir, 'models', 'add', fixtures.tinyChat)).code, 0);
  await evaldesk(dataDir, 'workspaces', 'create', '--name', 'QA', '--max-tokens', '8');
  const first = await evaldesk(dataDir, 'ask', '--workspace', '1', '--model', '1', '해지 통보 기간은?');
  assert.match(first.stderr, /thread 1:/);
  const continued = await evaldesk(dataDir, 'ask', '--workspace', '1', '--model', '1', '--thread', '1', 'And the penalty?');
  assert.equal(continued.code, 0, continued.stderr);
  assert.match(continued.stderr, /session 2, thread 1:/);
  const threads = await evaldesk(dataDir, 'threads', '--workspace', '1');
  assert.match(threads.stdout, /^1\t2 answers\t.*\t해지 통보 기간은\?$/m);

  await evaldesk(dataDir, 'workspaces', 'create', '--name', 'Summaries', '--category', 'summary', '--max-tokens', '8');
  const source = path.join(tempDir(), 'policy.txt');
  const iconv = (await import('iconv-lite')).default;
  fs.writeFileSync(source, iconv.encode('해지 통보는 계약 만료 30일 전까지 서면으로 해야 한다.', 'euc-kr'));
  const summary = await evaldesk(dataDir, '--json', 'ask', '--workspace', '2', '--model', '1', '--summarize-file', source, '--length', '20');
  assert.equal(summary.code, 0, summary.stderr);
  const log = JSON.parse(summary.stdout) as { question: string; task: { kind: string; targetLength: number; unit: string } };
  assert.match(log.question, /해지 통보는 계약 만료 30일 전까지 서면으로 해야 한다\.$/);
  assert.deepEqual([log.task.kind, log.task.targetLength, log.task.unit], ['summary', 20, 'characters']);

  await evaldesk(dataDir, 'workspaces', 'create', '--name', 'Reports', '--category', 'doc_gen', '--max-tokens', '8');
  const template = await evaldesk(dataDir, '--json', 'call', 'prompts.saveTemplate', JSON.stringify({ workspaceId: 3, category: 'doc_gen', kind: 'document', name: 'weekly', body: '# Weekly {{project}}', variables: [{ name: 'project', required: true }] }));
  const templateId = (JSON.parse(template.stdout) as { id: number }).id;
  const generated = await evaldesk(dataDir, '--json', 'ask', '--workspace', '3', '--model', '1', '--template', String(templateId), '--var', 'project=Falcon');
  assert.equal(generated.code, 0, generated.stderr);
  assert.match((JSON.parse(generated.stdout) as { question: string }).question, /# Weekly Falcon$/);

  const noLength = await evaldesk(dataDir, 'ask', '--workspace', '2', '--model', '1', '--summarize-file', source);
  assert.equal(noLength.code, 2);
  assert.match(noLength.stderr, /--length/);
  const badVar = await evaldesk(dataDir, 'ask', '--workspace', '3', '--model', '1', '--template', String(templateId), '--var', 'project');
  assert.equal(badVar.code, 2);
  const binary = path.join(tempDir(), 'image.txt');
  fs.writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0xff, 0x00]));
  const refused = await evaldesk(dataDir, 'ask', '--workspace', '2', '--model', '1', '--summarize-file', binary, '--length', '5');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /image\.txt/);
  const missing = await evaldesk(dataDir, 'ask', '--workspace', '3', '--model', '1', '--template', String(templateId));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /VALIDATION/);
  // Nothing refused was logged: one question per workspace went through.
  assert.equal((JSON.parse((await evaldesk(dataDir, '--json', 'logs')).stdout) as unknown[]).length, 4);
});

test('the CLI ingests documents: one line per file, failures named, exit code 1 when any failed', async () => {
  const dataDir = tempDir();
  assert.equal((await evaldesk(dataDir, 'call', 'settings.update', JSON.stringify({ embedder: `gguf:${fixtures.tinyChat}` }))).code, 0);
  await evaldesk(dataDir, 'workspaces', 'create', '--name', 'Docs');
  const folder = tempDir('evaldesk-cli-docs-');
  fs.writeFileSync(path.join(folder, 'rules.md'), '# 規程\n休暇は三日前までに申請します。');
  fs.writeFileSync(path.join(folder, 'broken.pdf'), '%PDF-1.4 nothing else');
  const added = await evaldesk(dataDir, 'documents', 'add', '--workspace', '1', folder);
  assert.equal(added.code, 1);
  assert.match(added.stdout, /^added\t.*rules\.md$/m);
  assert.match(added.stdout, /^failed\t.*broken\.pdf\tbroken\.pdf is not a readable PDF/m);
  const listed = await evaldesk(dataDir, 'documents', 'list', '--workspace', '1');
  assert.match(listed.stdout, /ready\t1 chunks\tshared\tfile:rules\.md#/);
  assert.equal((await evaldesk(dataDir, 'documents', 'add', folder)).code, 2, 'a missing --workspace is a usage error');
});

test('the CLI runs a question set on the base and resumes a run; bad runs input is a clear error', async () => {
  const dataDir = tempDir();
  await evaldesk(dataDir, 'models', 'add', fixtures.tinyChat);
  await evaldesk(dataDir, 'workspaces', 'create', '--name', 'runs', '--max-tokens', '12');
  const questions = ['What is the notice period?', '연차는 언제 신청하나요?', '経費の締めは？'];
  const set = await evaldesk(dataDir, '--json', 'call', 'questionSets.create', JSON.stringify({ workspaceId: 1, name: 'cli set', items: questions.map((question) => ({ question })) }));
  assert.equal(set.code, 0, set.stderr);

  const started = await evaldesk(dataDir, 'runs', 'start', '--set', '1', '--model', '1', '--version', 'base', '--parallelism', '2');
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stdout, /^run 1\tbase\tcompleted\t3\/3$/m);
  assert.match(started.stderr, /run:1 3\/3 100%/, 'progress on stderr');
  const listed = JSON.parse((await evaldesk(dataDir, '--json', 'runs', 'list', '--workspace', '1')).stdout) as Array<{ id: number; answered: number; status: string }>;
  assert.deepEqual(listed.map((r) => [r.id, r.status, r.answered]), [[1, 'completed', 3]]);
  // A completed run resumes to itself: nothing is asked twice.
  const resumed = await evaldesk(dataDir, 'runs', 'resume', '1');
  assert.equal(resumed.code, 0, resumed.stderr);
  const logs = JSON.parse((await evaldesk(dataDir, '--json', 'logs')).stdout) as Array<{ question: string }>;
  assert.deepEqual(logs.map((l) => l.question).sort(), [...questions].sort());

  const unknownRun = await evaldesk(dataDir, 'runs', 'resume', '99');
  assert.equal(unknownRun.code, 1);
  assert.match(unknownRun.stderr, /Error \(NOT_FOUND\): Run 99 does not exist/);
  const unknownVersion = await evaldesk(dataDir, 'runs', 'start', '--set', '1', '--model', '1', '--version', '7');
  assert.equal(unknownVersion.code, 1);
  assert.match(unknownVersion.stderr, /NOT_FOUND/);
  const badNumber = await evaldesk(dataDir, 'runs', 'start', '--set', 'one', '--model', '1');
  assert.equal(badNumber.code, 2);
  assert.match(badNumber.stderr, /--set must be a number/);
  assert.equal((await evaldesk(dataDir, 'runs', 'frobnicate')).code, 2);
});

test('in multi-user mode the CLI signs in with --user and EVALDESK_PASSWORD: a wrong or missing password is refused, an evaluator cannot call an admin method', async () => {
  const dataDir = tempDir();
  // Multi-user mode and an evaluator, set up through the API on the same data folder, closed before the CLI runs.
  const app = await openTestApp({ dataDir });
  try {
    const { token } = await app.call('auth.enableMultiUser', { username: 'lead', password: '팀장의 비밀 문구 2026!' });
    const lead = callAs(app.core, (await app.core.resolveCaller(token!))!);
    await lead('users.create', { username: '김평가', displayName: '김 평가자', role: 'evaluator', password: '평가자의 긴 비밀번호 7' });
  } finally {
    await app.close();
  }
  const as = async (password: string | undefined, ...args: string[]) => {
    const env = { ...process.env };
    delete env['EVALDESK_PASSWORD'];
    if (password !== undefined) env['EVALDESK_PASSWORD'] = password;
    return evaldeskWithEnv(env, dataDir, ...args);
  };

  const signedIn = await as('평가자의 긴 비밀번호 7', '--user', '김평가', '--json', 'call', 'users.current', '{}');
  assert.equal(signedIn.code, 0, signedIn.stderr);
  const me = JSON.parse(signedIn.stdout) as { username: string; role: string };
  assert.deepEqual([me.username, me.role], ['김평가', 'evaluator']);
  assert.match((await as('팀장의 비밀 문구 2026!', '--user', 'lead', 'workspaces', 'list')).stdout, /No workspaces yet\./);

  const wrong = await as('not the password', '--user', '김평가', 'workspaces', 'list');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^Error \(UNAUTHENTICATED\): /);
  assert.ok(!wrong.stderr.includes('not the password'), 'the password is never echoed');
  const missing = await as(undefined, '--user', '김평가', 'workspaces', 'list');
  assert.equal(missing.code, 2, 'a missing password is a usage error');
  assert.match(missing.stderr, /EVALDESK_PASSWORD/);
  const anonymous = await as(undefined, 'workspaces', 'list');
  assert.equal(anonymous.code, 1, 'multi-user mode: no command runs without signing in');
  assert.match(anonymous.stderr, /UNAUTHENTICATED/);

  const forbidden = await as('평가자의 긴 비밀번호 7', '--user', '김평가', 'call', 'users.create', JSON.stringify({ username: 'mallory', displayName: 'M', role: 'admin', password: 'mallory password 99' }));
  assert.equal(forbidden.code, 1);
  assert.match(forbidden.stderr, /^Error \(FORBIDDEN\): /);
  const users = await as('팀장의 비밀 문구 2026!', '--user', 'lead', '--json', 'call', 'users.list', '{}');
  assert.equal(users.code, 0, users.stderr);
  assert.deepEqual((JSON.parse(users.stdout) as Array<{ username: string }>).map((user) => user.username).sort(), ['lead', '김평가'], 'nobody was added');
});

test('the runtime switches (--threads, --cpu, --flash-attention) are checked before anything runs; a bad value is a usage error naming it', async () => {
  assert.deepEqual(runtimeOverrides({ threads: '0', cpu: true, 'flash-attention': 'off' }), { threads: 0, gpu: 'cpu', flashAttention: 'off' });
  assert.deepEqual(runtimeOverrides({}), {});
  for (const [values, pattern] of [
    [{ threads: 'abc' }, /--threads must be a whole number/],
    [{ threads: '1.5' }, /--threads/],
    [{ threads: '-1' }, /--threads/],
    [{ threads: ' ' }, /--threads/],
    [{ 'flash-attention': 'sometimes' }, /--flash-attention must be auto, on or off, got "sometimes"/],
  ] as const) {
    assert.throws(() => runtimeOverrides(values), pattern);
  }
  const dataDir = tempDir();
  const refused = await evaldesk(dataDir, '--flash-attention', 'yes', 'models', 'list');
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--flash-attention must be auto, on or off, got "yes"/);
  assert.ok(!fs.existsSync(path.join(dataDir, 'evaldesk.sqlite')), 'nothing was opened');
  const listed = await evaldesk(dataDir, '--flash-attention', 'off', 'models', 'list');
  assert.equal(listed.code, 0, listed.stderr);
  // `npm run web` reads the same switches the same way.
  const webDir = tempDir();
  const web = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '..', 'electron', 'adapters', 'web', 'start.ts'), '--data-dir', webDir, '--threads', 'many'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(web.status, 2);
  assert.match(web.stderr, /--threads must be a whole number from 0 to 512/);
  assert.ok(!fs.existsSync(path.join(webDir, 'evaldesk.sqlite')));
});
