import { Alert, Button, Card, Group, PasswordInput, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconUsers } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { useApp } from '../../store.ts';
import { blockComposingEnter, policyHint, RecoveryCodes } from './common.tsx';

/**
 * Settings' "Users and sign-in": single-user mode (nobody signs in) can be switched to multi-user
 * mode, keeping every workspace, log and evaluation; the local user becomes the first admin.
 */
export function MultiUserSection() {
  const { t } = useTranslation();
  const { authMode, user, passwordPolicy, enabledMultiUser, go } = useApp();
  const [username, setUsername] = useState(user?.username ?? '');
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const mismatch = confirm !== '' && confirm !== password;
  const complete = username.trim() !== '' && password !== '' && password === confirm;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!complete || busy) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.call('auth.enableMultiUser', { username: username.trim(), password, ...(displayName.trim() && { displayName: displayName.trim() }) });
      setPassword('');
      setConfirm('');
      setCodes(result.recoveryCodes);
      enabledMultiUser(result.user);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder padding="lg" data-testid="settings-people" data-mode={authMode}>
      <Title order={3}>{t('people.settings.title')}</Title>
      {codes ? (
        // Shown once, right after the switch: the first admin's way back in if the password is lost.
        <Stack gap="sm" mt="xs" data-testid="multi-user-enabled">
          <Alert color="teal" title={t('people.settings.enabledTitle')}>
            {t('people.settings.enabledText', { username: user?.username ?? '' })}
          </Alert>
          <RecoveryCodes codes={codes} explain={t('people.settings.enabledCodes')} onDone={() => setCodes(null)} />
        </Stack>
      ) : authMode === 'multi' ? (
        <Stack gap="sm" mt="xs" data-testid="multi-user-on">
          <Text size="sm">{t('people.settings.multiOn')}</Text>
          {user?.role === 'admin' && (
            <Group>
              <Button variant="default" leftSection={<IconUsers size={16} />} onClick={() => go('users')} data-testid="settings-open-users">
                {t('people.settings.openUsers')}
              </Button>
            </Group>
          )}
        </Stack>
      ) : (
        <form onSubmit={(event) => void submit(event)} onKeyDown={blockComposingEnter} noValidate data-testid="multi-user-form">
          <Text size="sm" c="dimmed" mb="sm">
            {t('people.settings.singleExplain')}
          </Text>
          <Title order={4} mt={0}>
            {t('people.settings.switchTitle')}
          </Title>
          <Text size="sm" mb="sm">
            {t('people.settings.switchExplain')}
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput label={t('people.fields.username')} required autoComplete="username" spellCheck={false} value={username} onChange={(e) => setUsername(e.currentTarget.value)} data-testid="multi-user-username" />
            <TextInput label={t('people.fields.displayName')} value={displayName} onChange={(e) => setDisplayName(e.currentTarget.value)} data-testid="multi-user-display-name" />
            <PasswordInput label={t('people.fields.password')} required autoComplete="new-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} data-testid="multi-user-password" />
            <PasswordInput
              label={t('people.password.confirm')}
              required
              autoComplete="new-password"
              value={confirm}
              error={mismatch ? t('people.password.mismatch') : null}
              onChange={(e) => setConfirm(e.currentTarget.value)}
              data-testid="multi-user-confirm"
            />
          </SimpleGrid>
          <Text size="xs" c="dimmed" mt={6}>
            {policyHint(t, passwordPolicy)}
          </Text>
          <ErrorText error={error} testId="multi-user-error" />
          <Group mt="sm">
            <Button type="submit" loading={busy} disabled={!complete} data-testid="multi-user-submit">
              {t('people.settings.switch')}
            </Button>
          </Group>
        </form>
      )}
    </Card>
  );
}
