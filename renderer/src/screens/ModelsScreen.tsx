import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppSettings } from '../../../shared/contract/entities.ts';
import { api, describeError } from '../api.ts';
import { ErrorText, Field } from '../components/Field.tsx';
import { formatBytes, formatCount } from '../format.ts';
import { useApp } from '../store.ts';

export function ModelsScreen() {
  const { t } = useTranslation();
  const { models, runtime, refreshModels } = useApp();
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notices, setNotices] = useState<string[]>([]);
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.call('settings.get', {}).then(setSettings, (caught: unknown) => setError(describeError(caught)));
  }, []);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const add = () =>
    run(async () => {
      const model = await api.call('models.add', { path: path.trim() });
      setNotices([`${model.displayName} (${model.architecture})`]);
      setPath('');
      await refreshModels();
    });
  const scan = () =>
    run(async () => {
      const result = await api.call('models.scan', {});
      setNotices([t('models.scanResult', { count: result.added.length }), ...result.failed.map((f) => t('models.skipped', { file: f.path, message: f.message }))]);
      await refreshModels();
    });
  const saveSettings = (patch: Partial<AppSettings>) =>
    run(async () => {
      setSettings(await api.call('settings.update', patch));
    });

  return (
    <div className="page">
      <div className="pane-header">
        <h2>{t('models.title')}</h2>
        <button data-testid="models-scan" disabled={busy} onClick={() => void scan()}>
          {t('models.scan')}
        </button>
      </div>
      <div className="inline-form">
        <input data-testid="model-path" placeholder={t('models.addPath')} value={path} onChange={(e) => setPath(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && void add()} />
        <button data-testid="model-add" className="primary" disabled={busy || path.trim() === ''} onClick={() => void add()}>
          {t('models.add')}
        </button>
      </div>
      <ErrorText error={error} testId="models-error" />
      {notices.map((notice) => (
        <p key={notice} className="notice">
          {notice}
        </p>
      ))}
      {models.length === 0 && <p className="muted">{t('models.empty')}</p>}
      <div className="cards">
        {models.map((model) => {
          const loaded = runtime?.modelId === model.id && runtime.state === 'loaded';
          const loading = runtime?.modelId === model.id && runtime.state === 'loading';
          return (
            <article key={model.id} className={loaded ? 'card loaded' : 'card'} data-testid="model-row">
              <header>
                <h3>{model.displayName}</h3>
                {loaded ? (
                  <button data-testid="model-unload" disabled={busy} onClick={() => void run(async () => void (await api.call('runtime.unload', {})))}>
                    {t('models.unload')}
                  </button>
                ) : (
                  <button className="primary" data-testid="model-load" disabled={busy || loading || !model.fileExists} onClick={() => void run(async () => void (await api.call('runtime.load', { modelId: model.id })))}>
                    {loading ? t('runtime.loading', { percent: Math.round((runtime?.progress ?? 0) * 100) }) : t('models.load')}
                  </button>
                )}
              </header>
              {!model.fileExists && <p className="error-text">{t('models.missing')}</p>}
              <dl className="facts">
                <dt>{t('models.architecture')}</dt>
                <dd>{model.architecture}</dd>
                <dt>{t('models.parameters')}</dt>
                <dd>{formatCount(model.parameterCount)}</dd>
                <dt>{t('models.quantization')}</dt>
                <dd>{model.quantization ?? '–'}</dd>
                <dt>{t('models.trainingContext')}</dt>
                <dd>{formatCount(model.trainingContextLength)}</dd>
                <dt>{t('models.chatTemplate')}</dt>
                <dd>{model.hasChatTemplate ? t('common.yes') : t('common.no')}</dd>
                <dt>{t('models.size')}</dt>
                <dd>{formatBytes(model.fileSize)}</dd>
                <dt>{t('models.version')}</dt>
                <dd>{model.version}</dd>
                <dt>{t('models.file')}</dt>
                <dd className="path">{model.filePath}</dd>
              </dl>
            </article>
          );
        })}
      </div>
      {settings && (
        <section className="settings">
          <h3>{t('models.settings')}</h3>
          <div className="form-grid">
            <Field label={t('models.threads')}>
              <input type="number" min="0" defaultValue={settings.threads} onBlur={(e) => void saveSettings({ threads: Number(e.target.value) })} />
            </Field>
            <Field label={t('models.gpuLayers')}>
              <input defaultValue={String(settings.gpuLayers)} onBlur={(e) => {
                const value = e.target.value.trim();
                void saveSettings({ gpuLayers: value === 'auto' || value === 'max' ? value : Number(value) });
              }} />
            </Field>
            <Field label={t('models.gpu')}>
              <select value={settings.gpu} onChange={(e) => void saveSettings({ gpu: e.target.value as AppSettings['gpu'] })}>
                <option value="auto">{t('models.gpuAuto')}</option>
                <option value="cpu">{t('models.gpuCpu')}</option>
              </select>
            </Field>
            <Field label={t('models.modelsDir')}>
              <input defaultValue={settings.modelsDir} onBlur={(e) => e.target.value !== settings.modelsDir && void saveSettings({ modelsDir: e.target.value })} />
            </Field>
            <Field label={t('models.embedderDefault')} hint={t('models.embedderHint')}>
              <input defaultValue={settings.embedder ?? ''} onBlur={(e) => void saveSettings({ embedder: e.target.value.trim() || null })} />
            </Field>
          </div>
        </section>
      )}
    </div>
  );
}
