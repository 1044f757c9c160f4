import type { WireResult } from '../../shared/contract/transport.ts';

/** Methods whose result starts a signed-in session (and carries its token). */
const issuing: ReadonlySet<string> = new Set(['auth.signIn', 'auth.recover', 'auth.enableMultiUser']);

/**
 * The token of a session a successful call just started, taken out of the result: the desktop
 * window and the web bridge keep it themselves (per window; an HttpOnly cookie), so the renderer
 * never holds it. null when the call started no session.
 */
export function takeIssuedToken(method: unknown, result: WireResult): string | null {
  if (!result.ok || typeof method !== 'string' || !issuing.has(method)) return null;
  const value = result.value as { token?: unknown };
  if (typeof value?.token !== 'string') return null;
  const token = value.token;
  delete value.token;
  return token;
}

/** Whether a successful call ended the caller's session (the adapter forgets its token). */
export function endedSession(method: unknown, result: WireResult): boolean {
  return result.ok && method === 'auth.signOut';
}
