import path from 'node:path';
import { parse as parseHtml, type HTMLElement } from 'node-html-parser';
import { documentFormatOf, documentFormats, type DocumentFormat } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { decodeText } from './decode-text.ts';

/** A stretch of text with where it came from, so citations can point at a page or a section. */
export interface TextSection {
  text: string;
  page?: number;
  section?: string;
}

export interface ExtractedDocument {
  title: string;
  format: DocumentFormat;
  sections: TextSection[];
  encoding?: string;
  warnings: string[];
}

/** Largest file EvalDesk ingests: a 500 MB "document" is a mistake, not a manual. */
export const maxDocumentBytes = 100 * 1024 * 1024;

function markdownSections(text: string): TextSection[] {
  const sections: TextSection[] = [];
  let heading: string | undefined;
  let buffer: string[] = [];
  const flush = () => {
    const body = buffer.join('\n').trim();
    if (body) sections.push({ text: body, ...(heading && { section: heading }) });
    buffer = [];
  };
  for (const line of text.split(/\r?\n/)) {
    const match = /^(#{1,6})\s+(.+?)\s*#*$/.exec(line);
    if (match) {
      flush();
      heading = match[2]!;
    }
    buffer.push(line);
  }
  flush();
  return sections;
}

function htmlSections(html: string): { title: string | null; sections: TextSection[] } {
  const root = parseHtml(html, { blockTextElements: { script: false, style: false, noscript: false, pre: true } });
  const title = root.querySelector('title')?.text.trim() || null;
  const body = (root.querySelector('body') ?? root) as HTMLElement;
  const sections: TextSection[] = [];
  let heading: string | undefined;
  let buffer: string[] = [];
  const flush = () => {
    const text = buffer.join('\n').replace(/\n{3,}/g, '\n\n').trim();
    if (text) sections.push({ text, ...(heading && { section: heading }) });
    buffer = [];
  };
  const walk = (node: HTMLElement) => {
    for (const child of node.childNodes) {
      if (child.nodeType === 3) {
        const text = child.text.replace(/\s+/g, ' ');
        if (text.trim()) buffer.push(text.trim());
        continue;
      }
      if (child.nodeType !== 1) continue;
      const element = child as HTMLElement;
      const tag = element.tagName?.toLowerCase() ?? '';
      if (/^h[1-6]$/.test(tag)) {
        flush();
        heading = element.text.replace(/\s+/g, ' ').trim();
        buffer.push(heading);
      } else {
        walk(element);
        if (/^(p|div|li|tr|br|section|article|table|ul|ol)$/.test(tag)) buffer.push('\n');
      }
    }
  };
  walk(body);
  flush();
  return { title, sections };
}

function parseCsvLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

/** Each row becomes "header: value" pairs, so a retrieved row still says what its numbers mean. */
function csvSections(text: string): TextSection[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) return [];
  const delimiter = (lines[0]!.match(/\t/g)?.length ?? 0) > (lines[0]!.match(/,/g)?.length ?? 0) ? '\t' : ',';
  const headers = parseCsvLine(lines[0]!, delimiter);
  const rows = lines.slice(1).map((line, index) => {
    const cells = parseCsvLine(line, delimiter);
    return `row ${index + 1}: ${cells.map((cell, i) => `${headers[i] ?? `column ${i + 1}`}: ${cell}`).join(' | ')}`;
  });
  return [{ text: rows.length ? rows.join('\n') : headers.join(' | ') }];
}

function jsonSections(text: string, fileName: string): TextSection[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ApiError('DOCUMENT_UNREADABLE', `${fileName} is not valid JSON: ${(cause as Error).message}`, { file: fileName });
  }
  const lines: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) walk(child, at ? `${at}.${key}` : key);
    } else if (node !== null && node !== undefined && String(node).trim() !== '') {
      lines.push(at ? `${at}: ${String(node)}` : String(node));
    }
  };
  walk(value, '');
  return [{ text: lines.join('\n') }];
}

async function pdfSections(bytes: Uint8Array, fileName: string): Promise<TextSection[]> {
  const { extractText, getDocumentProxy } = await import('unpdf');
  let pages: string[];
  try {
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    pages = (await extractText(pdf, { mergePages: false })).text;
  } catch (cause) {
    const name = (cause as { name?: string }).name ?? '';
    if (name === 'PasswordException') {
      throw new ApiError('DOCUMENT_UNREADABLE', `${fileName} is password-protected; remove the password and add it again.`, { file: fileName });
    }
    throw new ApiError('DOCUMENT_UNREADABLE', `${fileName} is not a readable PDF (${(cause as Error).message ?? 'broken file'}).`, { file: fileName });
  }
  return pages.map((text, i) => ({ text: text.trim(), page: i + 1 })).filter((section) => section.text !== '');
}

async function docxSections(bytes: Uint8Array, fileName: string): Promise<TextSection[]> {
  const mammoth = (await import('mammoth')).default;
  try {
    const result = await mammoth.extractRawText({ buffer: Buffer.from(bytes) });
    return markdownSections(result.value);
  } catch {
    throw new ApiError('DOCUMENT_UNREADABLE', `${fileName} is not a Word (.docx) document, or it is damaged.`, { file: fileName });
  }
}

/**
 * Reads one document's text, page by page (PDF) or section by section (headings). Throws an
 * ApiError that names the file and the problem; never returns half a document.
 */
export async function extractDocument(bytes: Uint8Array, fileName: string, options: { declaredEncoding?: string } = {}): Promise<ExtractedDocument> {
  const format = documentFormatOf(fileName);
  if (!format) {
    throw new ApiError('DOCUMENT_UNSUPPORTED', `${fileName}: this file type is not supported. Use ${documentFormats.map((f) => `.${f}`).join(', ')}.`, { file: fileName });
  }
  if (bytes.length > maxDocumentBytes) {
    throw new ApiError('DOCUMENT_TOO_LARGE', `${fileName} is ${Math.round(bytes.length / 1024 / 1024)} MB; documents up to ${maxDocumentBytes / 1024 / 1024} MB are accepted. Split it first.`, { file: fileName });
  }
  if (bytes.length === 0) throw new ApiError('DOCUMENT_EMPTY', `${fileName} is empty.`, { file: fileName });

  const warnings: string[] = [];
  let sections: TextSection[];
  let title = path.basename(fileName, path.extname(fileName));
  let encoding: string | undefined;
  if (format === 'pdf') sections = await pdfSections(bytes, fileName);
  else if (format === 'docx') sections = await docxSections(bytes, fileName);
  else {
    const charset = format === 'html' ? /<meta[^>]+charset=["']?([\w-]+)/i.exec(Buffer.from(bytes.subarray(0, 2048)).toString('latin1'))?.[1] : undefined;
    const decoded = decodeText(bytes, fileName, options.declaredEncoding ?? charset);
    encoding = decoded.encoding;
    if (decoded.warning) warnings.push(decoded.warning);
    const text = decoded.text.replace(/\r\n?/g, '\n');
    if (format === 'md') sections = markdownSections(text);
    else if (format === 'html') {
      const html = htmlSections(text);
      if (html.title) title = html.title;
      sections = html.sections;
    } else if (format === 'csv') sections = csvSections(text);
    else if (format === 'json') sections = jsonSections(text, fileName);
    else sections = [{ text: text.trim() }];
  }
  sections = sections.filter((section) => section.text.trim() !== '');
  if (sections.length === 0) throw new ApiError('DOCUMENT_EMPTY', `${fileName} contains no text to index.`, { file: fileName });
  return { title, format, sections, ...(encoding && { encoding }), warnings };
}
