import { Alert, AppShell, Code, Group, NativeSelect, NavLink, Stack, Text, Title } from '@mantine/core';
import { IconArrowsLeftRight, IconBriefcase, IconChecks, IconCpu, IconDatabaseExport, IconDownload, IconFiles, IconGavel, IconHome, IconListSearch, IconMessages, IconSettings, IconShieldCheck, IconUsers } from '@tabler/icons-react';
import { useEffect, useState, type ComponentType } from 'react';
import type { UserRole } from '../../shared/contract/entities.ts';
import { useTranslation } from 'react-i18next';
import { describeError } from './api.ts';
import { ConnectionBanner } from './components/ConnectionBanner.tsx';
import { RuntimeBar } from './components/RuntimeBar.tsx';
import { languages, type Language } from './i18n/index.ts';
import { AbScreen } from './screens/AbScreen.tsx';
import { ChatScreen } from './screens/ChatScreen.tsx';
import { DocumentsScreen } from './screens/DocumentsScreen.tsx';
import { DownloadsScreen } from './screens/DownloadsScreen.tsx';
import { ExportScreen } from './screens/ExportScreen.tsx';
import { HomeScreen } from './screens/HomeScreen.tsx';
import { LogsScreen } from './screens/LogsScreen.tsx';
import { ModelsScreen } from './screens/ModelsScreen.tsx';
import { AuditScreen } from './screens/people/AuditScreen.tsx';
import { SignInScreen } from './screens/people/SignInScreen.tsx';
import { UserMenu } from './screens/people/UserMenu.tsx';
import { UsersScreen } from './screens/people/UsersScreen.tsx';
import { ReviewsScreen } from './screens/reviews/ReviewsScreen.tsx';
import { ReverifyScreen } from './screens/reverify/ReverifyScreen.tsx';
import { SettingsScreen } from './screens/SettingsScreen.tsx';
import { WorkspacesScreen } from './screens/WorkspacesScreen.tsx';
import { useApp, type Screen } from './store.ts';

/** The navigation follows the loop: set up, ask and judge, look back, export, re-verify. */
const screens: Array<{ id: Screen; key: string; icon: ComponentType<{ size?: number; stroke?: number }>; component: ComponentType; roles?: readonly UserRole[] }> = [
  { id: 'home', key: 'nav.home', icon: IconHome, component: HomeScreen },
  { id: 'workspaces', key: 'nav.workspaces', icon: IconBriefcase, component: WorkspacesScreen },
  { id: 'models', key: 'nav.models', icon: IconCpu, component: ModelsScreen },
  { id: 'downloads', key: 'nav.downloads', icon: IconDownload, component: DownloadsScreen },
  { id: 'chat', key: 'nav.chat', icon: IconMessages, component: ChatScreen },
  { id: 'ab', key: 'nav.ab', icon: IconArrowsLeftRight, component: AbScreen },
  { id: 'logs', key: 'nav.logs', icon: IconListSearch, component: LogsScreen },
  { id: 'reviews', key: 'nav.reviews', icon: IconGavel, component: ReviewsScreen },
  { id: 'documents', key: 'nav.documents', icon: IconFiles, component: DocumentsScreen },
  { id: 'export', key: 'nav.export', icon: IconDatabaseExport, component: ExportScreen },
  { id: 'reverify', key: 'reverify.nav', icon: IconChecks, component: ReverifyScreen },
  // People (issue 14): who may see them follows the permissions the main process checks.
  { id: 'users', key: 'nav.users', icon: IconUsers, component: UsersScreen, roles: ['admin', 'manager'] },
  { id: 'audit', key: 'nav.audit', icon: IconShieldCheck, component: AuditScreen, roles: ['admin'] },
  { id: 'settings', key: 'nav.settings', icon: IconSettings, component: SettingsScreen },
];

export function App() {
  const { t } = useTranslation();
  const { ready, info, screen, go, language, setLanguage, boot, connection, signInRequired, user } = useApp();
  const [bootError, setBootError] = useState<string | null>(null);
  const offline = connection !== 'connected';

  useEffect(() => {
    boot().catch((error: unknown) => setBootError(describeError(error)));
  }, [boot]);

  if (bootError || info?.startupError) {
    return (
      <Stack className="startup-problem" data-testid="startup-error" maw={720} mx="auto" p={60}>
        <Title order={2}>{t('app.startupProblem')}</Title>
        <Alert color="red">{bootError ?? info?.startupError?.message}</Alert>
        {info && (
          <Text c="dimmed">
            {t('app.dataFolder')}: <Code>{info.dataDir}</Code>
          </Text>
        )}
      </Stack>
    );
  }
  // Multi-user mode and nobody signed in yet: only the sign-in.
  if (!ready && signInRequired) return <SignInScreen />;
  if (!ready) return <div className="splash">{t('common.loading')}</div>;

  const allowed = screens.filter((item) => !item.roles || (user !== null && item.roles.includes(user.role)));
  const Current = allowed.find((item) => item.id === screen)?.component ?? HomeScreen;
  return (
    <>
      {/* A session that ended while working: the sign-in covers the screens, which stay as they were. */}
      {/* While the backend is gone the banner takes the top of the header and the rest is inert. */}
      <AppShell navbar={{ width: 216, breakpoint: 0 }} header={{ height: offline ? 92 : 44 }} inert={signInRequired}>
        <AppShell.Header>
          <ConnectionBanner />
          <Group inert={offline} gap={0} wrap="nowrap" h={44}>
            <div style={{ flex: 1, minWidth: 0 }}>
              <RuntimeBar />
            </div>
            <UserMenu />
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs" className="sidebar" inert={offline}>
          <Group gap={6} px={8} pt={4} pb={12} className="brand">
            <strong>EvalDesk</strong>
            <span>{t('app.tagline')}</span>
          </Group>
          {/* Scrolls on a short window, so the language stays reachable below it. */}
          <Stack gap={2} style={{ flex: 1, minHeight: 0, overflowY: 'auto' }}>
            {allowed.map((item) => (
              <NavLink
                key={item.id}
                component="button"
                label={t(item.key)}
                leftSection={<item.icon size={18} stroke={1.6} />}
                active={screen === item.id}
                data-testid={`nav-${item.id}`}
                aria-current={screen === item.id ? 'page' : undefined}
                onClick={() => go(item.id)}
              />
            ))}
          </Stack>
          <NativeSelect
            label={t('app.language')}
            size="xs"
            data-testid="language"
            value={language}
            onChange={(event) => void setLanguage(event.currentTarget.value as Language)}
            data={languages.map((item) => ({ value: item.code, label: item.label }))}
            px={8}
            pb={8}
          />
        </AppShell.Navbar>
        <AppShell.Main className="main" inert={offline} aria-busy={offline}>
          {/* Keyed by user: another person signing in in this window starts with fresh screens. */}
          <main className="content" key={user?.id ?? 0}>
            <Current />
          </main>
        </AppShell.Main>
      </AppShell>
      {signInRequired && <SignInScreen overlay />}
    </>
  );
}
