import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { appProtocol, decodeAppPath, hasDotSegments } from './security-policy.ts';

/**
 * The app:// protocol that serves the built renderer, as plain Node code (no `electron` import):
 * index.ts registers the scheme and hands Electron the handler made here.
 *
 * Why not file://: a file:// page's origin is opaque and shared with every other local file, and
 * file:// carries extra privileges (see the grantFileProtocolExtraPrivileges fuse). A standard,
 * secure custom scheme gives the renderer a real origin (`app://evaldesk`) that the CSP's `'self'`,
 * the IPC sender check and the navigation guards can all name exactly.
 */

/**
 * Privileges for protocol.registerSchemesAsPrivileged. Deliberately without `corsEnabled` (other
 * origins cannot read app:// responses) and without `bypassCSP` (the CSP applies to it as to any page).
 */
export const appSchemePrivileges = { standard: true, secure: true, supportFetchAPI: true } as const;

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** Module scripts are refused unless served with a JavaScript MIME type, so the type is set explicitly. */
export function contentTypeFor(filePath: string): string {
  return contentTypes[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The absolute file an app:// request names inside the renderer root, or null when the URL is not
 * ours (other scheme, host, port, credentials) or its path would leave the root by any spelling.
 * `app://evaldesk/` serves index.html.
 */
export function resolveAppRequest(requestUrl: string, rendererRoot: string, protocol: { scheme: string; host: string } = appProtocol): string | null {
  let parsed: URL;
  try {
    parsed = new URL(requestUrl);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${protocol.scheme}:` || parsed.host !== protocol.host) return null;
  if (parsed.username !== '' || parsed.password !== '' || hasDotSegments(requestUrl)) return null;
  const segments = decodeAppPath(parsed.pathname);
  if (!segments) return null;

  const root = path.resolve(rendererRoot);
  const file = path.resolve(root, ...(segments.length === 0 ? ['index.html'] : segments));
  // Whatever the checks above might miss, the answer must still lie strictly inside the root
  // (compared as a relative path, never as a string prefix: `renderer-x` is not in `renderer`).
  const fromRoot = path.relative(root, file);
  if (fromRoot === '' || fromRoot === '..' || fromRoot.startsWith(`..${path.sep}`) || path.isAbsolute(fromRoot)) return null;
  return file;
}

export interface AppRequestHandlerOptions {
  /** The built renderer folder (out/renderer, inside app.asar when packaged). */
  rendererRoot: string;
  /** Sent with every response: the CSP holds for app:// pages whatever their <meta> says. */
  contentSecurityPolicy: string;
  /**
   * Reads a file:// URL. Electron passes `net.fetch` (streams, reads inside app.asar); the default
   * reads from disk so the handler runs unchanged in plain Node tests.
   */
  fetchFile?: (fileUrl: string) => Promise<Response>;
}

async function readFileResponse(fileUrl: string): Promise<Response> {
  return new Response(new Uint8Array(await readFile(fileURLToPath(fileUrl))));
}

/** The handler for protocol.handle('app', …): GET/HEAD of files under the renderer root, nothing else. */
export function createAppRequestHandler(options: AppRequestHandlerOptions): (request: Request) => Promise<Response> {
  const fetchFile = options.fetchFile ?? readFileResponse;
  const refuse = (status: number, text: string) =>
    new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } });

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Method not allowed');
    const file = resolveAppRequest(request.url, options.rendererRoot);
    // Only regular files: a folder would otherwise come back as Chromium's directory listing.
    if (!file || !(await isRegularFile(file))) return refuse(404, 'Not found');
    let fetched: Response;
    try {
      fetched = await fetchFile(pathToFileURL(file).href);
    } catch {
      return refuse(404, 'Not found');
    }
    if (!fetched.ok) return refuse(404, 'Not found');
    if (request.method === 'HEAD') await fetched.body?.cancel();
    return new Response(request.method === 'HEAD' ? null : fetched.body, {
      status: 200,
      headers: {
        'content-type': contentTypeFor(file),
        'content-security-policy': options.contentSecurityPolicy,
        'x-content-type-options': 'nosniff',
      },
    });
  };
}

async function isRegularFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
