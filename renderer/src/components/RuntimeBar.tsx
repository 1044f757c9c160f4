import { useTranslation } from 'react-i18next';
import { formatBytes } from '../format.ts';
import { useApp } from '../store.ts';

/** Always-visible status of the model runtime: which model, which backend, how much memory. */
export function RuntimeBar() {
  const { t } = useTranslation();
  const runtime = useApp((state) => state.runtime);
  const models = useApp((state) => state.models);
  const model = models.find((m) => m.id === runtime?.modelId);
  if (!runtime) return null;
  const state =
    runtime.state === 'loading'
      ? t('runtime.loading', { percent: Math.round(runtime.progress * 100) })
      : runtime.state === 'loaded'
        ? t('runtime.loaded')
        : runtime.state === 'failed'
          ? t('runtime.failed')
          : t('runtime.noModel');
  return (
    <header className="runtime-bar" data-testid="runtime-bar">
      <span className={`dot ${runtime.state}`} />
      <strong>{model?.displayName ?? state}</strong>
      {model && <span>{state}</span>}
      {runtime.state === 'loading' && <progress max={1} value={runtime.progress} data-testid="load-progress" />}
      {runtime.backend && (
        <span>
          {t('runtime.backend')}: <b data-testid="backend">{runtime.backend.toUpperCase()}</b>
        </span>
      )}
      {runtime.vram && (
        <span>
          {t('runtime.vram')}: {formatBytes(runtime.vram.used)} / {formatBytes(runtime.vram.total)}
        </span>
      )}
      <span>
        {t('runtime.ram')}: {formatBytes(runtime.ram.used)} / {formatBytes(runtime.ram.total)} ({t('runtime.process')} {formatBytes(runtime.ram.processRss)})
      </span>
      {runtime.adapters && runtime.adapters.length > 0 && <span data-testid="runtime-adapters">LoRA {runtime.adapters.join(', ')}</span>}
      {runtime.chatWrapper && <span className="muted">{runtime.chatWrapper}</span>}
      {runtime.error && <span className="error-text">{runtime.error.message}</span>}
    </header>
  );
}
