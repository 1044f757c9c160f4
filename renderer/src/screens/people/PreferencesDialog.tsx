import { Button, Checkbox, Group, Modal, NativeSelect, NumberInput, SimpleGrid, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserPreferences } from '../../../../shared/contract/prompts.ts';
import { describeError } from '../../api.ts';
import { EntitySelect } from '../../components/EntitySelect.tsx';
import { ErrorText } from '../../components/Field.tsx';
import { languages } from '../../i18n/index.ts';
import { useApp } from '../../store.ts';
import { blockComposingEnter } from './common.tsx';

type Draft = { preferredModelId: number | null; temperature: number | ''; maxTokens: number | ''; useDocuments: boolean; language: UserPreferences['language'] };

const draftOf = (preferences: UserPreferences | null): Draft => ({
  preferredModelId: preferences?.preferredModelId ?? null,
  temperature: preferences?.temperature ?? '',
  maxTokens: preferences?.maxTokens ?? '',
  useDocuments: preferences?.useDocuments ?? true,
  language: preferences?.language ?? null,
});

/**
 * The signed-in person's own preferences (seed 003): the model the chat preselects, the
 * temperature and answer length their new sessions start with (empty: the workspace's), whether
 * those sessions use documents, and the language. The main process checks and applies them.
 */
export function PreferencesDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const preferences = useApp((state) => state.preferences);
  const savePreferences = useApp((state) => state.savePreferences);
  const [draft, setDraft] = useState<Draft>(() => draftOf(preferences));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // Opened again: what is saved now, not what was typed and cancelled before.
  useEffect(() => {
    if (opened) {
      setDraft(draftOf(preferences));
      setError(null);
    }
  }, [opened, preferences]);

  const temperatureOk = draft.temperature === '' || (draft.temperature >= 0 && draft.temperature <= 2);
  const maxTokensOk = draft.maxTokens === '' || (Number.isInteger(draft.maxTokens) && draft.maxTokens >= 1 && draft.maxTokens <= 32_768);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!temperatureOk || !maxTokensOk) return;
    setBusy(true);
    setError(null);
    try {
      await savePreferences({
        preferredModelId: draft.preferredModelId,
        temperature: draft.temperature === '' ? null : draft.temperature,
        maxTokens: draft.maxTokens === '' ? null : draft.maxTokens,
        useDocuments: draft.useDocuments,
        language: draft.language,
      });
      // i18n.t, not t: saving may just have switched the language, and t is the previous render's.
      notifications.show({ message: i18n.t('people.preferences.saved'), color: 'teal' });
      onClose();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title={t('people.preferences.title')} centered size="lg" data-testid="preferences-dialog">
      <form onSubmit={(event) => void submit(event)} onKeyDown={blockComposingEnter} noValidate>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('people.preferences.explain')}
          </Text>
          <EntitySelect kind="model" label={t('people.preferences.model')} anyLabel={t('people.preferences.noModel')} testId="preferences-model" value={draft.preferredModelId} onChange={(preferredModelId) => setDraft({ ...draft, preferredModelId })} />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <NumberInput
              label={t('people.preferences.temperature')}
              placeholder={t('people.preferences.workspaceDefault')}
              min={0}
              max={2}
              step={0.1}
              decimalScale={2}
              value={draft.temperature}
              error={temperatureOk ? null : t('people.preferences.temperatureRange')}
              onChange={(value) => setDraft({ ...draft, temperature: value === '' ? '' : Number(value) })}
              data-testid="preferences-temperature"
            />
            <NumberInput
              label={t('people.preferences.maxTokens')}
              placeholder={t('people.preferences.workspaceDefault')}
              min={1}
              max={32_768}
              allowDecimal={false}
              value={draft.maxTokens}
              error={maxTokensOk ? null : t('people.preferences.maxTokensRange')}
              onChange={(value) => setDraft({ ...draft, maxTokens: value === '' ? '' : Number(value) })}
              data-testid="preferences-max-tokens"
            />
          </SimpleGrid>
          <Checkbox
            label={t('people.preferences.useDocuments')}
            description={t('people.preferences.useDocumentsHint')}
            checked={draft.useDocuments}
            onChange={(event) => setDraft({ ...draft, useDocuments: event.currentTarget.checked })}
            data-testid="preferences-use-documents"
          />
          <NativeSelect
            label={t('app.language')}
            maw={280}
            value={draft.language ?? ''}
            onChange={(event) => setDraft({ ...draft, language: (event.currentTarget.value || null) as Draft['language'] })}
            data={[{ value: '', label: t('people.preferences.languageDefault') }, ...languages.map((item) => ({ value: item.code, label: item.label }))]}
            data-testid="preferences-language"
          />
          <ErrorText error={error} testId="preferences-error" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={busy} disabled={!temperatureOk || !maxTokensOk} data-testid="preferences-save">
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
