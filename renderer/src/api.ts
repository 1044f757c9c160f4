import { createClient } from '../../shared/contract/client.ts';
import { ApiError } from '../../shared/contract/errors.ts';
import type { ApiClient, ConnectionState, RawBridge } from '../../shared/contract/transport.ts';
import { createWebBridge } from '../../shared/contract/web-client.ts';
import { i18n } from './i18n/index.ts';

declare global {
  interface Window {
    /** Set by the Electron preload; absent when the app runs through the web bridge. */
    evaldesk?: RawBridge;
    /** Set by the Electron preload: the filesystem path of a dropped file. */
    evaldeskFiles?: { pathForFile(file: File): string; pick(folders: boolean): Promise<string[]> };
  }
}

const tokenKey = 'evaldesk.token';

/** Electron's preload bridge when present, otherwise the local web bridge with the URL's token. */
function selectBridge(): RawBridge {
  if (window.evaldesk) return window.evaldesk;
  const fromUrl = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromUrl) {
    sessionStorage.setItem(tokenKey, fromUrl);
    // Keep the token out of the address bar (and out of screenshots and history).
    window.history.replaceState(null, '', window.location.pathname);
  }
  return createWebBridge(window.location.origin, sessionStorage.getItem(tokenKey) ?? '');
}

const bridge = selectBridge();
const client = createClient(bridge);
const signedOutListeners = new Set<() => void>();
/** Counts the sign-ins of this window: a refusal of a call sent before the latest one is stale. */
let signIns = 0;
const signingIn: ReadonlySet<string> = new Set(['auth.signIn', 'auth.recover', 'auth.enableMultiUser']);

/**
 * The typed client. A call refused because nobody is signed in (multi-user mode: the session
 * ended, expired, or the account was suspended) also tells the store, which shows the sign-in,
 * unless someone signed in while it was under way (it went out with the old session).
 */
export const api: ApiClient = {
  async call(method, input) {
    const sentAfter = signIns;
    try {
      const value = await client.call(method, input);
      if (signingIn.has(method)) signIns += 1;
      return value;
    } catch (error) {
      const stale = sentAfter !== signIns;
      if (!stale && error instanceof ApiError && error.code === 'UNAUTHENTICATED' && error.params?.['reason'] === 'signed_out') for (const listener of signedOutListeners) listener();
      throw error;
    }
  },
  on: (event, listener) => client.on(event, listener),
};

/** Called whenever a call fails because the caller is not signed in (any more). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** Follows whether the backend can be reached; the desktop app's IPC is always connected. */
export function onConnection(listener: (state: ConnectionState) => void): () => void {
  if (bridge.onConnection) return bridge.onConnection(listener);
  listener('connected');
  return () => {};
}

/** A message for the person: the translated text for the error code, else the app's English sentence. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    // The main process writes complete English sentences (the CLI prints them); other languages
    // get the translation of the code, with its parameters.
    if (i18n.language === 'en') return error.message;
    // A reason with a whole sentence of its own (with the error's parameters) says it best.
    const reasonCode = error.params?.['reason'];
    const sentence = typeof reasonCode === 'string' ? i18n.t(`errorSentences.${reasonCode}`, { defaultValue: '', ...error.params }) : '';
    if (sentence) return sentence;
    const translated = i18n.t(`errors.${error.code}`, { defaultValue: '' });
    if (!translated) return error.message;
    // A known reason code reads in the user's language; the path stays as it is.
    const reason = error.params?.['reason'] ? i18n.t(`errorReasons.${error.params['reason']}`, { defaultValue: '' }) : '';
    if (reason) return `${translated} ${reason}${error.params?.['path'] ? `: ${error.params['path']}` : ''}`;
    if (error.code === 'VALIDATION' && error.params?.['field']) return i18n.t('errors.VALIDATION_FIELD', { field: error.params['field'] });
    // No English sentence inside a Korean or Japanese screen: the translated summary, and the
    // one detail that is not language (which file, folder or model) when the error names it.
    const subject = error.params?.['file'] ?? error.params?.['path'] ?? error.params?.['model'];
    return subject !== undefined ? `${translated} (${subject})` : translated;
  }
  return error instanceof Error ? error.message : String(error);
}

export function newRequestId(): string {
  return crypto.randomUUID();
}
