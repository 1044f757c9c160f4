import fs from 'node:fs';
import { BrowserWindow, session } from 'electron';
import type { PdfRenderer } from '../services/report/pdf.ts';

/** A stuck page must not hold the report forever. */
const printTimeoutMs = 60_000;

/**
 * The desktop app's PDF renderer for PoC reports: a hidden window in a throw-away session of its
 * own (no cookies, no app protocol, no network: the report is self-contained), scripts off, that
 * loads the report's HTML file and prints it with `webContents.printToPDF`.
 */
export function electronPdfRenderer(): PdfRenderer {
  return async (htmlPath, pdfPath, signal) => {
    const printSession = session.fromPartition('evaldesk-report-print', { cache: false });
    // Only the report file itself may load: anything else it named would be a leak or a stall.
    printSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !details.url.startsWith('file://') && !details.url.startsWith('data:') }));
    const window = new BrowserWindow({ show: false, webPreferences: { session: printSession, sandbox: true, contextIsolation: true, javascript: false, nodeIntegration: false } });
    const abort = () => window.destroy();
    signal?.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(abort, printTimeoutMs);
    try {
      await window.loadFile(htmlPath);
      const pdf = await window.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
      fs.writeFileSync(pdfPath, pdf);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      if (!window.isDestroyed()) window.destroy();
    }
  };
}
