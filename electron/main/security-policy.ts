/**
 * The desktop shell's security policy as plain functions: which URLs are EvalDesk's own pages,
 * which external links may be handed to the system browser, and the Content-Security-Policy.
 * It never imports `electron`, so every rule is tested in plain Node (tests/electron-security.test.ts);
 * electron/main/index.ts only wires it to Electron's hooks.
 *
 * Every check parses the URL and compares its parts; string prefixes are never trusted
 * (`file:///…/out/renderer-x/` starts with `file:///…/out/renderer`, and
 * `http://localhost:5173.evil.com` starts with `http://localhost:5173`).
 */

/** The custom scheme that serves the built renderer instead of file://. */
export const appProtocol = { scheme: 'app', host: 'evaldesk' } as const;

/** The page the window loads in a packaged app. */
export const appEntryUrl = `${appProtocol.scheme}://${appProtocol.host}/index.html`;

export interface UrlTrustOptions {
  appScheme: string;
  appHost: string;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL); only ever a loopback http(s) origin. */
  devUrl?: string | undefined;
}

export interface UrlTrust {
  /** True only for EvalDesk's own renderer: the app protocol, or the dev server's exact origin. */
  isTrustedUrl: (url: string) => boolean;
  /** The dev server's origin (`http://localhost:5173`), or null outside `electron-vite dev`. */
  devOrigin: string | null;
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

export function createUrlTrust(options: UrlTrustOptions): UrlTrust {
  const appProtocolName = `${options.appScheme.toLowerCase()}:`;
  const appHost = options.appHost.toLowerCase();
  const dev = options.devUrl ? parseDevUrl(options.devUrl) : null;

  const isTrustedUrl = (url: string): boolean => {
    const parsed = parseUrl(url);
    if (!parsed || parsed.username !== '' || parsed.password !== '') return false;
    if (parsed.protocol === appProtocolName) {
      return parsed.host === appHost && !hasDotSegments(url) && decodeAppPath(parsed.pathname) !== null;
    }
    // http(s) origins are (scheme, host, port) tuples: this is an exact comparison, so
    // localhost:51730 or localhost.evil.com never match localhost:5173.
    return dev !== null && parsed.origin === dev.origin;
  };

  return { isTrustedUrl, devOrigin: dev?.origin ?? null };
}

/**
 * A dev server URL comes from the environment; refuse anything but loopback http(s) so that a
 * stray ELECTRON_RENDERER_URL can never make a remote site "trusted".
 */
function parseDevUrl(devUrl: string): URL {
  const parsed = parseUrl(devUrl);
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !loopbackHosts.has(parsed.hostname)) {
    throw new Error(`The renderer dev URL must be a loopback http(s) URL, got ${JSON.stringify(devUrl)}.`);
  }
  if (parsed.username !== '' || parsed.password !== '') throw new Error('The renderer dev URL must not carry credentials.');
  return parsed;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when the URL as written (before the URL parser quietly normalises it) has a `.` or `..`
 * path segment, literal or percent-encoded, separated by `/`, `\` or their encodings. Such URLs are
 * never produced by the app itself, so they are refused rather than "fixed".
 */
export function hasDotSegments(rawUrl: string): boolean {
  // The URL parser drops tabs and newlines anywhere in the input: `.\t.` reads as `..`.
  const cleaned = rawUrl.replace(/[\t\n\r]/g, '').trim();
  const beforeQuery = cleaned.split(/[?#]/, 1)[0] ?? '';
  const path = beforeQuery.replace(/^[a-z][a-z0-9+.-]*:(?:[/\\]{2}[^/\\]*)?/i, '');
  return path
    .replace(/%2e/gi, '.')
    .split(/[/\\]|%2f|%5c/i)
    .some((segment) => segment === '.' || segment === '..');
}

/**
 * The path segments of an app-protocol pathname, percent-decoded, or null when decoding would
 * leave the renderer root or reach something other than a plain relative file name: `..` or `.`
 * segments (possibly hidden as `%2e%2e` or `..%2f`), backslashes (separators on Windows), NUL,
 * colons, or a malformed escape.
 */
export function decodeAppPath(pathname: string): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((segment) => segment !== '');
  // A `:` could name a drive (`C:`) or an alternate data stream on Windows; no built file has one.
  if (segments.some((segment) => segment === '.' || segment === '..' || segment.includes(':'))) return null;
  return segments;
}

/**
 * Hosts the app itself links to (model pages and the runtime's documentation). Exact host names:
 * a subdomain or a look-alike (`huggingface.co.evil.com`) is not the same site.
 */
export const externalLinkHosts: readonly string[] = ['huggingface.co', 'node-llama-cpp.withcat.ai'];

/** Whether a link may be opened in the system browser: https, an allow-listed host, no credentials, default port. */
export function externalLinkAllowed(url: string, allowedHosts: readonly string[] = externalLinkHosts): boolean {
  const parsed = parseUrl(url);
  if (!parsed || parsed.protocol !== 'https:') return false;
  if (parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return false;
  return allowedHosts.includes(parsed.hostname);
}

export interface ContentSecurityPolicyOptions {
  /** The dev server's origin; its scripts and its HMR websocket are allowed only in dev mode. */
  devOrigin?: string | null;
}

/**
 * The renderer's Content-Security-Policy, sent as a response header on every app:// response and
 * on the dev server's responses. `'self'` is `app://evaldesk` because the scheme is registered as
 * standard (it has a real origin, unlike file://).
 */
export function buildContentSecurityPolicy(options: ContentSecurityPolicyOptions = {}): string {
  const devOrigin = options.devOrigin ?? null;
  const devSources = devOrigin ? ` ${devOrigin} ${devOrigin.replace(/^http/, 'ws')}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${devSources}`,
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
