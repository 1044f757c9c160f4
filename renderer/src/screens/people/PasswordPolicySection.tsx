import { Button, Card, Checkbox, Group, NumberInput, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PasswordPolicyView } from '../../../../shared/contract/people.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { useApp } from '../../store.ts';
import { i18n } from '../../i18n/index.ts';
import { joinSentences, policyHint } from './common.tsx';

type Draft = { minLength: number | ''; maxLength: number | ''; minClasses: number | ''; forbidNames: boolean; forbidCommon: boolean };

const draftOf = (policy: PasswordPolicyView | null): Draft => ({
  minLength: policy?.minLength ?? '',
  maxLength: policy?.maxLength ?? '',
  minClasses: policy?.minClasses ?? '',
  forbidNames: policy?.forbidNames ?? true,
  forbidCommon: policy?.forbidCommon ?? true,
});

/**
 * Settings' password rules (admins): what a new, changed, reset or recovered password must meet.
 * The main process checks the bounds again (auth.setPasswordPolicy) and refuses anyone else.
 */
export function PasswordPolicySection() {
  const { t } = useTranslation();
  const { user, passwordPolicy, setPasswordPolicy } = useApp();
  const [draft, setDraft] = useState<Draft>(() => draftOf(passwordPolicy));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => setDraft(draftOf(passwordPolicy)), [passwordPolicy]);
  if (user?.role !== 'admin') return null;

  const inRange = (value: number | '', min: number, max: number) => value !== '' && Number.isInteger(value) && value >= min && value <= max;
  const minOk = inRange(draft.minLength, 8, 256);
  const maxOk = inRange(draft.maxLength, 8, 1024);
  const classesOk = inRange(draft.minClasses, 1, 4);
  const ordered = !minOk || !maxOk || draft.minLength <= draft.maxLength;
  const valid = minOk && maxOk && classesOk && ordered;
  const unchanged =
    passwordPolicy !== null &&
    draft.minLength === passwordPolicy.minLength &&
    draft.maxLength === passwordPolicy.maxLength &&
    draft.minClasses === passwordPolicy.minClasses &&
    draft.forbidNames === passwordPolicy.forbidNames &&
    draft.forbidCommon === passwordPolicy.forbidCommon;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!valid || busy) return;
    setBusy(true);
    setError(null);
    try {
      const saved = await api.call('auth.setPasswordPolicy', {
        minLength: draft.minLength as number,
        maxLength: draft.maxLength as number,
        minClasses: draft.minClasses as number,
        forbidNames: draft.forbidNames,
        forbidCommon: draft.forbidCommon,
      });
      setPasswordPolicy(saved);
      notifications.show({ message: t('people.policy.saved'), color: 'teal' });
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const number = (value: string | number) => (value === '' ? '' : Number(value));
  return (
    <Card withBorder padding="lg" data-testid="settings-password-policy">
      <Title order={3}>{t('people.policy.title')}</Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t('people.policy.explain')}
      </Text>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <NumberInput
              label={t('people.policy.minLength')}
              min={8}
              max={256}
              allowDecimal={false}
              value={draft.minLength}
              error={!minOk ? t('people.policy.range', { min: 8, max: 256 }) : !ordered ? t('people.policy.minOverMax') : null}
              onChange={(value) => setDraft({ ...draft, minLength: number(value) })}
              data-testid="policy-min-length"
            />
            <NumberInput
              label={t('people.policy.maxLength')}
              min={8}
              max={1024}
              allowDecimal={false}
              value={draft.maxLength}
              error={maxOk ? null : t('people.policy.range', { min: 8, max: 1024 })}
              onChange={(value) => setDraft({ ...draft, maxLength: number(value) })}
              data-testid="policy-max-length"
            />
            <NumberInput
              label={t('people.policy.minClasses')}
              description={t('people.policy.minClassesHint')}
              // The hint under the field, so the three inputs stay on one line.
              inputWrapperOrder={['label', 'input', 'description', 'error']}
              min={1}
              max={4}
              allowDecimal={false}
              value={draft.minClasses}
              error={classesOk ? null : t('people.policy.range', { min: 1, max: 4 })}
              onChange={(value) => setDraft({ ...draft, minClasses: number(value) })}
              data-testid="policy-min-classes"
            />
          </SimpleGrid>
          <Checkbox label={t('people.policy.forbidNames')} checked={draft.forbidNames} onChange={(event) => setDraft({ ...draft, forbidNames: event.currentTarget.checked })} data-testid="policy-forbid-names" />
          <Checkbox label={t('people.policy.forbidCommon')} checked={draft.forbidCommon} onChange={(event) => setDraft({ ...draft, forbidCommon: event.currentTarget.checked })} data-testid="policy-forbid-common" />
          <Text size="xs" c="dimmed" data-testid="policy-current">
            {joinSentences([t('people.policy.current', { policy: policyHint(t, passwordPolicy) ?? '' }), t('people.policy.existingKept')], i18n.language)}
          </Text>
          <ErrorText error={error} testId="policy-error" />
          <Group>
            <Button type="submit" loading={busy} disabled={!valid || unchanged} data-testid="policy-save">
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
