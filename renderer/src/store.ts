import { create } from 'zustand';
import type { MethodInput } from '../../shared/contract/api.ts';
import type { AppInfo, AppSettings, ModelInfo, RuntimeStatus, User, Workspace } from '../../shared/contract/entities.ts';
import type { ConnectionState } from '../../shared/contract/transport.ts';
import { api, onConnection } from './api.ts';
import { i18n, type Language } from './i18n/index.ts';

const sessionKey = 'evaldesk.sessionId';

export type Screen = 'home' | 'workspaces' | 'models' | 'chat' | 'ab' | 'logs' | 'documents' | 'export' | 'reverify' | 'downloads' | 'settings';

interface AppState {
  ready: boolean;
  info: AppInfo | null;
  user: User | null;
  screen: Screen;
  language: Language;
  runtime: RuntimeStatus | null;
  settings: AppSettings | null;
  workspaces: Workspace[];
  models: ModelInfo[];
  /** The chat session being worked in; kept across screen changes. */
  sessionId: number | null;
  /** A log opened from elsewhere (citations, next-unevaluated) for the log browser. */
  openLogId: number | null;
  /** Whether the backend answers; while it does not, actions are paused and say so. */
  connection: ConnectionState;
  go(screen: Screen): void;
  setLanguage(language: Language): Promise<void>;
  refreshWorkspaces(): Promise<void>;
  refreshModels(): Promise<void>;
  refreshSettings(): Promise<void>;
  updateSettings(patch: MethodInput<'settings.update'>): Promise<AppSettings>;
  setRuntime(status: RuntimeStatus): void;
  setSession(id: number | null): void;
  openLog(id: number | null): void;
  boot(): Promise<void>;
  refreshAfterReconnect(): Promise<void>;
}

export const useApp = create<AppState>((set, get) => ({
  ready: false,
  info: null,
  user: null,
  screen: 'chat',
  language: 'en',
  runtime: null,
  settings: null,
  workspaces: [],
  models: [],
  sessionId: null,
  openLogId: null,
  connection: 'connected',
  go: (screen) => set({ screen }),
  async setLanguage(language) {
    await i18n.changeLanguage(language);
    document.documentElement.lang = language;
    set({ language });
    await api.call('settings.update', { language }).catch(() => {});
  },
  async refreshWorkspaces() {
    set({ workspaces: await api.call('workspaces.list', {}) });
  },
  async refreshModels() {
    set({ models: await api.call('models.list', {}) });
  },
  async refreshSettings() {
    set({ settings: await api.call('settings.get', {}) });
  },
  async updateSettings(patch) {
    const settings = await api.call('settings.update', patch);
    set({ settings });
    return settings;
  },
  setRuntime: (runtime) => set({ runtime }),
  setSession: (sessionId) => {
    // Which session was open is UI state worth keeping across a reload or restart.
    if (sessionId === null) localStorage.removeItem(sessionKey);
    else localStorage.setItem(sessionKey, String(sessionId));
    set({ sessionId });
  },
  openLog: (openLogId) => set({ openLogId, ...(openLogId !== null && { screen: 'logs' as const }) }),
  async refreshAfterReconnect() {
    const [runtime] = await Promise.all([api.call('runtime.status', {}), get().refreshWorkspaces(), get().refreshModels(), get().refreshSettings()]).catch(() => [null]);
    if (runtime) set({ runtime });
  },
  async boot() {
    const info = await api.call('app.info', {});
    if (info.startupError) {
      set({ info, ready: true });
      return;
    }
    const [settings, user, runtime] = await Promise.all([api.call('settings.get', {}), api.call('users.current', {}), api.call('runtime.status', {})]);
    await i18n.changeLanguage(settings.language);
    document.documentElement.lang = settings.language;
    api.on('runtime.changed', (status) => get().setRuntime(status));
    onConnection((connection) => {
      const wasLost = get().connection !== 'connected';
      set({ connection });
      // Back after an outage (or a restart of the backend): what was shown may be stale.
      if (connection === 'connected' && wasLost) void get().refreshAfterReconnect();
    });
    set({ info, user, runtime, settings, language: settings.language });
    await Promise.all([get().refreshWorkspaces(), get().refreshModels()]);
    const remembered = Number(localStorage.getItem(sessionKey));
    // A first run starts on the checklist; a set-up workstation goes straight to work.
    const setUp = get().workspaces.length > 0 && get().models.length > 0;
    set({ ready: true, screen: setUp ? 'chat' : 'home', sessionId: Number.isInteger(remembered) && remembered > 0 ? remembered : null });
  },
}));
