import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import JSZip from 'jszip';
import { chunkSections } from '../electron/services/documents/chunker.ts';
import { decodeText } from '../electron/services/documents/decode-text.ts';
import { extractDocument } from '../electron/services/documents/extract.ts';
import { ApiError } from '../shared/contract/errors.ts';
import { writeSimplePdf } from './fixtures/pdf-writer.ts';

const japanese = '経費精算の締め日は毎月二十五日です。領収書の原本を添付してください。';
const korean = '연차 휴가는 최소 사흘 전에 신청해야 합니다. 팀장의 승인이 필요합니다.';
const chinese = '合同审核需要营业执照和授权书。请提前五个工作日提交。';
const traditional = '請假需要主管核准。';

async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(promise, (error: unknown) => error instanceof ApiError && error.code === code && pattern.test(error.message));
}

test('text in UTF-8, UTF-16 (with and without BOM) and legacy CJK encodings is detected and converted', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['UTF-8', Buffer.from(japanese), 'UTF-8'],
    ['UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(korean)]), 'UTF-8'],
    ['UTF-16LE BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(korean, 'utf16le')]), 'UTF-16LE'],
    ['UTF-16BE BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(chinese, 'utf16be')]), 'UTF-16BE'],
    ['UTF-16LE no BOM', iconv.encode(`Policy ${korean} and more English words here.`, 'utf16le'), 'UTF-16LE'],
    ['Shift_JIS', iconv.encode(japanese.repeat(3), 'Shift_JIS'), 'Shift_JIS'],
    ['EUC-JP', iconv.encode(japanese.repeat(3), 'EUC-JP'), 'EUC-JP'],
    ['EUC-KR', iconv.encode(korean.repeat(3), 'EUC-KR'), 'EUC-KR'],
    ['GBK', iconv.encode(chinese.repeat(3), 'GBK'), 'GB'],
    ['Big5', iconv.encode(traditional.repeat(6), 'Big5'), 'Big5'],
  ];
  for (const [label, bytes, expected] of cases) {
    const decoded = decodeText(bytes, `${label}.txt`);
    assert.ok(decoded.encoding.startsWith(expected), `${label}: detected ${decoded.encoding}`);
    const original = label.startsWith('UTF-16LE no') ? `Policy ${korean}` : label === 'Big5' ? traditional : [japanese, korean, chinese].find((t) => decoded.text.includes(t));
    assert.ok(original && decoded.text.includes(original), `${label}: text survives (${decoded.text.slice(0, 30)})`);
  }
});

test('a wrong declared encoding is overridden by detection, with a warning', async () => {
  const html = `<html><head><meta charset="utf-8"><title>規程</title></head><body><h1>経費</h1><p>${japanese}</p></body></html>`;
  const document = await extractDocument(iconv.encode(html, 'Shift_JIS'), 'policy.html');
  assert.equal(document.encoding, 'Shift_JIS');
  assert.match(document.warnings[0] ?? '', /says it is utf-8, but it is not/);
  assert.equal(document.title, '規程');
  assert.equal(document.sections[0]!.section, '経費');
  assert.ok(document.sections[0]!.text.includes(japanese));
});

test('each format keeps its structure: markdown and HTML sections, CSV headers, JSON paths, DOCX text', async () => {
  const md = await extractDocument(Buffer.from(`# 휴가\n${korean}\n\n## 経費\n${japanese}\n`), 'guide.md');
  assert.deepEqual(md.sections.map((s) => s.section), ['휴가', '経費']);
  const csv = await extractDocument(Buffer.from('name,days\n"Kim, J",3\nSato,5\n'), 'leave.csv');
  assert.equal(csv.sections[0]!.text, 'row 1: name: Kim, J | days: 3\nrow 2: name: Sato | days: 5');
  const json = await extractDocument(Buffer.from(JSON.stringify({ policy: { title: 'Travel', steps: ['book', '承認'] } })), 'p.json');
  assert.equal(json.sections[0]!.text, 'policy.title: Travel\npolicy.steps.0: book\npolicy.steps.1: 承認');

  const zip = new JSZip();
  zip.file('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>');
  zip.file('_rels/.rels', '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>');
  zip.file('word/document.xml', `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${chinese}</w:t></w:r></w:p></w:body></w:document>`);
  const docx = await extractDocument(await zip.generateAsync({ type: 'uint8array' }), 'contract.docx');
  assert.ok(docx.sections[0]!.text.includes(chinese));
});

test('a PDF is read page by page from its text layer', async () => {
  const pdf = await extractDocument(writeSimplePdf(['Leave policy: apply three days ahead.', 'Expenses close on the 25th (receipts required).']), 'handbook.pdf');
  assert.deepEqual(pdf.sections.map((s) => [s.page, s.text]), [
    [1, 'Leave policy: apply three days ahead.'],
    [2, 'Expenses close on the 25th (receipts required).'],
  ]);
  const chunks = chunkSections(pdf.sections, { size: 100, overlap: 0, countTokens: (text) => text.length });
  assert.deepEqual(chunks.map((c) => c.page), [1, 2], 'citations can point at the page');
});

test('broken, empty, binary, unsupported and oversized files get a clear per-file message', async () => {
  await rejectsWith(extractDocument(Buffer.from('PK\u0003\u0004 not really a zip'), 'fake.docx'), 'DOCUMENT_UNREADABLE', /not a Word \(\.docx\) document/);
  await rejectsWith(extractDocument(Buffer.from('%PDF-1.7\n garbage without objects'), 'broken.pdf'), 'DOCUMENT_UNREADABLE', /not a readable PDF/);
  await rejectsWith(extractDocument(writeSimplePdf(['Confidential'], { userPassword: 'secret' }), 'locked.pdf'), 'DOCUMENT_UNREADABLE', /password-protected/);
  await rejectsWith(extractDocument(new Uint8Array(0), 'empty.txt'), 'DOCUMENT_EMPTY', /empty/);
  await rejectsWith(extractDocument(Buffer.from('   \n\n  '), 'blank.md'), 'DOCUMENT_EMPTY', /no text/);
  const binary = Buffer.alloc(4096);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 256;
  await rejectsWith(extractDocument(binary, 'program.txt'), 'DOCUMENT_UNREADABLE', /binary file/);
  await rejectsWith(extractDocument(Buffer.from('x'), 'archive.zip'), 'DOCUMENT_UNSUPPORTED', /not supported/);
  await rejectsWith(extractDocument(Buffer.from('{"a": '), 'bad.json'), 'DOCUMENT_UNREADABLE', /not valid JSON/);
  // Size is checked before any parsing: a 500 MB file is refused without reading it as text.
  const huge = { length: 500 * 1024 * 1024 } as Uint8Array;
  await rejectsWith(extractDocument(huge, 'huge.txt'), 'DOCUMENT_TOO_LARGE', /500 MB/);
});

test('chunks respect the token budget, overlap whole sentences and never split a character', () => {
  // A character-level "tokenizer": every grapheme is a token, the strictest case for CJK.
  const countTokens = (text: string) => Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)).length;
  const text = `${japanese}${korean} ${chinese} 👩‍👩‍👧 가̈ ${'長'.repeat(70)}。`;
  const chunks = chunkSections([{ text, page: 3, section: '規程' }], { size: 40, overlap: 12, countTokens });
  assert.ok(chunks.length > 3);
  for (const chunk of chunks) {
    assert.ok(chunk.tokens <= 40, `chunk of ${chunk.tokens} tokens`);
    assert.equal(chunk.page, 3);
    assert.equal(chunk.section, '規程');
    assert.ok(!/[\ud800-\udbff]$/.test(chunk.text) && !/^[\udc00-\udfff]/.test(chunk.text), 'no broken surrogate pair');
  }
  const all = chunks.map((c) => c.text).join('');
  assert.ok(all.includes('👩‍👩‍👧'), 'the family emoji stays whole');
  assert.ok(all.includes('가̈'), 'a combining sequence stays whole');
  // Overlap: the last sentence of a chunk (when it fits in the overlap) starts the next chunk.
  const short = chunkSections([{ text: '一番。二番。三番。四番。五番。六番。七番。八番。' }], { size: 9, overlap: 3, countTokens });
  assert.deepEqual(short.map((c) => c.text), ['一番。二番。三番。', '三番。四番。五番。', '五番。六番。七番。', '七番。八番。']);
  // Pages are never mixed in one chunk.
  const paged = chunkSections([{ text: 'Page one text.', page: 1 }, { text: 'Page two text.', page: 2 }], { size: 100, overlap: 10, countTokens });
  assert.deepEqual(paged.map((c) => [c.page, c.text]), [[1, 'Page one text.'], [2, 'Page two text.']]);
});
