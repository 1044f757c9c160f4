import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestApp, rejectsWithCode } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

test('a verdict is saved once per log and evaluator, and saving again updates it', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 3, verdict: () => null });
    const first = await app.call('evaluations.save', { logId: 1, evaluation: 3, reason: 'Wrong policy', correctAnswer: 'The right answer', priority: 1, memo: 'check with legal' });
    assert.equal(first.evaluation, 3);
    assert.equal(first.status, 1);
    const second = await app.call('evaluations.save', { logId: 1, evaluation: 2, reason: 'Partly right', correctAnswer: 'A fuller answer', priority: 2 });
    assert.equal(second.id, first.id);
    assert.equal(second.evaluation, 2);
    assert.equal(second.memo, null);
    const detail = await app.call('logs.get', { id: 1 });
    assert.equal(detail.evaluations.length, 1);

    // A second evaluator is possible: the schema keys verdicts by (log, evaluator).
    const raw = app.core.internals!.db.raw;
    raw.prepare("INSERT INTO users (username, display_name, role, created_at) VALUES ('expert2', 'Expert 2', 'evaluator', ?)").run(new Date().toISOString());
    raw.prepare("INSERT INTO evaluations (log_id, evaluator_id, evaluation, status, created_at, updated_at) VALUES (1, 2, 1, 1, 'x', 'x')").run();
    assert.equal((await app.call('logs.get', { id: 1 })).evaluations.length, 2);
  } finally {
    await app.close();
  }
});

test('a 2 or 3 without a correct answer is kept as a draft verdict', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 1, verdict: () => null });
    const saved = await app.call('evaluations.save', { logId: 1, evaluation: 3, correctAnswer: '   ' });
    assert.equal(saved.correctAnswer, null, 'blank text is not a correct answer');
  } finally {
    await app.close();
  }
});

test('invalid evaluation payloads get clear VALIDATION errors and change nothing', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 1, verdict: () => null });
    const cases: Array<[unknown, RegExp]> = [
      [{ logId: 1, evaluation: 4 }, /evaluation/],
      [{ logId: 1, evaluation: '3' }, /evaluation/],
      [{ logId: 1, evaluation: 2, priority: 0 }, /priority/],
      [{ logId: 'one', evaluation: 1 }, /logId/],
      [{ logId: 1, evaluation: 1, sneaky: true }, /input|sneaky/],
      [{ logId: 1, evaluation: 1, correctAnswer: 'x'.repeat(200_001) }, /correctAnswer/],
      [null, /logId|input/],
    ];
    for (const [input, pattern] of cases) {
      const result = await app.raw('evaluations.save', input);
      assert.equal(result.ok, false, JSON.stringify(input)?.slice(0, 80));
      if (!result.ok) {
        assert.equal(result.error.code, 'VALIDATION');
        assert.match(result.error.message, pattern);
      }
    }
    // Seed 001's rule, enforced in the service with a clear message, not just by a CHECK failure.
    const ruleError = await rejectsWithCode(app.call('evaluations.save', { logId: 1, evaluation: 1, correctAnswer: 'x' }), 'VALIDATION');
    assert.match(ruleError.message, /only be given for verdicts 2/);
    const unknown = await app.raw('evaluations.delete', {});
    assert.equal(unknown.ok, false);
    if (!unknown.ok) assert.equal(unknown.error.code, 'NOT_FOUND');
    assert.equal((await app.call('logs.get', { id: 1 })).evaluations.length, 0);
  } finally {
    await app.close();
  }
});

test('evaluating a log that does not exist is NOT_FOUND', async () => {
  const app = await openTestApp();
  try {
    const error = await rejectsWithCode(app.call('evaluations.save', { logId: 999, evaluation: 1 }), 'NOT_FOUND');
    assert.match(error.message, /Log 999 does not exist/);
  } finally {
    await app.close();
  }
});

test('drafts keep what was typed until the real record is saved', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 1, verdict: () => null });
    const typed = { evaluation: 3, correctAnswer: '정답은 다음과 같습니다 — 半角・全角 😀', reason: 'wrong' };
    await app.call('drafts.save', { key: 'evaluation:1', value: typed });
    await app.close();
    // A "crash": a new process opens the same data folder.
    const reopened = await openTestApp({ dataDir: app.dataDir });
    try {
      const draft = await reopened.call('drafts.get', { key: 'evaluation:1' });
      assert.deepEqual(draft?.value, typed);
      await reopened.call('evaluations.save', { logId: 1, evaluation: 3, correctAnswer: typed.correctAnswer, reason: typed.reason });
      assert.deepEqual(await reopened.call('drafts.discard', { key: 'evaluation:1' }), { discarded: true });
      assert.equal(await reopened.call('drafts.get', { key: 'evaluation:1' }), null);
      await rejectsWithCode(reopened.call('drafts.save', { key: 'big', value: 'x'.repeat(1_000_001) }), 'VALIDATION');
    } finally {
      await reopened.close();
    }
  } finally {
    await app.close().catch(() => {});
  }
});

test('nextUnevaluated walks forward through a session and wraps around', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 6, verdict: (i) => (i === 2 || i === 5 ? null : 1) });
    assert.deepEqual(await app.call('logs.nextUnevaluated', { afterLogId: 2 }), { logId: 5 });
    assert.deepEqual(await app.call('logs.nextUnevaluated', { afterLogId: 5 }), { logId: 2 });
    await app.call('evaluations.save', { logId: 2, evaluation: 1 });
    await app.call('evaluations.save', { logId: 5, evaluation: 1 });
    assert.deepEqual(await app.call('logs.nextUnevaluated', { afterLogId: 5 }), { logId: null });
  } finally {
    await app.close();
  }
});
