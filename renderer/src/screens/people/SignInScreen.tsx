import { Alert, Anchor, Button, Card, Group, NativeSelect, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '../../../../shared/contract/entities.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { languages, type Language } from '../../i18n/index.ts';
import { isComposing } from '../../keyboard.ts';
import { useApp } from '../../store.ts';
import { policyHint } from './common.tsx';

type Mode = 'password' | 'recover';

/**
 * Multi-user mode's sign-in (issue 14): a username and password, or a recovery code that sets a
 * new password. The desktop window or the browser keeps the session; the renderer only learns
 * who signed in. As an overlay it covers the screens of a session that ended, which stay mounted.
 */
export function SignInScreen({ overlay = false }: { overlay?: boolean }) {
  const { t } = useTranslation();
  const { language, setLanguage, signedIn, user: previous, passwordPolicy } = useApp();
  const [mode, setMode] = useState<Mode>('password');
  const [username, setUsername] = useState(overlay ? (previous?.username ?? '') : '');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [recovered, setRecovered] = useState<{ user: User; left: number } | null>(null);

  const mismatch = mode === 'recover' && confirm !== '' && confirm !== newPassword;
  const ready = username.trim() !== '' && (mode === 'password' ? password !== '' : code.trim() !== '' && newPassword !== '' && newPassword === confirm);

  const enter = async (user: User) => {
    // Loading the app for this person can fail too (the backend went away): say so here.
    try {
      await signedIn(user);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const submit = async () => {
    if (!ready || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (mode === 'password') {
        const result = await api.call('auth.signIn', { username: username.trim(), password });
        setPassword('');
        await enter(result.user);
      } else {
        const result = await api.call('auth.recover', { username: username.trim(), recoveryCode: code.trim(), newPassword });
        setCode('');
        setNewPassword('');
        setConfirm('');
        setRecovered({ user: result.user, left: result.recoveryCodesLeft });
      }
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };
  // Enter signs in, but not the Enter that confirms a Korean or Japanese input-method conversion.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Enter' || !(event.target instanceof HTMLInputElement)) return;
    event.preventDefault();
    if (!isComposing(event)) void submit();
  };

  const switchMode = (next: Mode) => {
    setMode(next);
    setError(null);
  };

  return (
    <div className={overlay ? 'signin-screen overlay' : 'signin-screen'} data-testid="signin-screen" style={{ background: 'var(--bg)', minHeight: '100dvh', overflow: 'auto', wordBreak: language === 'ko' ? 'keep-all' : undefined, ...(overlay && { position: 'fixed', inset: 0, zIndex: 1000 }) }}>
      <Stack w={400} maw="100%" gap="md" mx="auto" pt="12vh" px="md">
        <Group justify="space-between" align="flex-end" wrap="nowrap">
          <div className="brand">
            <strong>EvalDesk</strong>
            <span>{t('app.tagline')}</span>
          </div>
          <NativeSelect
            size="xs"
            aria-label={t('app.language')}
            data-testid="signin-language"
            value={language}
            onChange={(event) => void setLanguage(event.currentTarget.value as Language)}
            data={languages.map((item) => ({ value: item.code, label: item.label }))}
          />
        </Group>
        <Card withBorder padding="lg" component="section">
          {recovered ? (
            <Stack gap="sm" data-testid="signin-recovered">
              <Title order={2}>{t('people.signIn.recoveredTitle')}</Title>
              <Text size="sm" data-testid="signin-codes-left" data-count={recovered.left}>
                {t('people.signIn.codesLeft', { count: recovered.left })}
              </Text>
              {recovered.left <= 3 && (
                <Alert color="yellow" data-testid="signin-codes-low">
                  {t('people.signIn.codesLow')}
                </Alert>
              )}
              <Button onClick={() => void enter(recovered.user)} data-testid="signin-continue">
                {t('people.signIn.continue')}
              </Button>
              <ErrorText error={error} testId="signin-error" />
            </Stack>
          ) : (
            <form onSubmit={onSubmit} onKeyDown={onKeyDown} data-testid={mode === 'password' ? 'signin-form' : 'recover-form'} noValidate>
              <Stack gap="sm">
                <Group gap={8}>
                  <IconLock size={20} stroke={1.6} />
                  <Title order={2} m={0}>
                    {mode === 'password' ? t('people.signIn.title') : t('people.signIn.recoverTitle')}
                  </Title>
                </Group>
                {overlay && previous && mode === 'password' && (
                  <Alert color="blue" data-testid="signin-session-ended">
                    {t('people.signIn.sessionEnded')}
                  </Alert>
                )}
                <Text size="sm" c="dimmed">
                  {mode === 'password' ? t('people.signIn.explain') : t('people.signIn.recoverExplain')}
                </Text>
                <TextInput
                  label={t('people.fields.username')}
                  autoComplete="username"
                  autoFocus={username === ''}
                  required
                  value={username}
                  onChange={(event) => setUsername(event.currentTarget.value)}
                  data-testid="signin-username"
                />
                {mode === 'password' ? (
                  <PasswordInput
                    label={t('people.fields.password')}
                    autoComplete="current-password"
                    autoFocus={username !== ''}
                    required
                    value={password}
                    onChange={(event) => setPassword(event.currentTarget.value)}
                    data-testid="signin-password"
                  />
                ) : (
                  <>
                    <TextInput
                      label={t('people.signIn.recoveryCode')}
                      autoComplete="one-time-code"
                      spellCheck={false}
                      required
                      value={code}
                      onChange={(event) => setCode(event.currentTarget.value)}
                      data-testid="recover-code"
                    />
                    <PasswordInput
                      label={t('people.password.new')}
                      description={policyHint(t, passwordPolicy)}
                      autoComplete="new-password"
                      required
                      value={newPassword}
                      onChange={(event) => setNewPassword(event.currentTarget.value)}
                      data-testid="recover-new-password"
                    />
                    <PasswordInput
                      label={t('people.password.confirm')}
                      autoComplete="new-password"
                      required
                      value={confirm}
                      error={mismatch ? t('people.password.mismatch') : null}
                      onChange={(event) => setConfirm(event.currentTarget.value)}
                      data-testid="recover-confirm"
                    />
                  </>
                )}
                <ErrorText error={error} testId="signin-error" />
                <Button type="submit" loading={busy} disabled={!ready} data-testid={mode === 'password' ? 'signin-submit' : 'recover-submit'}>
                  {mode === 'password' ? t('people.signIn.submit') : t('people.signIn.recoverSubmit')}
                </Button>
                <Anchor component="button" type="button" size="sm" onClick={() => switchMode(mode === 'password' ? 'recover' : 'password')} data-testid="signin-mode-toggle">
                  {mode === 'password' ? t('people.signIn.useRecovery') : t('people.signIn.usePassword')}
                </Anchor>
              </Stack>
            </form>
          )}
        </Card>
        {!recovered && (
          <Text size="xs" c="dimmed" ta="center">
            {t('people.signIn.forgotHint')}
          </Text>
        )}
      </Stack>
    </div>
  );
}
