import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogListRow } from '../shared/contract/entities.ts';
import { searchTerms } from '../electron/services/logs/logs.ts';
import { openTestApp, rejectsWithCode } from './helpers/app.ts';
import { seedLogs } from './helpers/seed.ts';

test('the log browser filters, sorts and pages in SQL with stable keyset cursors', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 500, workspaces: 2, models: 2 });
    const { total } = await app.call('logs.count', {});
    assert.equal(total, 500);

    // Walk every page of the newest-first list: no row twice, none missing, order holds.
    const seen: LogListRow[] = [];
    let cursor: string | null = null;
    do {
      const page: { rows: LogListRow[]; nextCursor: string | null } = await app.call('logs.query', { limit: 70, ...(cursor && { cursor }) });
      seen.push(...page.rows);
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 500);
    assert.equal(new Set(seen.map((r) => r.id)).size, 500);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.askedAt >= seen[i]!.askedAt);

    const wrong = await app.call('logs.query', { filters: { evaluation: 3, workspaceId: 1 }, limit: 500 });
    assert.ok(wrong.rows.length > 0);
    assert.ok(wrong.rows.every((r) => r.evaluation === 3 && r.workspaceId === 1));
    assert.equal((await app.call('logs.count', { filters: { evaluation: 3, workspaceId: 1 } })).total, wrong.rows.length);

    const unevaluated = await app.call('logs.count', { filters: { evaluation: 0 } });
    assert.equal(unevaluated.total, 125);
    // Counts driven from the evaluations side agree with the page query.
    assert.equal((await app.call('logs.count', { filters: { evaluation: 3 } })).total, 125);
    const priorityOne = await app.call('logs.query', { filters: { priority: 1 }, limit: 500 });
    assert.equal((await app.call('logs.count', { filters: { priority: 1 } })).total, priorityOne.rows.length);

    const highPriority = await app.call('logs.query', { filters: { priority: 1, status: 1 }, limit: 500 });
    assert.ok(highPriority.rows.length > 0 && highPriority.rows.every((r) => r.priority === 1 && r.status === 1));

    const range = await app.call('logs.query', { filters: { from: '2026-01-01T00:01:00.000Z', to: '2026-01-01T00:02:00.000Z' }, sort: 'oldest', limit: 500 });
    assert.equal(range.rows.length, 61);
    assert.equal(range.rows[0]!.askedAt, '2026-01-01T00:01:00.000Z');

    const longest = await app.call('logs.query', { sort: 'longest', limit: 5 });
    assert.equal(longest.rows[0]!.completionTokens, 219);
  } finally {
    await app.close();
  }
});

test('text search finds Korean, Japanese and Chinese text without spaces, and short queries too', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 40 });
    const korean = await app.call('logs.count', { filters: { text: '휴가 신청' } });
    assert.equal(korean.total, 20, 'Korean phrase appears in questions of 10 logs and answers of 10 others');
    const japanese = await app.call('logs.query', { filters: { text: '締め日' }, limit: 100 });
    assert.ok(japanese.rows.length > 0);
    const twoChars = await app.call('logs.count', { filters: { text: '审核' } });
    assert.ok(twoChars.total > 0, 'two-character CJK queries fall back to LIKE');
    // FTS syntax in the query is treated as text, not as an operator.
    const hostile = await app.call('logs.count', { filters: { text: '" OR question:* NEAR(' } });
    assert.equal(hostile.total, 0);
    const percent = await app.call('logs.count', { filters: { text: '%' } });
    assert.equal(percent.total, 0, 'LIKE wildcards are escaped');
  } finally {
    await app.close();
  }
});

test('bad log-browser input is rejected clearly', async () => {
  const app = await openTestApp();
  try {
    await rejectsWithCode(app.call('logs.query', { cursor: 'not-a-cursor' }), 'VALIDATION');
    const result = await app.raw('logs.query', { filters: { evaluation: 7 }, limit: 100000 });
    assert.equal(result.ok, false);
    await rejectsWithCode(app.call('logs.get', { id: 12345 }), 'NOT_FOUND');
  } finally {
    await app.close();
  }
});

test('a text that matches thousands of logs pages in order through the same API', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 4400, question: (i) => (i % 2 ? `Frequent topic: 就業規則 ${i}` : `Other ${i}`) });
    const filters = { text: '就業規則' };
    assert.equal((await app.call('logs.count', { filters })).total, 2200, 'more than the 2,000 that switch the query plan');
    const first = await app.call('logs.query', { filters, limit: 100 });
    assert.equal(first.rows.length, 100);
    assert.equal(first.rows[0]!.id, 4399, 'newest matching log first');
    assert.ok(first.rows.every((r, i) => r.question.includes('就業規則') && (i === 0 || first.rows[i - 1]!.askedAt > r.askedAt)));
    const second = await app.call('logs.query', { filters, limit: 100, cursor: first.nextCursor });
    assert.equal(second.rows[0]!.id, 4199);
  } finally {
    await app.close();
  }
});

test('any search text is safe and means "contains": control characters, FTS syntax, quotes and short text', async () => {
  const app = await openTestApp();
  try {
    seedLogs(app.core.internals!.db.raw, { logs: 40, question: (i) => [`VPN token reset ${i}`, `"quoted" AND question:x ${i}`, `NEAR(a b) ^start * ${i}`, `審核 休 ${i}`][i % 4]! });
    const rows = app.core.internals!.db.raw.prepare('SELECT question, answer FROM conversation_logs').all() as Array<{ question: string; answer: string }>;
    // The meaning, stated plainly: every piece between control characters appears, case aside.
    const expected = (text: string) =>
      rows.filter((row) => searchTerms(text).every((term) => `${row.question}\n${row.answer}`.toLowerCase().includes(term.toLowerCase()))).length;
    const texts = [
      '\u0000', 'VPN\u0000token', 'abc\u0000def', '\u0000\u0000\u0000', 'token\treset', 'a\u0001b', '\u001b[31m',
      '"', '""', '"quoted"', '"unbalanced', 'AND', 'a OR b', 'NOT x', 'NEAR(a b)', 'NEAR(', '*', '^start', 'question:x', 'question:', 'answer:*',
      'x', 'VP', '審', '審核', '休', '%', '_', '\\', 'vpn TOKEN', '\ud800', 'ab\ud83dcd', '\u202eevil',
    ];
    for (const text of texts) {
      const { total } = await app.call('logs.count', { filters: { text } });
      assert.equal(total, expected(text), `count for ${JSON.stringify(text)}`);
      const page = await app.call('logs.query', { filters: { text }, limit: 500 });
      assert.equal(page.rows.length, total, `rows for ${JSON.stringify(text)}`);
    }
    assert.equal((await app.call('logs.count', { filters: { text: 'VPN\u0000token' } })).total, 20, 'pieces around a NUL are each searched: 10 questions, 10 answers');
    assert.equal((await app.call('logs.count', { filters: { text: '\u0000' } })).total, 40, 'nothing but control characters is no filter, like blank text');
  } finally {
    await app.close();
  }
});
