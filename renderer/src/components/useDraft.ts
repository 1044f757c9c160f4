import { useCallback, useEffect, useRef } from 'react';
import { api, onConnection } from '../api.ts';

/**
 * Saves what is being typed as a draft in the main process (debounced), and flushes on page hide,
 * so a closed window or a crash never loses it; a save that failed because the backend was gone
 * is sent again when it is back. `discard` after the real record is saved.
 */
export function useDraft<T>(key: string | null, value: T, dirty: boolean, delayMs = 300) {
  const latest = useRef<{ key: string | null; value: T; dirty: boolean }>({ key, value, dirty });
  latest.current = { key, value, dirty };
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** A save that failed (backend gone): retried when the connection is back. */
  const unsaved = useRef(false);

  const flush = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const { key: draftKey, value: draftValue, dirty: isDirty } = latest.current;
    if (!draftKey || !isDirty) return;
    api.call('drafts.save', { key: draftKey, value: draftValue }).then(
      () => (unsaved.current = false),
      // The backend is gone (or restarting): kept here, sent again once it answers.
      () => (unsaved.current = true),
    );
  }, []);

  useEffect(
    () =>
      onConnection((state) => {
        if (state === 'connected' && unsaved.current) flush();
      }),
    [flush],
  );

  useEffect(() => {
    if (!key || !dirty) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(flush, delayMs);
  }, [key, value, dirty, delayMs, flush]);

  useEffect(() => {
    const onHide = () => flush();
    const onVisibility = () => document.visibilityState === 'hidden' && flush();
    window.addEventListener('pagehide', onHide);
    window.addEventListener('beforeunload', onHide);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      flush();
      window.removeEventListener('pagehide', onHide);
      window.removeEventListener('beforeunload', onHide);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [flush]);

  const discard = useCallback(async () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (latest.current.key) await api.call('drafts.discard', { key: latest.current.key }).catch(() => {});
  }, []);

  return { flush, discard };
}
