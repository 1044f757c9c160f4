import { create } from 'zustand';
import type { MethodInput } from '../../shared/contract/api.ts';
import type { AppInfo, AppSettings, ModelInfo, RuntimeStatus, User, Workspace } from '../../shared/contract/entities.ts';
import { ApiError } from '../../shared/contract/errors.ts';
import type { AuthMode, PasswordPolicyView } from '../../shared/contract/people.ts';
import type { UserPreferences } from '../../shared/contract/prompts.ts';
import type { ConnectionState } from '../../shared/contract/transport.ts';
import { api, onConnection, onSignedOut } from './api.ts';
import { i18n, languages, type Language } from './i18n/index.ts';

const sessionKey = 'evaldesk.sessionId';
/** The language last chosen in this browser or window: the sign-in screen speaks it before anyone signs in. */
const languageKey = 'evaldesk.language';

export type Screen = 'home' | 'workspaces' | 'models' | 'chat' | 'ab' | 'logs' | 'documents' | 'export' | 'reverify' | 'downloads' | 'settings' | 'users' | 'audit' | 'reviews';

function rememberedLanguage(): Language | null {
  const stored = localStorage.getItem(languageKey);
  return languages.some((item) => item.code === stored) ? (stored as Language) : null;
}

/** Before sign-in the app's settings cannot be read: the last choice here, else the browser's language. */
function preSignInLanguage(): Language {
  const browser = navigator.language.slice(0, 2);
  return rememberedLanguage() ?? (languages.some((item) => item.code === browser) ? (browser as Language) : 'en');
}

async function applyLanguage(language: Language): Promise<void> {
  await i18n.changeLanguage(language);
  document.documentElement.lang = language;
}

interface AppState {
  ready: boolean;
  info: AppInfo | null;
  /** The signed-in user (the local user in single-user mode). */
  user: User | null;
  /** Single-user mode (nobody signs in) or multi-user mode; from auth.status. */
  authMode: AuthMode;
  passwordPolicy: PasswordPolicyView | null;
  /** The signed-in user's own preferences (seed 003): model preselected, language, session defaults. */
  preferences: UserPreferences | null;
  /**
   * Multi-user mode with nobody signed in: the sign-in screen is shown. When a session ends while
   * the app is open, it covers the screens without unmounting them, so what was typed survives.
   */
  signInRequired: boolean;
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
  /** Loads what the screens need, once someone is signed in (or in single-user mode). */
  loadApp(info?: AppInfo): Promise<void>;
  /** After auth.signIn or auth.recover: the same person continues where they were; another starts afresh. */
  signedIn(user: User): Promise<void>;
  signOut(): Promise<void>;
  /** A call was refused because nobody is signed in (any more). */
  requireSignIn(): void;
  /** After auth.enableMultiUser: this window is signed in as the first admin. */
  enabledMultiUser(user: User): void;
  /** The signed-in user's own row changed (an admin edited themselves). */
  setUser(user: User): void;
  /** Saves the signed-in user's preferences (the main process checks them); a language in them applies at once. */
  savePreferences(patch: MethodInput<'preferences.update'>): Promise<UserPreferences>;
  /** After an admin changed the password policy: the hints under password fields follow it. */
  setPasswordPolicy(policy: PasswordPolicyView): void;
}

/** The remembered chat session is per user in multi-user mode: another person's would not open. */
function sessionKeyFor(state: Pick<AppState, 'authMode' | 'user'>): string {
  return state.authMode === 'multi' && state.user ? `${sessionKey}.${state.user.id}` : sessionKey;
}

/** Listeners for pushed events are attached once, however often the app is loaded again after a sign-in. */
let listening = false;

/** What the previous user's screens held; cleared when another person signs in or on sign-out. */
const signedOutState = { ready: false, workspaces: [], models: [], sessionId: null, openLogId: null, settings: null, runtime: null, preferences: null, screen: 'chat' as const };

export const useApp = create<AppState>((set, get) => {
  function listen(): void {
    if (listening) return;
    listening = true;
    api.on('runtime.changed', (status) => get().setRuntime(status));
    onConnection((connection) => {
      const wasLost = get().connection !== 'connected';
      set({ connection });
      // Back after an outage (or a restart of the backend): what was shown may be stale.
      if (connection === 'connected' && wasLost && get().ready) void get().refreshAfterReconnect();
    });
  }
  return {
    ready: false,
    info: null,
    user: null,
    authMode: 'single',
    passwordPolicy: null,
    preferences: null,
    signInRequired: false,
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
      await applyLanguage(language);
      localStorage.setItem(languageKey, language);
      set({ language });
      // On the sign-in screen nobody is there to keep it for: only this browser remembers it.
      if (!get().ready || get().signInRequired) return;
      // The signed-in person's preference: it follows them to another window, browser or workstation.
      if (get().preferences?.language !== language) {
        await api.call('preferences.update', { language }).then((preferences) => set({ preferences }), () => {});
      }
      // Single-user mode: also the app's setting. Multi-user mode: the setting is only the
      // default, so one person switching is no app-wide change.
      if (get().authMode !== 'single') return;
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
      if (sessionId === null) localStorage.removeItem(sessionKeyFor(get()));
      else localStorage.setItem(sessionKeyFor(get()), String(sessionId));
      set({ sessionId });
    },
    openLog: (openLogId) => set({ openLogId, ...(openLogId !== null && { screen: 'logs' as const }) }),
    async refreshAfterReconnect() {
      const [runtime] = await Promise.all([api.call('runtime.status', {}), get().refreshWorkspaces(), get().refreshModels(), get().refreshSettings()]).catch(() => [null]);
      if (runtime) set({ runtime });
    },
    async boot() {
      // app.info needs a signed-in caller in multi-user mode; it alone answers when the data folder is unusable.
      const [status, known] = await Promise.allSettled([api.call('auth.status', {}), api.call('app.info', {})]);
      if (known.status === 'fulfilled' && known.value.startupError) {
        set({ info: known.value, ready: true });
        return;
      }
      if (status.status === 'rejected') throw status.reason;
      listen();
      set({ authMode: status.value.mode, passwordPolicy: status.value.passwordPolicy });
      if (status.value.mode === 'multi' && status.value.user === null) {
        const language = preSignInLanguage();
        await applyLanguage(language);
        set({ language, signInRequired: true });
        return;
      }
      await get().loadApp(known.status === 'fulfilled' ? known.value : undefined);
    },
    async loadApp(known) {
      const info = known ?? (await api.call('app.info', {}));
      if (info.startupError) {
        set({ info, ready: true });
        return;
      }
      const [settings, user, runtime, status, preferences] = await Promise.all([
        api.call('settings.get', {}),
        api.call('users.current', {}),
        api.call('runtime.status', {}),
        api.call('auth.status', {}),
        api.call('preferences.get', {}),
      ]);
      // The person's saved language first; else, in multi-user mode, the one last chosen in this
      // browser; else the app's setting (the default).
      const language = preferences.language ?? (status.mode === 'multi' ? (rememberedLanguage() ?? settings.language) : settings.language);
      await applyLanguage(language);
      if (preferences.language) localStorage.setItem(languageKey, preferences.language);
      listen();
      set({ info, user, runtime, settings, language, preferences, authMode: status.mode, passwordPolicy: status.passwordPolicy });
      await Promise.all([get().refreshWorkspaces(), get().refreshModels()]);
      const remembered = Number(localStorage.getItem(sessionKeyFor(get())));
      // A first run starts on the checklist; a set-up workstation goes straight to work.
      const setUp = get().workspaces.length > 0 && get().models.length > 0;
      set({ ready: true, signInRequired: false, screen: setUp ? 'chat' : 'home', sessionId: Number.isInteger(remembered) && remembered > 0 ? remembered : null });
    },
    async signedIn(user) {
      const previous = get().user;
      if (get().ready && previous?.id === user.id) {
        // The same person after their session ended: the screens (and what they typed) are still there.
        set({ user, signInRequired: false });
        await get().refreshAfterReconnect();
        return;
      }
      set({ ...signedOutState, user });
      await get().loadApp();
    },
    async signOut() {
      // A session that already ended is as good as signed out.
      await api.call('auth.signOut', {}).catch((error: unknown) => {
        if (!(error instanceof ApiError && error.code === 'UNAUTHENTICATED')) throw error;
      });
      set({ ...signedOutState, user: null, signInRequired: true });
    },
    requireSignIn() {
      // Only multi-user mode refuses a caller; another window may have just switched to it.
      if (!get().signInRequired) set({ signInRequired: true, authMode: 'multi' });
    },
    enabledMultiUser(user) {
      set({ user, authMode: 'multi' });
    },
    setUser(user) {
      if (get().user?.id === user.id) set({ user });
    },
    async savePreferences(patch) {
      const preferences = await api.call('preferences.update', patch);
      set({ preferences });
      if (preferences.language && preferences.language !== get().language) await get().setLanguage(preferences.language);
      return preferences;
    },
    setPasswordPolicy(passwordPolicy) {
      set({ passwordPolicy });
    },
  };
});

onSignedOut(() => useApp.getState().requireSignIn());
