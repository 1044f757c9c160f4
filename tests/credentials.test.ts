/**
 * Credential primitives for local sign-in: scrypt password hashes (format, salts, NFC, malformed
 * input, rehash), recovery codes, the password policy's codes, username rules and the lockout
 * schedule. Hashes use a reduced scrypt cost except one at the real parameters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkPassword,
  checkUsername,
  defaultLockoutPolicy,
  defaultPasswordPolicy,
  generateRecoveryCodes,
  hashPassword,
  hashRecoveryCode,
  lockoutState,
  needsRehash,
  normalizeRecoveryCode,
  normalizeUsername,
  passwordClasses,
  passwordCost,
  verifyPassword,
  verifyRecoveryCode,
  type ScryptCost,
} from '../electron/services/auth/credentials.ts';

/** 1 MiB, ~5 ms: enough to exercise the format; the real cost is tested once below. */
const cost: ScryptCost = { N: 1024, r: 8, p: 1 };
const codes = (problems: { code: string }[]) => problems.map((p) => p.code);

test('password round trip, wrong password, stored format', async () => {
  const stored = await hashPassword('correct horse battery', { cost });
  assert.match(stored, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/, '16-byte salt, 32-byte hash, parameters in the string');
  assert.ok(!stored.includes('correct'));
  assert.equal(await verifyPassword('correct horse battery', stored), true);
  assert.equal(await verifyPassword('correct horse batterY', stored), false);
  assert.equal(await verifyPassword('correct horse battery ', stored), false);
  assert.equal(await verifyPassword('', stored), false);
});

test('one hash at the real parameters verifies, and stays within the sign-in budget', async () => {
  const started = performance.now();
  const stored = await hashPassword('비밀번호 2024 봄');
  const elapsed = performance.now() - started;
  assert.ok(stored.startsWith(`scrypt$${passwordCost.N}$${passwordCost.r}$${passwordCost.p}$`));
  assert.equal(needsRehash(stored), false);
  assert.equal(await verifyPassword('비밀번호 2024 봄', stored), true);
  // Generous bound for loaded CI machines; bench/sign-in.ts measures the 50–500 ms target.
  assert.ok(elapsed < 5000, `one hash took ${elapsed} ms`);
});

test('a fresh salt per hash: the same password twice gives different strings, both verify', async () => {
  const [a, b] = await Promise.all([hashPassword('same password', { cost }), hashPassword('same password', { cost })]);
  assert.notEqual(a, b);
  assert.notEqual(a.split('$')[4], b.split('$')[4], 'different salts');
  assert.equal(await verifyPassword('same password', a), true);
  assert.equal(await verifyPassword('same password', b), true);
});

test('a malformed stored string does not verify (false, never an exception)', async () => {
  const good = await hashPassword('some password', { cost });
  const [, N, r, p, salt, hash] = good.split('$') as string[];
  const malformed: unknown[] = [
    '',
    'plain text',
    good.slice(0, -4),
    `scrypt$${N}$${r}$${p}$${salt}$${hash!.slice(0, -4)}`, // truncated hash: still base64, still a prefix
    `scrypt$${N}$${r}$${p}$${salt!.slice(0, 16)}$${hash}`, // 12-byte salt
    good + '$extra',
    `bcrypt$${N}$${r}$${p}$${salt}$${hash}`,
    `scrypt$1000$${r}$${p}$${salt}$${hash}`, // N not a power of two
    `scrypt$0$${r}$${p}$${salt}$${hash}`,
    `scrypt$-1024$${r}$${p}$${salt}$${hash}`,
    `scrypt$1e3$${r}$${p}$${salt}$${hash}`,
    `scrypt$${2 ** 30}$${r}$${p}$${salt}$${hash}`, // would need 1 TiB: refused, not attempted
    `scrypt$${N}$${r}$99$${salt}$${hash}`,
    `scrypt$${N}$${r}$${p}$$${hash}`,
    `scrypt$${N}$${r}$${p}$${salt}$not*base64`,
    null,
    undefined,
    42,
    { toString: () => good },
  ];
  for (const stored of malformed) {
    assert.equal(await verifyPassword('some password', stored as string), false, `${String(stored)}`);
    assert.equal(needsRehash(stored as string), true);
  }
  // A non-string or ill-formed password is refused the same way.
  assert.equal(await verifyPassword(undefined as unknown as string, good), false);
  assert.equal(await verifyPassword('some password\uD800', good), false);
  await assert.rejects(hashPassword('lone \uDC00 surrogate', { cost }), (error: Error) => error instanceof RangeError && !error.message.includes('surrogate'));
  await assert.rejects(hashPassword('x'.repeat(5000), { cost }), RangeError);
  await assert.rejects(hashPassword('fine password', { cost: { N: 1000, r: 8, p: 1 } }), RangeError);
});

test('NFC: a password typed as precomposed or decomposed Hangul / kana verifies either way', async () => {
  for (const password of ['한국어 비밀번호 123', 'がぎぐげご パスワード', 'Café crème 42']) {
    const nfc = password.normalize('NFC');
    const nfd = password.normalize('NFD');
    assert.notEqual(nfc, nfd, 'the two spellings really differ');
    const stored = await hashPassword(nfd, { cost });
    assert.equal(await verifyPassword(nfc, stored), true);
    assert.equal(await verifyPassword(nfd, stored), true);
  }
  // NFC, not NFKC: a full-width password is a different password.
  const stored = await hashPassword('password12', { cost });
  assert.equal(await verifyPassword('ｐａｓｓｗｏｒｄ１２', stored), false);
});

test('needsRehash: below the current parameters, or not a hash', async () => {
  const weak = await hashPassword('x'.repeat(12), { cost });
  assert.equal(needsRehash(weak), true);
  assert.equal(needsRehash(weak, cost), false);
  assert.equal(needsRehash(weak, { ...cost, r: 16 }), true);
  assert.equal(needsRehash(weak, { ...cost, p: 2 }), true);
  const stronger = await hashPassword('x'.repeat(12), { cost: { N: 2048, r: 8, p: 1 } });
  assert.equal(needsRehash(stronger, cost), false, 'above current is fine');
});

test('recovery codes: format, 60+ bits, unambiguous alphabet, 1000 distinct', () => {
  const ten = generateRecoveryCodes();
  assert.equal(ten.length, 10);
  for (const code of ten) assert.match(code, /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
  // 12 symbols of a 32-symbol alphabet = 60 bits.
  assert.ok(12 * Math.log2(32) >= 60);
  const many = generateRecoveryCodes(1000);
  assert.equal(new Set(many).size, 1000);
  assert.ok(many.every((code) => !/[ilou]/.test(code)));
  // Every symbol shows up (a crude check that the generator covers the alphabet).
  assert.equal(new Set(many.join('').replaceAll('-', '')).size, 32);
  assert.deepEqual(generateRecoveryCodes(0), []);
  assert.throws(() => generateRecoveryCodes(-1), RangeError);
});

test('recovery codes: case, spaces, dashes, full-width and look-alikes are ignored', () => {
  const code = '7k2m-q9xd-4hv0';
  for (const spelling of ['7k2mq9xd4hv0', '7K2M-Q9XD-4HV0', ' 7k2m q9xd 4hv0 ', '7k2m—q9xd–4hvo', '７ｋ２ｍ－ｑ９ｘｄ－４ｈｖ０', '7k2m-q9xd-4hvO']) {
    assert.equal(normalizeRecoveryCode(spelling), normalizeRecoveryCode(code), spelling);
  }
  assert.equal(normalizeRecoveryCode('1111-2222-3333'), normalizeRecoveryCode('iIlL-2222-3333'));
  for (const bad of ['', '7k2m-q9xd', '7k2m-q9xd-4hv0-0000', '7k2m-q9xd-4hu0', "7k2m'q9xd-4hv0"]) assert.equal(normalizeRecoveryCode(bad), null, bad);
});

test('recovery codes: verification gives the index; a used (removed) code no longer matches', async () => {
  const plain = generateRecoveryCodes(10);
  const stored: (string | null)[] = await Promise.all(plain.map((code) => hashRecoveryCode(code)));
  assert.equal(new Set(stored).size, 10);
  assert.ok(stored.every((hash) => hash!.startsWith('scrypt$')));
  assert.equal(await verifyRecoveryCode(plain[3]!, stored), 3);
  assert.equal(await verifyRecoveryCode(` ${plain[7]!.toUpperCase().replaceAll('-', ' ')} `, stored), 7);
  assert.equal(await verifyRecoveryCode(plain[0]!.replaceAll('-', ''), stored), 0);
  assert.equal(await verifyRecoveryCode(generateRecoveryCodes(1)[0]!, stored), -1, 'a code never issued');
  assert.equal(await verifyRecoveryCode('not a code', stored), -1);
  // Used: removed from the list, or nulled in place.
  const removed = stored.filter((_, index) => index !== 3);
  assert.equal(await verifyRecoveryCode(plain[3]!, removed), -1);
  stored[7] = null;
  assert.equal(await verifyRecoveryCode(plain[7]!, stored), -1);
  // Malformed entries are skipped, not fatal.
  assert.equal(await verifyRecoveryCode(plain[5]!, ['garbage', 'scrypt$1$1$1$$', stored[5]!]), 2);
  await assert.rejects(hashRecoveryCode('nope'), RangeError);
});

test('password policy: one code per broken rule, with its parameters', () => {
  const policy = defaultPasswordPolicy;
  assert.deepEqual(checkPassword('Tr0ub4dor&3x', policy), []);
  assert.deepEqual(checkPassword('Short1!', policy), [{ code: 'too_short', min: 10 }]);
  assert.deepEqual(checkPassword('a1'.repeat(129), policy), [{ code: 'too_long', max: 256 }]);
  assert.deepEqual(checkPassword('a1'.repeat(128), policy), []);
  assert.deepEqual(checkPassword('alllowercaseletters', policy), [{ code: 'needs_classes', min: 2, found: 1 }]);
  assert.deepEqual(checkPassword('8472910365', policy), [{ code: 'needs_classes', min: 2, found: 1 }]);
  assert.deepEqual(checkPassword('xX-Minjun.Kim-Xx9', policy, { username: 'MinJun.Kim' }), [{ code: 'contains_username' }]);
  assert.deepEqual(checkPassword('xX-ｍｉｎｊｕｎ.ｋｉｍ-Xx9', policy, { username: 'minjun.kim' }), [{ code: 'contains_username' }], 'full-width counts');
  assert.deepEqual(checkPassword('Kimberly-42-sunny', policy, { username: 'al' }), [], 'names under 3 characters are not checked');
  assert.deepEqual(checkPassword('우리집김민준2024!', policy, { displayName: '김민준' }), [{ code: 'contains_display_name' }]);
  assert.deepEqual(checkPassword('ILoveMinjun99', policy, { displayName: 'Kim Minjun' }), [{ code: 'contains_display_name' }]);
  for (const common of ['Password123', 'password2024!', 'P@ssw0rd!!', 'Qwerty123!', '1q2w3e4r5t', 'iloveyou!!', '1234567890!', 'aaaaaaaaaa1', 'Saranghae1!']) {
    assert.ok(codes(checkPassword(common, policy)).includes('common'), common);
  }
  assert.deepEqual(checkPassword('password', policy), [{ code: 'too_short', min: 10 }, { code: 'needs_classes', min: 2, found: 1 }, { code: 'common' }]);
  assert.deepEqual(checkPassword('tab\tinside pw', policy), [{ code: 'invalid_characters' }]);
  assert.deepEqual(checkPassword('lone\uD800surrogate1', policy), [{ code: 'invalid_characters' }]);
});

test('password policy: Korean and Japanese passphrases are accepted; the policy is configurable', () => {
  assert.deepEqual([...passwordClasses('한국어abc')].sort(), ['lower', 'other_letter']);
  assert.deepEqual([...passwordClasses('Ünïcödé')].sort(), ['lower', 'upper']);
  for (const passphrase of ['우리집 강아지는 복슬강아지', '나의비밀정원2024', '吾輩は猫である 名前はまだ無い', 'パスワードは123です', '비밀번호는password']) {
    assert.deepEqual(checkPassword(passphrase, defaultPasswordPolicy), [], passphrase);
  }
  // Hangul only, no space or digit: one class.
  assert.deepEqual(checkPassword('우리집강아지는복슬강아지', defaultPasswordPolicy), [{ code: 'needs_classes', min: 2, found: 1 }]);
  // Length counts characters of the NFC form, whatever the IME sent: 10 syllables = 10.
  const nfd = '가나다라마바사아자차'.normalize('NFD');
  assert.equal(nfd.length, 20);
  assert.deepEqual(checkPassword(nfd, { ...defaultPasswordPolicy, minClasses: 1 }), []);
  const strict = { ...defaultPasswordPolicy, minLength: 16, minClasses: 3, forbidCommon: false, forbidNames: false };
  assert.deepEqual(checkPassword('Password1234', strict, { username: 'password' }), [{ code: 'too_short', min: 16 }]);
  assert.deepEqual(checkPassword('correcthorsebatterystaple', strict), [{ code: 'needs_classes', min: 3, found: 1 }]);
});

test('usernames: NFKC + case folding for uniqueness', () => {
  assert.equal(normalizeUsername('Kim'), 'kim');
  assert.equal(normalizeUsername('kim'), 'kim');
  assert.equal(normalizeUsername('ｋｉｍ'), 'kim');
  assert.equal(normalizeUsername('ＫＩＭ'), 'kim');
  assert.equal(normalizeUsername('  Kim\u3000'), 'kim', 'ideographic space trimmed');
  assert.equal(normalizeUsername('ΟΔΟΣ'), normalizeUsername('οδοσ'), 'final sigma folded');
  assert.equal(normalizeUsername('김민준'.normalize('NFD')), '김민준');
  assert.equal(normalizeUsername('ｶﾀｶﾅ'), 'カタカナ', 'half-width katakana');
  // Locale-independent: I is i everywhere, whatever the machine's locale.
  assert.equal(normalizeUsername('ILKER'), 'ilker');
  for (const name of ['Kim', 'ｋｉｍ', 'İstanbul', 'ΣΑΣ', 'Straße', '㎏', 'Ⅻ', 'ﬁle', '김민준', 'ｶﾀｶﾅ']) {
    assert.equal(normalizeUsername(normalizeUsername(name)), normalizeUsername(name), `idempotent on ${name}`);
  }
});

test('usernames: letters and digits of any script and ._-@; problem codes otherwise', () => {
  for (const name of ['kim', 'min-jun.kim', 'kim_2024', 'kim@lab', '김민준', 'やまだ', '山田太郎', 'ヤマダー', 'राम', 'Ｋｉｍ']) {
    assert.deepEqual(checkUsername(name), [], name);
  }
  assert.deepEqual(checkUsername(''), [{ code: 'empty' }]);
  assert.deepEqual(checkUsername(' \u3000 '), [{ code: 'empty' }]);
  assert.deepEqual(checkUsername('a'.repeat(64)), []);
  assert.deepEqual(checkUsername('a'.repeat(65)), [{ code: 'too_long', max: 64 }]);
  assert.deepEqual(checkUsername('가'.repeat(65)), [{ code: 'too_long', max: 64 }]);
  assert.deepEqual(checkUsername('min jun'), [{ code: 'contains_whitespace' }]);
  assert.deepEqual(checkUsername('min\u3000jun'), [{ code: 'contains_whitespace' }]);
  assert.deepEqual(checkUsername('min\u0000jun'), [{ code: 'contains_control' }]);
  assert.deepEqual(checkUsername('min\tjun'), [{ code: 'contains_control' }]);
  assert.deepEqual(checkUsername('kim\u200Badmin'), [{ code: 'invalid_characters', characters: ['\u200B'] }], 'zero-width space');
  assert.deepEqual(checkUsername('admin\u202Egnp'), [{ code: 'invalid_characters', characters: ['\u202E'] }], 'bidi override');
  assert.deepEqual(checkUsername('\u0301kim'), [{ code: 'invalid_characters', characters: ['\u0301'] }], 'a leading combining mark');
  // Not an injection risk (SQL is parameterized), but not a username either.
  assert.deepEqual(checkUsername("robert'); DROP TABLE users;--"), [
    { code: 'contains_whitespace' },
    { code: 'invalid_characters', characters: ["'", ')', ';'] },
  ]);
});

test('lockout: 5 failures lock for 15 minutes, doubling per further failure, capped at 24 h', () => {
  const t0 = Date.UTC(2025, 0, 1, 9, 0, 0);
  const minute = 60_000;
  const at = (failedAttempts: number, now: number, lastFailureAt: number | string | Date | null = t0) => lockoutState({ failedAttempts, lastFailureAt }, now, defaultLockoutPolicy);
  assert.deepEqual(at(0, t0, null), { locked: false, retryAfterMs: 0 });
  assert.deepEqual(at(4, t0), { locked: false, retryAfterMs: 0 });
  assert.deepEqual(at(5, t0), { locked: true, retryAfterMs: 15 * minute });
  assert.deepEqual(at(5, t0 + 10 * minute), { locked: true, retryAfterMs: 5 * minute });
  assert.deepEqual(at(5, t0 + 15 * minute), { locked: false, retryAfterMs: 0 });
  assert.deepEqual(at(6, t0), { locked: true, retryAfterMs: 30 * minute });
  assert.deepEqual(at(7, t0), { locked: true, retryAfterMs: 60 * minute });
  assert.deepEqual(at(11, t0), { locked: true, retryAfterMs: 16 * 60 * minute });
  assert.deepEqual(at(12, t0), { locked: true, retryAfterMs: 24 * 60 * minute }, 'capped');
  assert.deepEqual(at(10_000, t0), { locked: true, retryAfterMs: 24 * 60 * minute });
  assert.deepEqual(at(12, t0 + 24 * 60 * minute), { locked: false, retryAfterMs: 0 });
  // Times as the database stores them, and as Dates.
  assert.deepEqual(lockoutState({ failedAttempts: 5, lastFailureAt: new Date(t0).toISOString() }, new Date(t0 + minute)), { locked: true, retryAfterMs: 14 * minute });
  // A clock set backwards never lengthens the wait beyond the lock itself.
  assert.deepEqual(at(5, t0 - 365 * 24 * 60 * minute), { locked: true, retryAfterMs: 15 * minute });
  // Corrupt counters fail closed.
  assert.deepEqual(at(5, t0, null), { locked: true, retryAfterMs: 15 * minute });
  assert.deepEqual(at(5, t0, 'not a date'), { locked: true, retryAfterMs: 15 * minute });
  assert.equal(at(Number.NaN, t0).locked, true);
  assert.equal(at(-1, t0).locked, true);
  // Configurable.
  assert.deepEqual(lockoutState({ failedAttempts: 3, lastFailureAt: t0 }, t0, { threshold: 3, baseLockMs: 1000, maxLockMs: 4000 }), { locked: true, retryAfterMs: 1000 });
  assert.deepEqual(lockoutState({ failedAttempts: 9, lastFailureAt: t0 }, t0, { threshold: 3, baseLockMs: 1000, maxLockMs: 4000 }), { locked: true, retryAfterMs: 4000 });
});
