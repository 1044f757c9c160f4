import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const flushBytes = 256 * 1024;

/**
 * Appends JSONL lines to one file with constant memory, hashing what it writes. The newest line is
 * held back until the next one arrives, so the exporter can still move it to another split
 * (mlx-lm refuses an empty valid.jsonl) without rewriting the file.
 */
export class SplitWriter {
  readonly filePath: string;
  rows = 0;
  bytes = 0;
  private readonly fd: number;
  private readonly hash = crypto.createHash('sha256');
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private heldBack: { line: string; key: number } | null = null;

  constructor(dir: string, fileName: string) {
    this.filePath = path.join(dir, fileName);
    this.fd = fs.openSync(this.filePath, 'w');
  }

  get name(): string {
    return path.basename(this.filePath);
  }

  /** `key` identifies the row (the evaluation id) so a moved line can be re-labelled. */
  append(line: string, key: number): void {
    if (this.heldBack) this.push(this.heldBack.line);
    this.heldBack = { line, key };
    this.rows++;
  }

  /** Removes and returns the newest line, if it is still held back. */
  takeLast(): { line: string; key: number } | null {
    const last = this.heldBack;
    if (last) this.rows--;
    this.heldBack = null;
    return last;
  }

  close(): { name: string; rows: number; bytes: number; sha256: string } {
    if (this.heldBack) this.push(this.heldBack.line);
    this.heldBack = null;
    this.flush();
    fs.closeSync(this.fd);
    return { name: this.name, rows: this.rows, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  abandon(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }

  private push(line: string): void {
    const text = `${line}\n`;
    this.buffer.push(text);
    this.bufferedBytes += text.length;
    if (this.bufferedBytes >= flushBytes) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const chunk = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.bufferedBytes = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) offset += fs.writeSync(this.fd, chunk, offset);
  }
}
