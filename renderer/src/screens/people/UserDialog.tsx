import { Button, Group, Modal, NativeSelect, NumberInput, PasswordInput, SimpleGrid, Stack, Switch, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodInput } from '../../../../shared/contract/api.ts';
import { securityLevels, userRoles, type User, type UserRole } from '../../../../shared/contract/entities.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { useApp } from '../../store.ts';
import { blockComposingEnter, joinSentences, policyHint, RecoveryCodes } from './common.tsx';

interface Form {
  username: string;
  displayName: string;
  role: UserRole;
  department: string;
  position: string;
  securityLevel: 1 | 2 | 3;
  suspended: boolean;
  /** A day (yyyy-mm-dd, local) or '' for never. */
  expiresOn: string;
  /** Questions per 24 hours; '' for no limit. */
  dailyLimit: number | '';
  password: string;
}

const blank: Form = { username: '', displayName: '', role: 'evaluator', department: '', position: '', securityLevel: 1, suspended: false, expiresOn: '', dailyLimit: '', password: '' };

const pad = (n: number) => String(n).padStart(2, '0');
/** The local day of a moment, as a date field shows it. */
export function localDay(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
/** An expiry day means "through the end of that day" where the admin is. */
function endOfLocalDay(day: string): string | null {
  if (!day) return null;
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year!, month! - 1, date!, 23, 59, 59).toISOString();
}

function toForm(user: User): Form {
  return {
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    department: user.department,
    position: user.position,
    securityLevel: user.securityLevel,
    suspended: user.suspended,
    expiresOn: localDay(user.expiresAt),
    dailyLimit: user.dailyMessageLimit ?? '',
    password: '',
  };
}

type Patch = MethodInput<'users.update'>['patch'];

/**
 * Every field, not only the changed ones: the contract's patch schema fills a left-out field with
 * its default (zod 4 applies defaults inside optional fields), which would reset it. The fields
 * this dialog does not show (bio, avatar) are sent as they are. The audit log records only what
 * actually changed.
 */
function toPatch(user: User, form: Form): Patch {
  return {
    displayName: form.displayName.trim(),
    role: form.role,
    department: form.department,
    position: form.position,
    securityLevel: form.securityLevel,
    suspended: form.suspended,
    expiresAt: form.expiresOn === localDay(user.expiresAt) ? user.expiresAt : endOfLocalDay(form.expiresOn),
    dailyMessageLimit: form.dailyLimit === '' ? null : form.dailyLimit,
    bio: user.bio,
    avatar: user.avatar,
  };
}

interface Props {
  opened: boolean;
  /** The user to edit; null adds one. */
  user: User | null;
  onClose: () => void;
  onSaved: (user: User) => void;
}

/** Adds a user (then shows their recovery codes once) or edits one, with an optional new password. */
export function UserDialog({ opened, user, onClose, onSaved }: Props) {
  const { t, i18n } = useTranslation();
  const passwordPolicy = useApp((state) => state.passwordPolicy);
  const [form, setForm] = useState<Form>(blank);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ user: User; codes: string[] } | null>(null);

  useEffect(() => {
    if (!opened) return;
    setForm(user ? toForm(user) : blank);
    setError(null);
    setCreated(null);
  }, [opened, user]);

  const close = () => {
    setCreated(null);
    onClose();
  };
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((current) => ({ ...current, [key]: value }));
  const adding = user === null;
  const complete = form.displayName.trim() !== '' && (!adding || (form.username.trim() !== '' && form.password !== ''));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!complete) return;
    setBusy(true);
    setError(null);
    try {
      if (adding) {
        const result = await api.call('users.create', {
          username: form.username.trim(),
          password: form.password,
          displayName: form.displayName.trim(),
          role: form.role,
          department: form.department,
          position: form.position,
          securityLevel: form.securityLevel,
          expiresAt: endOfLocalDay(form.expiresOn),
          dailyMessageLimit: form.dailyLimit === '' ? null : form.dailyLimit,
        });
        onSaved(result.user);
        setCreated({ user: result.user, codes: result.recoveryCodes });
      } else {
        const saved = await api.call('users.update', { id: user.id, patch: toPatch(user, form), ...(form.password !== '' && { password: form.password }) });
        onSaved(saved);
        onClose();
      }
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      // The codes are shown once: only the button closes this.
      <Modal opened={opened} onClose={close} title={t('people.users.createdTitle', { name: created.user.displayName })} size="md" closeOnClickOutside={false} closeOnEscape={false} withCloseButton={false} data-testid="user-dialog">
        <RecoveryCodes codes={created.codes} explain={t('people.users.createdCodes', { name: created.user.displayName, username: created.user.username })} onDone={close} />
      </Modal>
    );
  }

  return (
    <Modal opened={opened} onClose={onClose} title={adding ? t('people.users.add') : t('people.users.editTitle', { name: user.displayName })} size="lg" data-testid="user-dialog">
      <form onSubmit={(event) => void save(event)} onKeyDown={blockComposingEnter} noValidate>
        <Stack gap="sm">
          <SimpleGrid cols={2} spacing="sm" style={{ alignItems: 'end' }}>
            <TextInput
              label={t('people.fields.username')}
              required={adding}
              disabled={!adding}
              description={adding ? t('people.users.usernameHint') : undefined}
              autoComplete="off"
              spellCheck={false}
              data-autofocus={adding || undefined}
              value={form.username}
              onChange={(e) => set('username', e.currentTarget.value)}
              data-testid="user-username"
            />
            <TextInput label={t('people.fields.displayName')} required value={form.displayName} onChange={(e) => set('displayName', e.currentTarget.value)} data-testid="user-display-name" />
            <NativeSelect
              label={t('people.fields.role')}
              description={t(`people.roleHints.${form.role}`)}
              value={form.role}
              onChange={(e) => set('role', e.currentTarget.value as UserRole)}
              data={userRoles.map((role) => ({ value: role, label: t(`people.roles.${role}`) }))}
              data-testid="user-role"
            />
            <NativeSelect
              label={t('people.fields.securityLevel')}
              description={t('people.users.securityLevelHint')}
              value={String(form.securityLevel)}
              onChange={(e) => set('securityLevel', Number(e.currentTarget.value) as 1 | 2 | 3)}
              data={securityLevels.map((level) => ({ value: String(level), label: t('people.users.level', { level }) }))}
              data-testid="user-security-level"
            />
            <TextInput label={t('people.fields.department')} value={form.department} onChange={(e) => set('department', e.currentTarget.value)} data-testid="user-department" />
            <TextInput label={t('people.fields.position')} value={form.position} onChange={(e) => set('position', e.currentTarget.value)} data-testid="user-position" />
            <TextInput type="date" label={t('people.fields.expires')} description={t('people.users.expiresHint')} value={form.expiresOn} onChange={(e) => set('expiresOn', e.currentTarget.value)} data-testid="user-expires" />
            <NumberInput
              label={t('people.fields.dailyLimit')}
              description={t('people.users.dailyLimitHint')}
              placeholder={t('people.users.noLimit')}
              min={1}
              max={1_000_000}
              allowDecimal={false}
              allowNegative={false}
              value={form.dailyLimit}
              onChange={(value) => set('dailyLimit', value === '' ? '' : Number(value))}
              data-testid="user-daily-limit"
            />
          </SimpleGrid>
          <PasswordInput
            label={adding ? t('people.users.initialPassword') : t('people.users.newPassword')}
            description={joinSentences([adding ? t('people.users.initialPasswordHint') : t('people.users.newPasswordHint'), policyHint(t, passwordPolicy)], i18n.language)}
            required={adding}
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => set('password', e.currentTarget.value)}
            data-testid="user-password"
          />
          {!adding && (
            <Switch label={t('people.fields.suspended')} description={t('people.users.suspendedHint')} checked={form.suspended} onChange={(e) => set('suspended', e.currentTarget.checked)} data-testid="user-suspended" />
          )}
          <ErrorText error={error} testId="user-error" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={busy} disabled={!complete} data-testid="user-save">
              {adding ? t('people.users.create') : t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
