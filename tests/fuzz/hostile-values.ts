/**
 * Values that break naive code: unicode edge cases, query syntax, numbers JSON cannot carry
 * faithfully, prototype keys and hostile paths. Generators mix them into otherwise valid inputs.
 */
import type { Random } from './prng.ts';

export const hostileStrings: readonly string[] = [
  '',
  ' ',
  '\t\n\r ',
  'a',
  'ab',
  'abc',
  // CJK, RTL and bidi controls
  '経費精算の締め日',
  '연차 휴가 신청',
  '合同审核',
  '审核',
  '휴',
  'مرحبا بالعالم',
  'שלום עולם',
  '\u202eevil\u202c',
  '\u200e\u200f\u061c',
  // U+0000, other control characters, line separators
  '\u0000',
  'abc\u0000def',
  '\u0000\u0000\u0000',
  '\u0001\u0002\u001b[31mred',
  'x\u007fy\u0085z',
  '\u2028\u2029',
  // lone surrogates and other odd code points
  '\ud800',
  '\udfff\ud800',
  'ab\ud83dcd',
  '\ufeff\ufffe\uffff',
  '👩‍👩‍👧‍👦',
  'e\u0301'.repeat(50),
  // full-text query syntax, SQL and LIKE metacharacters
  '" OR question:* NEAR(',
  '"unbalanced',
  '""""',
  'AND',
  'a OR b',
  'NOT x',
  'NEAR(a b, 2)',
  'question:abc',
  'answer:',
  '^abc',
  'abc*',
  '{question answer}:x',
  '(((',
  "'; DROP TABLE conversation_logs; --",
  '%',
  '_',
  '\\',
  '%_\\%',
  // templates, markup, format strings
  '<script>alert(1)</script>',
  '{{7*7}}${process.env.HOME}',
  '%s%s%n%x',
  // names JavaScript objects already have
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  // strings that look like other types
  'NaN',
  'Infinity',
  '-0',
  '1e308',
  'null',
  'undefined',
  'true',
  '0x1f',
  'board_post:12',
  // dates, valid and not
  '2026-01-01',
  '2026-01-01T00:00:00Z',
  '2026-13-45',
  '0000-00-00T00:00:00Z',
  '9999-12-31T23:59:59.999+14:00',
  '2026-01-01T00:00:00',
  // path-looking text in fields that are not paths
  '../../etc/passwd',
  '/etc/passwd',
  'C:\\Windows\\System32',
  'file:///etc/passwd',
  'gguf:/etc/passwd',
  'onnx:../../../etc',
];

/**
 * A number that JSON.stringify writes as given (`-0`, `1e309`, 30 digits) instead of normalising
 * it: JSON.rawJSON, which Node 24 has and TypeScript's lib does not know yet.
 */
export function rawNumber(text: string): unknown {
  return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(text);
}

/** Numbers at and past the edges of what JSON, doubles and SQLite integers hold. */
export const hostileNumbers: readonly unknown[] = [
  0,
  rawNumber('-0'),
  1,
  -1,
  0.5,
  2 ** 31 - 1,
  2 ** 31,
  Number.MAX_SAFE_INTEGER,
  rawNumber('9007199254740993'),
  1e308,
  -1e308,
  5e-324,
  rawNumber('1e309'),
  rawNumber('-1e309'),
  rawNumber('123456789012345678901234567890'),
  1e21,
  -(2 ** 31),
];

export const hostileKeys: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', '', ' ', '\u0000', '日本語', 'extra', 'a'.repeat(5000)];

/** Sizes for long strings: around schema limits and far beyond (the bridge caps bodies at 4 MB). */
export function hugeLength(random: Random, maxBody: boolean): number {
  return random.pick(maxBody ? [10_000, 100_000, 1_000_000, 3_900_000] : [10_000, 100_000, 300_000]);
}

/** An object whose own key is `key`, even for `__proto__` (an object literal would set the prototype). */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

/** Payloads aimed at prototype pollution through merges or `Object.assign`. */
export function pollutionPayloads(): unknown[] {
  return [
    JSON.parse('{"__proto__": {"polluted": "yes", "role": "admin"}}') as unknown,
    JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}') as unknown,
    JSON.parse('{"__proto__": null}') as unknown,
    JSON.parse('{"toString": "x", "valueOf": 1, "hasOwnProperty": []}') as unknown,
  ];
}

/**
 * JSON text nested `depth` levels deep, built as text: building the value and stringifying it
 * would overflow the fuzzer's own stack first.
 */
export function deeplyNestedJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * Paths for fields that name files or folders. Only folders under `scratch` can be written to:
 * the fuzzer may run as root on a shared machine, so every other path here is one that exists
 * (a write fails: not empty, not a folder) or cannot be created (/proc).
 */
export function hostilePaths(scratch: string, knownGood: readonly string[]): string[] {
  return [
    ...knownGood,
    `${scratch}/fresh-${'x'.repeat(8)}`,
    `${scratch}/empty`,
    `${scratch}/docs`,
    `${scratch}/docs/../docs/./note.txt`,
    `${scratch}//docs///note.md`,
    `${scratch}/한국어 文書 ملف.txt`,
    `${scratch}/missing.gguf`,
    `${scratch}/loop`,
    `${scratch}/${'n'.repeat(300)}`,
    `${scratch}/${'deep/'.repeat(700)}x`,
    `${scratch}/a\u0000b`,
    `${scratch}/\ud800.txt`,
    '/',
    '/etc',
    '/etc/passwd',
    '/dev/null',
    '/proc/self/environ',
    '/proc/self/cwd',
    '/proc/self/fd',
    // Not there, and procfs refuses to create it (Node's recursive mkdir once looped on this).
    '/proc/evaldesk-fuzz/a/b',
    // Cannot be created either: a file is in the way.
    '/dev/null/evaldesk-fuzz',
    `/${'a'.repeat(5000)}`,
    '..',
    '.',
    '../..',
    '../../../../etc/passwd',
    'models',
    './tiny.gguf',
    '~/models',
    ' /etc',
    'C:\\Windows\\System32\\config',
    'C:relative\\path',
    '\\\\server\\share\\model.gguf',
    'file:///etc/passwd',
    '\u0000',
  ];
}
