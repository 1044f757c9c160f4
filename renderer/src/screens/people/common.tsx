import { Alert, Badge, Button, CopyButton, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import type { TFunction } from 'i18next';
import type { KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserRole } from '../../../../shared/contract/entities.ts';
import type { PasswordPolicyView } from '../../../../shared/contract/people.ts';
import { i18n } from '../../i18n/index.ts';
import { isComposing } from '../../keyboard.ts';

/**
 * For a form's onKeyDown: Enter submits the form, but not the Enter that confirms a Korean or
 * Japanese input-method conversion.
 */
export function blockComposingEnter(event: KeyboardEvent): void {
  if (event.key === 'Enter' && isComposing(event)) event.preventDefault();
}

/** Sentences one after another: Japanese puts no space after 。, Korean and English do. */
export function joinSentences(parts: Array<string | undefined>, language: string): string {
  return parts.filter(Boolean).join(language === 'ja' ? '' : ' ');
}

/** The password rules the main process applies (auth.status), as one sentence under a password field. */
export function policyHint(t: TFunction, policy: PasswordPolicyView | null): string | undefined {
  if (!policy) return undefined;
  const length = t('people.password.policyLength', { min: policy.minLength, max: policy.maxLength });
  return policy.minClasses > 1 ? joinSentences([length, t('people.password.policyClasses', { count: policy.minClasses })], i18n.language) : length;
}

const roleColors: Record<UserRole, string> = { admin: 'red', manager: 'indigo', evaluator: 'teal', viewer: 'gray' };

export function RoleBadge({ role, size = 'sm' }: { role: UserRole; size?: 'xs' | 'sm' }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={roleColors[role]} size={size} data-testid="role-badge" data-role={role}>
      {t(`people.roles.${role}`)}
    </Badge>
  );
}

/**
 * Recovery codes, shown once (they are stored hashed): each signs in once when the password is
 * forgotten. A copy button, and a warning that they will not be shown again.
 */
export function RecoveryCodes({ codes, explain, onDone }: { codes: string[]; explain?: string; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" data-testid="recovery-codes">
      {explain && <Text size="sm">{explain}</Text>}
      <Alert color="yellow" title={t('people.codes.warningTitle')}>
        {t('people.codes.warning')}
      </Alert>
      <SimpleGrid cols={2} spacing={6} verticalSpacing={6} className="recovery-codes">
        {codes.map((code) => (
          <Text key={code} ff="monospace" size="md" ta="center" p={6} bd="1px solid var(--line)" bdrs="sm" data-testid="recovery-code">
            {code}
          </Text>
        ))}
      </SimpleGrid>
      <Group justify="space-between">
        <CopyButton value={codes.join('\n')} timeout={2000}>
          {({ copied, copy }) => (
            <Button variant="default" leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />} color={copied ? 'teal' : undefined} onClick={copy} data-testid="recovery-codes-copy">
              {copied ? t('people.codes.copied') : t('people.codes.copy')}
            </Button>
          )}
        </CopyButton>
        <Button onClick={onDone} data-testid="recovery-codes-done">
          {t('people.codes.done')}
        </Button>
      </Group>
    </Stack>
  );
}
