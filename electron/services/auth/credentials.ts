/**
 * Credential primitives for local sign-in: password hashing (scrypt), recovery codes, password and
 * username rules, and the lockout schedule. Pure functions and node:crypto only: no database, no
 * electron, no logging. The sign-in service stores what these return (hash strings, counters) and
 * turns the problem codes into messages in the user's language.
 *
 * Nothing here ever logs, formats into an error message or otherwise echoes a password or a
 * recovery code.
 */
import crypto from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// scrypt

/** scrypt's cost parameters: N (CPU/memory cost, a power of two), r (block size), p (parallelism). */
export type ScryptCost = { N: number; r: number; p: number };

/**
 * The cost new password hashes get. scrypt needs 128·N·r bytes of memory per hash: 2^15 · 8 →
 * 32 MiB, which makes GPU/ASIC guessing of a stolen database expensive. Measured 160–215 ms
 * (median) per hash or verify on a 2-core AMD EPYC (bench/sign-in.ts): inside the project's
 * 50–500 ms target for one sign-in. scrypt runs on libuv's thread pool, so the main process's
 * event loop is not blocked meanwhile.
 * Raise N (next: 2^16, ~350 ms) when machines get faster; `needsRehash` then tells the sign-in
 * service to re-hash a user's password at their next successful sign-in.
 */
export const passwordCost: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/**
 * Recovery codes carry 60 random bits, so they need far less stretching than a human password,
 * but a bare fast hash (salted SHA-256) would leave ~2^59 guesses per code to an attacker holding
 * the database: months on one GPU. scrypt at 2^12 · 8 (4 MiB, ~6 ms) makes every guess thousands
 * of times dearer and needs memory per guess, putting a stolen code hash far out of reach, while
 * checking all 10 stored codes on one attempt (in parallel on the thread pool) costs ~35 ms on
 * 2 cores (bench/sign-in.ts). Same string format as passwords, so it can be raised later too.
 */
export const recoveryCodeCost: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 12, r: 8, p: 1 });

const saltBytes = 16;
const hashBytes = 32;
/** Bounds on what a stored string may ask for, so a corrupt or planted row cannot exhaust memory. */
const maxScryptMemory = 256 * 1024 * 1024;
const maxP = 16;
/** A hard bound on the input (far above any policy's maxLength), so hashing work stays bounded. */
export const maxPasswordBytes = 4096;

type ParsedHash = { cost: ScryptCost; salt: Buffer; hash: Buffer };

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;
const decimalPattern = /^[1-9][0-9]{0,9}$/;

function validCost({ N, r, p }: ScryptCost): boolean {
  return (
    Number.isSafeInteger(N) && N >= 2 && (N & (N - 1)) === 0 &&
    Number.isSafeInteger(r) && r >= 1 &&
    Number.isSafeInteger(p) && p >= 1 && p <= maxP &&
    128 * N * r <= maxScryptMemory
  );
}

/** `scrypt$N$r$p$saltB64$hashB64`, or null when the string is anything else. */
function parseHash(stored: unknown): ParsedHash | null {
  if (typeof stored !== 'string' || stored.length > 512) return null;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, nText, rText, pText, saltText, hashText] = parts as [string, string, string, string, string, string];
  if (!decimalPattern.test(nText) || !decimalPattern.test(rText) || !decimalPattern.test(pText)) return null;
  const cost = { N: Number(nText), r: Number(rText), p: Number(pText) };
  if (!validCost(cost)) return null;
  if (!base64Pattern.test(saltText) || !base64Pattern.test(hashText)) return null;
  const salt = Buffer.from(saltText, 'base64');
  const hash = Buffer.from(hashText, 'base64');
  // Round-trip check: rejects non-canonical padding and truncated text.
  if (salt.toString('base64') !== saltText || hash.toString('base64') !== hashText) return null;
  // The hash length is fixed: scrypt's output is a prefix-stable stream, so a truncated stored
  // hash would otherwise still verify.
  if (salt.length < saltBytes || salt.length > 64 || hash.length !== hashBytes) return null;
  return { cost, salt, hash };
}

function scrypt(secret: Buffer, salt: Buffer, keyLength: number, { N, r, p }: ScryptCost): Promise<Buffer> {
  // scrypt allocates 128·N·r bytes for its V array plus 128·r·p for B; node's default maxmem
  // (32 MiB) is exactly the V array at 2^15 · 8 and would refuse it. Allow the need plus margin.
  const maxmem = 128 * r * (N + p) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    crypto.scrypt(secret, salt, keyLength, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

async function hashSecret(secret: Buffer, cost: ScryptCost): Promise<string> {
  if (!validCost(cost)) throw new RangeError('Invalid scrypt cost parameters.');
  const salt = crypto.randomBytes(saltBytes);
  const hash = await scrypt(secret, salt, hashBytes, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

async function verifySecret(secret: Buffer, stored: unknown): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  let derived: Buffer;
  try {
    derived = await scrypt(secret, parsed.salt, hashBytes, parsed.cost);
  } catch {
    return false;
  }
  return crypto.timingSafeEqual(derived, parsed.hash);
}

// ---------------------------------------------------------------------------------------------
// Passwords

/**
 * No lone surrogate (String#isWellFormed, not in the project's ES2023 lib typings): UTF-8
 * encoding would turn every lone surrogate into U+FFFD, making different strings hash alike.
 */
const isWellFormed = (text: string) => !/\p{Cs}/u.test(text);

/**
 * The bytes a password is hashed as: its NFC form in UTF-8, or null when it cannot be a password
 * (not a string, lone surrogates, over `maxPasswordBytes`).
 *
 * Why NFC: the same visible text can arrive as different code points depending on the input
 * method. A Korean syllable such as 한 is one precomposed code point (U+D55C) from most IMEs but
 * three conjoining jamo (U+1112 U+1161 U+11AB) from others (macOS text fields can hand over NFD);
 * Japanese が can be U+304C or か + combining dakuten U+3099. Canonical composition (NFC) maps
 * each pair to one form, so a password set on one machine verifies when typed on another. NFC
 * rather than NFKC: it only merges sequences that are the same character, and leaves distinct
 * compatibility characters (full-width letters, ①, ligatures) as the user chose them.
 * Changing this normalization later would invalidate every stored hash, so it is fixed here.
 */
function passwordBytes(password: unknown): Buffer | null {
  if (typeof password !== 'string' || !isWellFormed(password)) return null;
  // Bounded before normalizing too (UTF-8 is never shorter than UTF-16 code units before NFC).
  if (password.length > maxPasswordBytes) return null;
  const bytes = Buffer.from(password.normalize('NFC'), 'utf8');
  return bytes.length > maxPasswordBytes ? null : bytes;
}

export type HashOptions = {
  /** Lower only in tests; production hashes use `passwordCost`. */
  cost?: ScryptCost;
};

/** A storable `scrypt$N$r$p$salt$hash` string for `password`, with a fresh random 16-byte salt. */
export async function hashPassword(password: string, options: HashOptions = {}): Promise<string> {
  const bytes = passwordBytes(password);
  // The message never contains the password.
  if (!bytes) throw new RangeError(`A password must be well-formed text of at most ${maxPasswordBytes} UTF-8 bytes.`);
  return hashSecret(bytes, options.cost ?? passwordCost);
}

/**
 * Whether `password` matches `stored` (a `hashPassword` string), at the cost stored with it.
 * Anything malformed, on either side, simply does not verify: false, never an exception.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const bytes = passwordBytes(password);
  if (!bytes) return false;
  return verifySecret(bytes, stored);
}

/**
 * Whether `stored` should be replaced by a fresh `hashPassword` (after a successful sign-in, when
 * the plain password is at hand): any parameter below `current`, or a string that is not a hash.
 */
export function needsRehash(stored: string, current: ScryptCost = passwordCost): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  const { cost } = parsed;
  return cost.N < current.N || cost.r < current.r || cost.p < current.p;
}

// ---------------------------------------------------------------------------------------------
// Recovery codes

/**
 * Crockford's base32 alphabet: digits and lower-case letters without i, l, o and u, so nothing
 * reads as another character (1/l/i, 0/o). 32 symbols = 5 bits each; 12 symbols = 60 bits.
 */
const recoveryAlphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const recoveryGroups = 3;
const recoveryGroupLength = 4;
const recoveryLength = recoveryGroups * recoveryGroupLength;
const recoveryPattern = new RegExp(`^[${recoveryAlphabet}]{${recoveryLength}}$`);

function randomRecoveryCode(): string {
  // 256 is a multiple of 32, so `byte & 31` is uniform.
  const bytes = crypto.randomBytes(recoveryLength);
  let code = '';
  for (let i = 0; i < recoveryLength; i++) {
    if (i > 0 && i % recoveryGroupLength === 0) code += '-';
    code += recoveryAlphabet[bytes[i]! & 31];
  }
  return code;
}

/** `count` distinct codes such as `7k2m-q9xd-4hvc`, 60 random bits each. Show them once; store only their hashes. */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isSafeInteger(count) || count < 0 || count > 1000) throw new RangeError('count must be an integer from 0 to 1000.');
  const codes = new Set<string>();
  while (codes.size < count) codes.add(randomRecoveryCode());
  return [...codes];
}

/**
 * The canonical 12 symbols of a typed code, or null when it cannot be one. Full-width input
 * (a Japanese IME left in zenkaku mode) is folded by NFKC; case, spaces and any kind of dash are
 * ignored; and, as Crockford specifies, the look-alikes i/l read as 1 and o as 0.
 */
export function normalizeRecoveryCode(code: string): string | null {
  if (typeof code !== 'string' || code.length > 100) return null;
  const canonical = code
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{Pd}_]/gu, '')
    .replace(/[il]/g, '1')
    .replace(/o/g, '0');
  return recoveryPattern.test(canonical) ? canonical : null;
}

/** The storable hash of one recovery code (any accepted spelling of it). */
export async function hashRecoveryCode(code: string): Promise<string> {
  const canonical = normalizeRecoveryCode(code);
  if (!canonical) throw new RangeError('Not a recovery code.');
  return hashSecret(Buffer.from(canonical, 'ascii'), recoveryCodeCost);
}

/**
 * The index in `storedHashes` of the code `code` matches, or -1. The caller removes (or sets to
 * null) the entry at that index when the sign-in succeeds: a used code never matches again.
 * Malformed entries never match. A string that is not shaped like a code is refused without
 * hashing anything.
 */
export async function verifyRecoveryCode(code: string, storedHashes: readonly (string | null | undefined)[]): Promise<number> {
  const canonical = normalizeRecoveryCode(code);
  if (!canonical) return -1;
  const secret = Buffer.from(canonical, 'ascii');
  // All entries are checked (in parallel), so the time does not say which one matched.
  const results = await Promise.all(storedHashes.map((stored) => (typeof stored === 'string' ? verifySecret(secret, stored) : false)));
  return results.indexOf(true);
}

// ---------------------------------------------------------------------------------------------
// Password policy

/** A plain object, so an administrator's settings can replace any field. */
export type PasswordPolicy = {
  /** In code points of the NFC form (한 counts as one, whatever the IME sent). */
  minLength: number;
  maxLength: number;
  /** How many of the classes lower, upper, digit, symbol, other letter the password must use. */
  minClasses: number;
  /** Refuse a password containing the username or display name (case-insensitive, 3+ characters). */
  forbidNames: boolean;
  /** Refuse the built-in very common passwords (also with digits or symbols appended). */
  forbidCommon: boolean;
};

export const defaultPasswordPolicy: Readonly<PasswordPolicy> = Object.freeze({
  minLength: 10,
  maxLength: 256,
  minClasses: 2,
  forbidNames: true,
  forbidCommon: true,
});

export type PasswordClass = 'lower' | 'upper' | 'digit' | 'symbol' | 'other_letter';

export type PasswordProblem =
  | { code: 'too_short'; min: number }
  | { code: 'too_long'; max: number }
  | { code: 'needs_classes'; min: number; found: number }
  | { code: 'contains_username' }
  | { code: 'contains_display_name' }
  | { code: 'common' }
  | { code: 'invalid_characters' };

/**
 * Very common passwords (leaked-list top entries, including Korean and Japanese keyboard
 * patterns and romanizations), lower case. Small on purpose: the length and class rules already
 * refuse most of such lists; these are the ones that pass them.
 */
const commonPasswords = new Set([
  'password', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'password!', 'qwerty', 'qwertyuiop', 'qwerty123', 'qwer1234',
  'q1w2e3r4', 'q1w2e3r4t5', '1q2w3e4r', '1q2w3e4r5t', '1q2w3e', '1qaz2wsx', '1qaz2wsx3edc', 'zaq12wsx', 'asdf1234',
  'asdfghjkl', 'zxcvbnm', 'zxcvbnm123', 'abc123', 'abcd1234', 'abcdefg', 'a1b2c3d4', 'aa123456', 'iloveyou',
  'letmein', 'welcome', 'admin', 'administrator', 'root', 'changeme', 'default', 'secret', 'master', 'monkey',
  'dragon', 'sunshine', 'princess', 'football', 'baseball', 'superman', 'trustno1', 'starwars', 'whatever',
  'login', 'test', 'guest', 'user', 'evaldesk', 'saranghae', 'saranghe', 'sarang', 'dkssud', 'gkswlsdn',
  'qkqhdi', 'aishiteru', 'daisuki', 'doraemon', 'pokemon', 'naruto', 'tkfkdgo',
]);

/** One character repeated, or the digit row in order. */
const trivialPatterns = [/^(.)\1*$/u, /^(?:0123456789|1234567890|9876543210|0987654321)+$/];

/** Lower-case, width-folded form for comparisons only (never what is hashed). */
const fold = (text: string) => text.normalize('NFKC').toLowerCase();

function isCommon(folded: string): boolean {
  // Also with symbols, or digits and symbols, around it: "password2024!", "!!iloveyou",
  // "1234567890!", "aaaaaaaaaa1".
  const candidates = [
    folded,
    folded.replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, ''),
    folded.replace(/^[\p{N}\p{P}\p{S}\s]+|[\p{N}\p{P}\p{S}\s]+$/gu, ''),
  ];
  return candidates.some((candidate) => candidate !== '' && (commonPasswords.has(candidate) || trivialPatterns.some((pattern) => pattern.test(candidate))));
}

/** The character classes a password uses (of its NFC form). */
export function passwordClasses(password: string): Set<PasswordClass> {
  const classes = new Set<PasswordClass>();
  for (const char of password.normalize('NFC')) {
    if (/\p{Ll}/u.test(char)) classes.add('lower');
    else if (/[\p{Lu}\p{Lt}]/u.test(char)) classes.add('upper');
    // Hangul, kana, kanji and other uncased scripts have no upper/lower: they are a class of
    // their own, so a Korean or Japanese passphrase with a digit, a space or a Latin word passes.
    else if (/\p{L}/u.test(char)) classes.add('other_letter');
    else if (/\p{N}/u.test(char)) classes.add('digit');
    // Combining marks belong to the letter before them.
    else if (!/\p{M}/u.test(char)) classes.add('symbol');
  }
  return classes;
}

/**
 * Whether `folded` contains `name` (folded, spaces ignored) when the name has at least
 * `minLength` characters: shorter ones ("li") would refuse too many unrelated passwords.
 */
function containsName(folded: string, name: string | null | undefined, minLength: number): boolean {
  if (!name) return false;
  const target = fold(name).replace(/\s+/gu, '');
  return [...target].length >= minLength && folded.replace(/\s+/gu, '').includes(target);
}

/**
 * The rules `password` breaks, as codes with their parameters (the UI words them), in a fixed
 * order; empty when it is acceptable.
 */
export function checkPassword(
  password: string,
  policy: PasswordPolicy = defaultPasswordPolicy,
  names: { username?: string | null; displayName?: string | null } = {},
): PasswordProblem[] {
  if (typeof password !== 'string' || !isWellFormed(password) || /\p{Cc}/u.test(password)) return [{ code: 'invalid_characters' }];
  const problems: PasswordProblem[] = [];
  const length = [...password.normalize('NFC')].length;
  if (length < policy.minLength) problems.push({ code: 'too_short', min: policy.minLength });
  if (length > policy.maxLength || Buffer.byteLength(password.normalize('NFC'), 'utf8') > maxPasswordBytes) {
    problems.push({ code: 'too_long', max: policy.maxLength });
  }
  const found = passwordClasses(password).size;
  if (found < policy.minClasses) problems.push({ code: 'needs_classes', min: policy.minClasses, found });
  const folded = fold(password);
  if (policy.forbidNames) {
    if (containsName(folded, names.username, 3)) problems.push({ code: 'contains_username' });
    // The whole display name (3+ characters: 김민준), or a 4+ character part of it ("Minjun").
    const displayName = names.displayName ?? '';
    if (containsName(folded, displayName, 3) || displayName.split(/\s+/u).some((part) => containsName(folded, part, 4))) {
      problems.push({ code: 'contains_display_name' });
    }
  }
  if (policy.forbidCommon && isCommon(folded)) problems.push({ code: 'common' });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Usernames

export const maxUsernameLength = 64;

/**
 * The form usernames are unique in: NFKC (full-width ｋｉｍ → kim, compatibility jamo → jamo,
 * ideographic space → space), then lower case (String#toLowerCase is locale-independent, unlike
 * toLocaleLowerCase: no Turkish dotless-i surprises depending on the machine), final sigma ς
 * folded to σ as Unicode case folding does, NFKC again (lower-casing can un-normalize), and
 * surrounding whitespace trimmed. Idempotent.
 */
export function normalizeUsername(name: string): string {
  return name.normalize('NFKC').toLowerCase().replaceAll('ς', 'σ').normalize('NFKC').trim();
}

export type UsernameProblem =
  | { code: 'empty' }
  | { code: 'too_long'; max: number }
  | { code: 'contains_whitespace' }
  | { code: 'contains_control' }
  | { code: 'invalid_characters'; characters: string[] };

/**
 * The rules `name` breaks, checked on its normalized form: letters and digits of any script
 * (Hangul, kana, kanji included; combining marks after a letter, for scripts that need them),
 * and `.`, `_`, `-`, `@`. No whitespace, control or invisible formatting characters inside.
 */
export function checkUsername(name: string): UsernameProblem[] {
  if (typeof name !== 'string' || !isWellFormed(name)) return [{ code: 'invalid_characters', characters: [] }];
  const normalized = normalizeUsername(name);
  if (normalized === '') return [{ code: 'empty' }];
  const problems: UsernameProblem[] = [];
  const chars = [...normalized];
  if (chars.length > maxUsernameLength) problems.push({ code: 'too_long', max: maxUsernameLength });
  if (chars.some((char) => /\s/u.test(char) && !/\p{Cc}/u.test(char))) problems.push({ code: 'contains_whitespace' });
  if (chars.some((char) => /\p{Cc}/u.test(char))) problems.push({ code: 'contains_control' });
  const invalid = new Set<string>();
  chars.forEach((char, index) => {
    if (/[\p{L}\p{N}._@-]/u.test(char) || /\s|\p{Cc}/u.test(char)) return;
    if (/\p{M}/u.test(char) && index > 0 && /[\p{L}\p{M}]/u.test(chars[index - 1]!)) return;
    invalid.add(char);
  });
  if (invalid.size > 0) problems.push({ code: 'invalid_characters', characters: [...invalid].slice(0, 10) });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Lockout

export type LockoutPolicy = {
  /** Failures in a row before the first lock. */
  threshold: number;
  /** Length of the first lock; each further failure doubles it. */
  baseLockMs: number;
  maxLockMs: number;
};

export const defaultLockoutPolicy: Readonly<LockoutPolicy> = Object.freeze({
  threshold: 5,
  baseLockMs: 15 * 60_000,
  maxLockMs: 24 * 60 * 60_000,
});

export type LockoutCounters = {
  /** Failed sign-ins since the last success (the caller resets it on success). */
  failedAttempts: number;
  /** When the last failure happened: epoch ms, an ISO string or a Date; null when none. */
  lastFailureAt: number | string | Date | null;
};

const toMs = (time: number | string | Date | null): number => (time === null ? NaN : typeof time === 'number' ? time : new Date(time).getTime());

/** How long `failedAttempts` failures lock the account for (0 below the threshold). */
export function lockDurationMs(failedAttempts: number, policy: LockoutPolicy = defaultLockoutPolicy): number {
  // NaN or negative counts are a corrupt row: treat them as many failures (fail closed).
  const failures = typeof failedAttempts !== 'number' || Number.isNaN(failedAttempts) || failedAttempts < 0 ? Infinity : Math.floor(failedAttempts);
  if (failures < policy.threshold) return 0;
  return Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** Math.min(failures - policy.threshold, 60));
}

/**
 * Whether sign-in is locked `now`, and for how much longer. Pure: the caller stores the counters,
 * refuses attempts while `locked` (without checking the password or counting them), counts each
 * later failure, and resets the counters on success. With the default policy: 5 failures lock for
 * 15 minutes, 6 for 30, 7 for 60, … capped at 24 hours. A clock set backwards never makes the
 * wait longer than the lock itself; a missing or unreadable last-failure time with enough
 * failures locks for the full duration (fail closed).
 */
export function lockoutState(
  counters: LockoutCounters,
  now: number | Date,
  policy: LockoutPolicy = defaultLockoutPolicy,
): { locked: boolean; retryAfterMs: number } {
  const duration = lockDurationMs(counters.failedAttempts, policy);
  if (duration === 0) return { locked: false, retryAfterMs: 0 };
  const last = toMs(counters.lastFailureAt);
  const nowMs = typeof now === 'number' ? now : now.getTime();
  if (!Number.isFinite(last) || !Number.isFinite(nowMs)) return { locked: true, retryAfterMs: duration };
  const remaining = Math.min(duration, last + duration - nowMs);
  return remaining > 0 ? { locked: true, retryAfterMs: remaining } : { locked: false, retryAfterMs: 0 };
}
