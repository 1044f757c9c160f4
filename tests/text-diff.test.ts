/**
 * The answer diff of the re-judging screen and the PoC report: exact reconstruction of both texts,
 * readable word and CJK-character diffs, and bounded work on huge answers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffText, type DiffSegment } from '../shared/text-diff.ts';

const beforeOf = (segments: DiffSegment[]) => segments.filter((s) => s.kind !== 'added').map((s) => s.text).join('');
const afterOf = (segments: DiffSegment[]) => segments.filter((s) => s.kind !== 'removed').map((s) => s.text).join('');

function assertWellFormed(segments: DiffSegment[], before: string, after: string) {
  assert.equal(beforeOf(segments), before, 'same + removed gives the text before');
  assert.equal(afterOf(segments), after, 'same + added gives the text after');
  for (const [index, segment] of segments.entries()) {
    assert.ok(segment.text.length > 0, 'no empty segment');
    const next = segments[index + 1];
    if (next) assert.notEqual(next.kind, segment.kind, 'neighbours of one kind are merged');
    if (segment.kind === 'added') assert.notEqual(next?.kind, 'removed', 'a change reads removed, then added');
    // No segment boundary may fall inside a surrogate pair.
    assert.ok(!/^[\uDC00-\uDFFF]/u.test(segment.text) && !/[\uD800-\uDBFF]$/u.test(segment.text), `surrogate pair split in ${JSON.stringify(segment.text)}`);
  }
}

/** A small seeded generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = ['the', 'cat', 'model', 'answer', '42', ' ', ' ', '  ', '\n', '\t', ',', '.', '!', '?', '(', ')', '"', '계', '약', '서', '해', '지', '는', '東', '京', 'の', 'は', 'カ', 'ナ', 'ー', '。', '、', '「', '」', '中', '国', '😀', '👍🏽', '👨‍👩‍👧', '🇰🇷', 'é', 'e\u0301', '\u200d', '\uFE0F', '𠜎', '𝒳'];

function randomText(next: () => number, length: number) {
  let text = '';
  for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
  return text;
}

/** An edited copy: some pieces dropped, some inserted, most kept, like a revised answer. */
function edit(next: () => number, text: string) {
  const points = [...text];
  const out: string[] = [];
  for (const point of points) {
    const roll = next();
    if (roll < 0.08) continue;
    if (roll < 0.16) out.push(pieces[Math.floor(next() * pieces.length)]!);
    out.push(point);
  }
  return out.join('');
}

test('tokens: words, punctuation, one CJK character, one whole emoji; never a split code point', () => {
  // A family emoji is one token (joined by ZWJ): changing one member replaces the whole emoji.
  assert.deepEqual(diffText('Hi, 안녕 東京タワー 👨‍👩‍👧!', 'Hi, 안녕 東京タワー 👨‍👩‍👦!'), [
    { kind: 'same', text: 'Hi, 안녕 東京タワー ' },
    { kind: 'removed', text: '👨‍👩‍👧' },
    { kind: 'added', text: '👨‍👩‍👦' },
    { kind: 'same', text: '!' },
  ]);
  assert.deepEqual(diffText('answer, done', 'answer; done'), [
    { kind: 'same', text: 'answer' },
    { kind: 'removed', text: ',' },
    { kind: 'added', text: ';' },
    { kind: 'same', text: ' done' },
  ]);
  assert.deepEqual(diffText('𠜎𝒳', '𠜎𝒴'), [
    { kind: 'same', text: '𠜎' },
    { kind: 'removed', text: '𝒳' },
    { kind: 'added', text: '𝒴' },
  ]);
  const next = random(7);
  for (let round = 0; round < 200; round++) {
    const text = randomText(next, Math.floor(next() * 60));
    assertWellFormed(diffText(text, `${text}x`), text, `${text}x`);
    assertWellFormed(diffText(`😀${text}`, text), `😀${text}`, text);
  }
});

test('both texts are rebuilt exactly from the segments, for many seeded mixed-script texts', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const next = random(seed);
    const before = randomText(next, Math.floor(next() * 80));
    const after = next() < 0.7 ? edit(next, before) : randomText(next, Math.floor(next() * 80));
    const segments = diffText(before, after);
    assertWellFormed(segments, before, after);
  }
});

test('English: word-level changes, and a replaced phrase reads as one replacement', () => {
  assert.deepEqual(diffText('The notice period is 30 days.', 'The notice period is 60 days.'), [
    { kind: 'same', text: 'The notice period is ' },
    { kind: 'removed', text: '30' },
    { kind: 'added', text: '60' },
    { kind: 'same', text: ' days.' },
  ]);
  assert.deepEqual(diffText('Pay the fee today', 'Pay the late fee today, please'), [
    { kind: 'same', text: 'Pay the ' },
    { kind: 'added', text: 'late ' },
    { kind: 'same', text: 'fee today' },
    { kind: 'added', text: ', please' },
  ]);
  assert.deepEqual(diffText('the big cat sat', 'a small dog sat'), [
    { kind: 'removed', text: 'the big cat' },
    { kind: 'added', text: 'a small dog' },
    { kind: 'same', text: ' sat' },
  ]);
});

test('Korean and Japanese: character-level changes inside runs without spaces', () => {
  assert.deepEqual(diffText('계약 해지는 30일 전에 통보합니다.', '계약 해지는 60일 전에 서면으로 통보합니다.'), [
    { kind: 'same', text: '계약 해지는 ' },
    { kind: 'removed', text: '30' },
    { kind: 'added', text: '60' },
    { kind: 'same', text: '일 전에 ' },
    { kind: 'added', text: '서면으로 ' },
    { kind: 'same', text: '통보합니다.' },
  ]);
  assert.deepEqual(diffText('東京は日本の首都です。', '東京は日本の古都です。'), [
    { kind: 'same', text: '東京は日本の' },
    { kind: 'removed', text: '首' },
    { kind: 'added', text: '古' },
    { kind: 'same', text: '都です。' },
  ]);
  assert.deepEqual(diffText('カタカナ', 'カタカナ表記'), [
    { kind: 'same', text: 'カタカナ' },
    { kind: 'added', text: '表記' },
  ]);
});

test('empty and identical texts', () => {
  assert.deepEqual(diffText('', ''), []);
  assert.deepEqual(diffText('', 'new answer'), [{ kind: 'added', text: 'new answer' }]);
  assert.deepEqual(diffText('old answer', ''), [{ kind: 'removed', text: 'old answer' }]);
  assert.deepEqual(diffText('같은 답 👍🏽', '같은 답 👍🏽'), [{ kind: 'same', text: '같은 답 👍🏽' }]);
  assert.deepEqual(diffText('a 👍', 'a 👍🏽'), [
    { kind: 'same', text: 'a ' },
    { kind: 'removed', text: '👍' },
    { kind: 'added', text: '👍🏽' },
  ]);
});

test('huge answers: a small edit in 200,000 characters stays precise, unrelated ones fall back to one replacement', () => {
  const next = random(2026);
  const before = randomText(next, 90_000).slice(0, 200_000);
  const after = `${before.slice(0, 100_000)} inserted words ${before.slice(100_000)}`;
  const small = diffText(before, after);
  assertWellFormed(small, before, after);
  assert.ok(small.filter((s) => s.kind !== 'same').length <= 2, 'only the insertion is a change');

  const other = randomText(random(99), 90_000).slice(0, 200_000);
  const unrelated = diffText(before, other);
  assertWellFormed(unrelated, before, other);
  assert.deepEqual(unrelated.filter((s) => s.kind !== 'same').map((s) => s.kind), ['removed', 'added'], 'past the edit budget: one removal and one addition');

  const edited = edit(next, before);
  assertWellFormed(diffText(before, edited), before, edited);
});
