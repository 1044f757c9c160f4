import chardet from 'chardet';
import iconv from 'iconv-lite';
import { ApiError } from '../../../shared/contract/errors.ts';

export interface DecodedText {
  text: string;
  /** The encoding the bytes were read as (after detection). */
  encoding: string;
  /** Set when a declared encoding was wrong and detection overrode it. */
  warning?: string;
}

/** Legacy encodings EvalDesk converts; chardet's names mapped to iconv-lite's. */
const legacyEncodings: Record<string, string> = {
  Shift_JIS: 'Shift_JIS',
  'EUC-JP': 'EUC-JP',
  'EUC-KR': 'EUC-KR',
  GB18030: 'GB18030',
  GBK: 'GBK',
  Big5: 'Big5',
  'UTF-16LE': 'UTF-16LE',
  'UTF-16BE': 'UTF-16BE',
  'ISO-8859-1': 'windows-1252',
  'windows-1252': 'windows-1252',
};

function normalizeName(name: string): string | null {
  const lower = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  const aliases: Record<string, string> = {
    utf8: 'UTF-8',
    utf16le: 'UTF-16LE',
    utf16be: 'UTF-16BE',
    shiftjis: 'Shift_JIS',
    sjis: 'Shift_JIS',
    cp932: 'Shift_JIS',
    windows31j: 'Shift_JIS',
    eucjp: 'EUC-JP',
    euckr: 'EUC-KR',
    cp949: 'EUC-KR',
    uhc: 'EUC-KR',
    gbk: 'GBK',
    gb2312: 'GBK',
    gb18030: 'GB18030',
    big5: 'Big5',
    latin1: 'windows-1252',
    iso88591: 'windows-1252',
    windows1252: 'windows-1252',
  };
  return aliases[lower] ?? null;
}

function strictUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** UTF-16 without a BOM shows up as NUL bytes in every other position for Latin text. */
function sniffUtf16(bytes: Uint8Array): 'UTF-16LE' | 'UTF-16BE' | null {
  const sample = Math.min(bytes.length, 4096) & ~1;
  if (sample < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = sample / 2;
  if (oddZeros > pairs * 0.3 && evenZeros < pairs * 0.05) return 'UTF-16LE';
  if (evenZeros > pairs * 0.3 && oddZeros < pairs * 0.05) return 'UTF-16BE';
  return null;
}

/** Text files do not contain NUL or many C0 control bytes; binaries renamed to .txt do. */
function looksBinary(text: string): boolean {
  const sample = text.slice(0, 8192);
  if (sample.length === 0) return false;
  let control = 0;
  for (const char of sample) {
    const code = char.codePointAt(0)!;
    if (code === 0) return true;
    if ((code < 9 || (code > 13 && code < 32)) && code !== 27) control++;
    if (code === 0xfffd) control++;
  }
  return control / sample.length > 0.1;
}

function decodeWith(bytes: Uint8Array, encoding: string): string {
  return encoding === 'UTF-8' ? new TextDecoder('utf-8').decode(bytes) : iconv.decode(Buffer.from(bytes), encoding);
}

function replacementRatio(text: string): number {
  if (text.length === 0) return 0;
  let bad = 0;
  for (const char of text) if (char === '\ufffd') bad++;
  return bad / text.length;
}

/**
 * Turns file bytes into text: BOM first, then strict UTF-8, then UTF-16 and the legacy CJK
 * encodings by detection. A declared encoding (from HTML or the caller) is tried first but not
 * trusted: if it produces garbage, detection decides and the result carries a warning.
 */
export function decodeText(bytes: Uint8Array, fileName: string, declared?: string): DecodedText {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'UTF-8' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: iconv.decode(Buffer.from(bytes.subarray(2)), 'UTF-16LE'), encoding: 'UTF-16LE' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: iconv.decode(Buffer.from(bytes.subarray(2)), 'UTF-16BE'), encoding: 'UTF-16BE' };

  let warning: string | undefined;
  const declaredName = declared ? normalizeName(declared) : null;
  if (declaredName) {
    const text = declaredName === 'UTF-8' ? strictUtf8(bytes) : decodeWith(bytes, declaredName);
    if (text !== null && replacementRatio(text) < 0.001 && !looksBinary(text)) return { text, encoding: declaredName };
    warning = `The file says it is ${declared}, but it is not; its encoding was detected instead.`;
  }

  const utf8 = strictUtf8(bytes);
  if (utf8 !== null) {
    if (looksBinary(utf8)) throw binaryError(fileName);
    return { text: utf8, encoding: 'UTF-8', ...(warning && { warning }) };
  }
  const utf16 = sniffUtf16(bytes);
  if (utf16) return { text: iconv.decode(Buffer.from(bytes), utf16), encoding: utf16, ...(warning && { warning }) };

  // chardet ranks candidates; take the best one EvalDesk supports that decodes cleanly.
  const candidates = chardet.analyse(bytes);
  for (const candidate of candidates) {
    const encoding = legacyEncodings[candidate.name];
    if (!encoding) continue;
    const text = decodeWith(bytes, encoding);
    if (replacementRatio(text) < 0.01 && !looksBinary(text)) return { text, encoding, ...(warning && { warning }) };
  }
  throw binaryError(fileName);
}

function binaryError(fileName: string): ApiError {
  return new ApiError(
    'DOCUMENT_UNREADABLE',
    `${fileName} does not contain readable text in a supported encoding (UTF-8, UTF-16, Shift_JIS, EUC-JP, EUC-KR, GBK, Big5). Is it a binary file with a text extension?`,
    { file: fileName },
  );
}
