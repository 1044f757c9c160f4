/**
 * Hostility at the HTTP level, below the contract: tokens, bodies, content types, sizes, methods,
 * URLs and headers that a browser would never send.
 */
import { maxRequestBytes, webBridgePaths } from '../../shared/contract/web-bridge-protocol.ts';
import type { RawRequest } from './http.ts';

export interface RawCase {
  label: string;
  request: RawRequest;
  /**
   * `json`: a WireResult must come back. `any`: some HTTP answer (static files, Node's own 4xx).
   * `dropped-ok`: the server may also close the connection (oversized or aborted bodies).
   */
  expect: 'json' | 'any' | 'dropped-ok';
}

export function rawCases(token: string, port: number): RawCase[] {
  const host = `127.0.0.1:${port}`;
  const json = { host, 'content-type': 'application/json' };
  const auth = { ...json, authorization: `Bearer ${token}` };
  const list = JSON.stringify({ method: 'workspaces.list', input: {} });
  const call = (label: string, headers: Record<string, string>, body: string | Buffer, expect: RawCase['expect'] = 'json'): RawCase => ({
    label,
    request: { method: 'POST', path: webBridgePaths.call, headers, body },
    expect,
  });
  const get = (label: string, path: string, headers: Record<string, string> = { host }): RawCase => ({ label, request: { method: 'GET', path, headers }, expect: 'any' });

  return [
    // Tokens
    call('no token', json, list),
    call('wrong token', { ...json, authorization: 'Bearer nope' }, list),
    call('token with trailing space', { ...json, authorization: `Bearer ${token} ` }, list),
    call('lowercase scheme', { ...json, authorization: `bearer ${token}` }, list),
    call('basic auth', { ...json, authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }, list),
    call('token prefix only', { ...json, authorization: `Bearer ${token.slice(0, -1)}` }, list),
    call('latin-1 token', { ...json, authorization: 'Bearer \u00ff\u00fe' }, list),
    call('8 KB token', { ...json, authorization: `Bearer ${'t'.repeat(8192)}` }, list),
    // Node's parser answers 431 and may reset the connection before the client finishes sending.
    call('64 KB header', { ...auth, 'x-filler': 'h'.repeat(65_536) }, list, 'dropped-ok'),
    // Bodies that are not {method, input}
    ...['', '{', 'null', '[]', '"workspaces.list"', '42', 'true', 'NaN', '{"method":', `${list} trailing`, '{"method":"workspaces.list","input":{}}}'].map((body) => call(`body ${JSON.stringify(body)}`, auth, body)),
    call('body with BOM', auth, `\ufeff${list}`),
    call('body in UTF-16', auth, Buffer.from(list, 'utf16le')),
    call('body with invalid UTF-8', auth, Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
    call('duplicate keys', auth, '{"method":"workspaces.list","method":"settings.update","input":{}}'),
    call('__proto__ body', auth, '{"__proto__":{"method":"settings.update"},"input":{}}'),
    // Method names that are not methods
    ...[123, null, ['workspaces.list'], { name: 'workspaces.list' }, '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'workspaces.list\u0000', 'WORKSPACES.LIST', ' workspaces.list', 'workspaces', '', 'x'.repeat(100_000)].map((method) =>
      call(`method ${JSON.stringify(method).slice(0, 40)}`, auth, JSON.stringify({ method, input: {} })),
    ),
    call('no method', auth, JSON.stringify({ input: {} })),
    // Content types
    call('text/plain', { ...auth, 'content-type': 'text/plain' }, list),
    call('form encoded', { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, 'method=workspaces.list&input=%7B%7D'),
    call('multipart', { ...auth, 'content-type': 'multipart/form-data; boundary=x' }, '--x\r\nContent-Disposition: form-data; name="method"\r\n\r\nworkspaces.list\r\n--x--'),
    call('declared UTF-16', { ...auth, 'content-type': 'application/json; charset=utf-16' }, list),
    // Sizes
    call('body just over the limit', auth, Buffer.alloc(maxRequestBytes + 1, 0x20), 'dropped-ok'),
    call('10 MB body', auth, Buffer.alloc(10 * 1024 * 1024, 0x61), 'dropped-ok'),
    call('4 MB string input', auth, JSON.stringify({ method: 'logs.count', input: { filters: { text: 'x'.repeat(maxRequestBytes - 100) } } })),
    { label: 'body cut off mid-way', request: { method: 'POST', path: webBridgePaths.call, headers: { ...auth, 'content-length': String(list.length) }, body: list, abortAfterBytes: 10 }, expect: 'dropped-ok' },
    // HTTP methods and URLs
    ...['GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'].map((method): RawCase => ({ label: `${method} ${webBridgePaths.call}`, request: { method, path: webBridgePaths.call, headers: auth }, expect: 'json' })),
    { label: 'call path with query', request: { method: 'POST', path: `${webBridgePaths.call}?x=1&__proto__=1`, headers: auth, body: list }, expect: 'json' },
    { label: 'call path with trailing slash', request: { method: 'POST', path: `${webBridgePaths.call}/`, headers: auth, body: list }, expect: 'any' },
    { label: 'call path upper case', request: { method: 'POST', path: webBridgePaths.call.toUpperCase(), headers: auth, body: list }, expect: 'any' },
    // Host and Origin
    call('other host', { ...auth, host: 'evil.example' }, list),
    // Node's parser refuses an HTTP/1.1 request without Host (400) before the bridge sees it.
    { label: 'no host', request: { method: 'POST', path: webBridgePaths.call, headers: withoutHost(auth), body: list, omitHost: true }, expect: 'any' },
    call('other origin', { ...auth, origin: 'https://evil.example' }, list),
    call('null origin', { ...auth, origin: 'null' }, list),
    call('origin on another port', { ...auth, origin: 'http://127.0.0.1:1' }, list),
    // Static files
    get('index', '/'),
    get('dot-dot', '/../../etc/passwd'),
    get('encoded dot-dot', '/%2e%2e/%2e%2e/etc/passwd'),
    get('encoded slash', '/..%2F..%2Fetc%2Fpasswd'),
    get('backslashes', '/..\\..\\etc\\passwd'),
    get('NUL', '/index.html%00.js'),
    get('malformed escape', '/%E0%A4%A'),
    get('long URL', `/${'a'.repeat(8000)}`),
    get('absolute URL', 'http://evil.example/index.html'),
    get('events without upgrade', webBridgePaths.events),
    get('static with other host', '/', { host: 'evil.example' }),
  ];
}

function withoutHost(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'host'));
}
