import { useCallback, useEffect, useRef } from 'react';
import { api } from '../api.ts';

/**
 * Saves what is being typed as a draft in the main process (debounced), and flushes on page hide,
 * so a closed window or a crash never loses it. `discard` after the real record is saved.
 */
export function useDraft<T>(key: string | null, value: T, dirty: boolean, delayMs = 300) {
  const latest = useRef<{ key: string | null; value: T; dirty: boolean }>({ key, value, dirty });
  latest.current = { key, value, dirty };
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const flush = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const { key: draftKey, value: draftValue, dirty: isDirty } = latest.current;
    if (draftKey && isDirty) void api.call('drafts.save', { key: draftKey, value: draftValue }).catch(() => {});
  }, []);

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
