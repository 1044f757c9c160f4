import { Avatar, Button, Group, Menu, Modal, PasswordInput, Stack, Text, UnstyledButton } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAdjustments, IconChevronDown, IconKey, IconLifebuoy, IconLogout } from '@tabler/icons-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { useApp } from '../../store.ts';
import { blockComposingEnter, policyHint, RecoveryCodes, RoleBadge } from './common.tsx';
import { PreferencesDialog } from './PreferencesDialog.tsx';

/**
 * The signed-in person at the right of the top bar, with their account's actions. In single-user
 * mode (nobody signs in) only the preferences of the local user.
 */
export function UserMenu() {
  const { t } = useTranslation();
  const { authMode, user, signOut } = useApp();
  const [dialog, setDialog] = useState<'password' | 'codes' | 'preferences' | null>(null);
  if (!user) return null;
  if (authMode !== 'multi') {
    return (
      <>
        <Button variant="subtle" color="gray" size="compact-sm" mx="sm" leftSection={<IconAdjustments size={16} />} onClick={() => setDialog('preferences')} data-testid="preferences-open">
          {t('people.menu.preferences')}
        </Button>
        <PreferencesDialog opened={dialog === 'preferences'} onClose={() => setDialog(null)} />
      </>
    );
  }

  const leave = async () => {
    try {
      await signOut();
    } catch (caught) {
      notifications.show({ message: describeError(caught), color: 'red' });
    }
  };

  return (
    <>
      <Menu position="bottom-end" width={240} withinPortal>
        <Menu.Target>
          <UnstyledButton className="user-menu" px="md" h={44} data-testid="user-menu" aria-label={t('people.menu.label')}>
            <Group gap={8} wrap="nowrap">
              <Avatar src={user.avatar} name={user.displayName} color="initials" size={26} />
              <Text size="sm" fw={600} truncate maw={180} data-testid="user-menu-name">
                {user.displayName}
              </Text>
              <RoleBadge role={user.role} size="xs" />
              <IconChevronDown size={14} />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{t('people.menu.signedInAs', { username: user.username })}</Menu.Label>
          <Menu.Item leftSection={<IconAdjustments size={16} />} onClick={() => setDialog('preferences')} data-testid="user-menu-preferences">
            {t('people.menu.preferences')}
          </Menu.Item>
          <Menu.Item leftSection={<IconKey size={16} />} onClick={() => setDialog('password')} data-testid="user-menu-change-password">
            {t('people.menu.changePassword')}
          </Menu.Item>
          <Menu.Item leftSection={<IconLifebuoy size={16} />} onClick={() => setDialog('codes')} data-testid="user-menu-recovery-codes">
            {t('people.menu.newCodes')}
          </Menu.Item>
          <Menu.Divider />
          <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={() => void leave()} data-testid="user-menu-sign-out">
            {t('people.menu.signOut')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <ChangePasswordDialog opened={dialog === 'password'} onClose={() => setDialog(null)} />
      <NewCodesDialog opened={dialog === 'codes'} onClose={() => setDialog(null)} />
      <PreferencesDialog opened={dialog === 'preferences'} onClose={() => setDialog(null)} />
    </>
  );
}

function ChangePasswordDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const passwordPolicy = useApp((state) => state.passwordPolicy);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mismatch = confirm !== '' && confirm !== next;

  const close = () => {
    setCurrent('');
    setNext('');
    setConfirm('');
    setError(null);
    onClose();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!current || !next || next !== confirm) return;
    setBusy(true);
    setError(null);
    try {
      await api.call('auth.changePassword', { currentPassword: current, newPassword: next });
      notifications.show({ message: t('people.password.changed'), color: 'teal' });
      close();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={close} title={t('people.menu.changePassword')} centered data-testid="change-password-dialog">
      <form onSubmit={(event) => void submit(event)} onKeyDown={blockComposingEnter} noValidate>
        <Stack gap="sm">
          <PasswordInput label={t('people.password.current')} autoComplete="current-password" data-autofocus value={current} onChange={(e) => setCurrent(e.currentTarget.value)} data-testid="change-password-current" />
          <PasswordInput label={t('people.password.new')} description={policyHint(t, passwordPolicy)} autoComplete="new-password" value={next} onChange={(e) => setNext(e.currentTarget.value)} data-testid="change-password-new" />
          <PasswordInput
            label={t('people.password.confirm')}
            autoComplete="new-password"
            value={confirm}
            error={mismatch ? t('people.password.mismatch') : null}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            data-testid="change-password-confirm"
          />
          <Text size="xs" c="dimmed">
            {t('people.password.othersSignedOut')}
          </Text>
          <ErrorText error={error} testId="change-password-error" />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={busy} disabled={!current || !next || next !== confirm} data-testid="change-password-save">
              {t('people.password.change')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function NewCodesDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const close = () => {
    setPassword('');
    setCodes(null);
    setError(null);
    onClose();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!password) return;
    setBusy(true);
    setError(null);
    try {
      setCodes((await api.call('auth.newRecoveryCodes', { password })).codes);
      setPassword('');
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    // While the codes are shown, only the button closes it: they are not shown again.
    <Modal opened={opened} onClose={close} title={t('people.menu.newCodes')} centered size="md" closeOnClickOutside={codes === null} closeOnEscape={codes === null} withCloseButton={codes === null} data-testid="new-codes-dialog">
      {codes ? (
        <RecoveryCodes codes={codes} explain={t('people.codes.renewed')} onDone={close} />
      ) : (
        <form onSubmit={(event) => void submit(event)} onKeyDown={blockComposingEnter} noValidate>
          <Stack gap="sm">
            <Text size="sm">{t('people.codes.renewExplain')}</Text>
            <PasswordInput label={t('people.fields.password')} autoComplete="current-password" data-autofocus value={password} onChange={(e) => setPassword(e.currentTarget.value)} data-testid="new-codes-password" />
            <ErrorText error={error} testId="new-codes-error" />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={busy} disabled={!password} data-testid="new-codes-submit">
                {t('people.codes.renew')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
