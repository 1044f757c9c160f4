import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from './api.ts';
import { ConnectionBanner } from './components/ConnectionBanner.tsx';
import { RuntimeBar } from './components/RuntimeBar.tsx';
import { languages, type Language } from './i18n/index.ts';
import { ChatScreen } from './screens/ChatScreen.tsx';
import { DocumentsScreen } from './screens/DocumentsScreen.tsx';
import { ExportScreen } from './screens/ExportScreen.tsx';
import { LogsScreen } from './screens/LogsScreen.tsx';
import { ModelsScreen } from './screens/ModelsScreen.tsx';
import { WorkspacesScreen } from './screens/WorkspacesScreen.tsx';
import { useApp, type Screen } from './store.ts';

const screens: Array<{ id: Screen; key: string }> = [
  { id: 'workspaces', key: 'nav.workspaces' },
  { id: 'models', key: 'nav.models' },
  { id: 'chat', key: 'nav.chat' },
  { id: 'logs', key: 'nav.logs' },
  { id: 'documents', key: 'nav.documents' },
  { id: 'export', key: 'nav.export' },
];

export function App() {
  const { t } = useTranslation();
  const { ready, info, screen, go, language, setLanguage, boot, connection } = useApp();
  const offline = connection !== 'connected';
  const [bootError, setBootError] = useState<string | null>(null);

  useEffect(() => {
    boot().catch((error: unknown) => setBootError(describeError(error)));
  }, [boot]);

  if (bootError || info?.startupError) {
    return (
      <div className="startup-problem" data-testid="startup-error">
        <h1>{t('app.startupProblem')}</h1>
        <p>{bootError ?? info?.startupError?.message}</p>
        {info && (
          <p className="muted">
            {t('app.dataFolder')}: <code>{info.dataDir}</code>
          </p>
        )}
      </div>
    );
  }
  if (!ready) return <div className="splash">{t('common.loading')}</div>;

  return (
    <div className="app-shell">
      <ConnectionBanner />
      <div className="layout">
        <nav className="sidebar" inert={offline}>
          <div className="brand">
            <strong>EvalDesk</strong>
            <span>{t('app.tagline')}</span>
          </div>
          {screens.map((item) => (
            <button key={item.id} className={screen === item.id ? 'nav active' : 'nav'} data-testid={`nav-${item.id}`} onClick={() => go(item.id)}>
              {t(item.key)}
            </button>
          ))}
          <label className="language">
            {t('app.language')}
            <select data-testid="language" value={language} onChange={(event) => void setLanguage(event.target.value as Language)}>
              {languages.map((item) => (
                <option key={item.code} value={item.code}>
                  {item.label}
                </option>
              ))}
            </select>
          </label>
        </nav>
        <div className="main" inert={offline} aria-busy={offline}>
          <RuntimeBar />
          <main className="content">
            {screen === 'workspaces' && <WorkspacesScreen />}
            {screen === 'models' && <ModelsScreen />}
            {screen === 'chat' && <ChatScreen />}
            {screen === 'logs' && <LogsScreen />}
            {screen === 'documents' && <DocumentsScreen />}
            {screen === 'export' && <ExportScreen />}
          </main>
        </div>
      </div>
    </div>
  );
}
