import { Alert, Anchor, Button, Card, Checkbox, Group, NativeSelect, NumberInput, Radio, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { flashAttentionModes, type FlashAttentionMode } from '../../../shared/contract/entities.ts';
import type { EmbedderOption } from '../../../shared/contract/embedders.ts';
import { api, describeError } from '../api.ts';
import { embedderLabel } from '../components/embedder-label.ts';
import { PathInput } from '../components/PathInput.tsx';
import { languages, type Language } from '../i18n/index.ts';
import { useApp } from '../store.ts';
import { MultiUserSection } from './people/MultiUserSection.tsx';
import { PasswordPolicySection } from './people/PasswordPolicySection.tsx';

/** One titled part of the settings, with a sentence saying what it is for. */
function Section(props: { title: string; explain: string; children: ReactNode }) {
  return (
    <Card withBorder padding="lg">
      <Title order={3}>{props.title}</Title>
      <Text size="sm" c="dimmed" mb="sm">
        {props.explain}
      </Text>
      {props.children}
    </Card>
  );
}

/** Runtime, folders, the embedder and the language: what a newcomer is asked to "choose in Settings". */
export function SettingsScreen() {
  const { t } = useTranslation();
  const { settings, updateSettings, setLanguage, language, go, refreshModels } = useApp();
  const [embedders, setEmbedders] = useState<EmbedderOption[] | null>(null);
  const [runtime, setRuntime] = useState({ gpu: settings?.gpu ?? 'auto', gpuLayers: String(settings?.gpuLayers ?? 'auto'), threads: settings?.threads ?? 0, flashAttention: settings?.flashAttention ?? 'auto', caching: settings?.caching ?? true });
  const [modelsDir, setModelsDir] = useState(settings?.modelsDir ?? '');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.call('embedders.list', {}).then(setEmbedders, (caught: unknown) => setError(describeError(caught)));
  }, [settings?.modelsDir]);

  const save = async (patch: Parameters<typeof updateSettings>[0], message: string) => {
    setError(null);
    try {
      await updateSettings(patch);
      notifications.show({ message, color: 'teal' });
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const gpuLayers = runtime.gpuLayers === 'auto' || runtime.gpuLayers === 'max' ? runtime.gpuLayers : Number(runtime.gpuLayers);
  const embedderData = [
    { value: '', label: t('settings.embedder.none') },
    ...(embedders ?? []).map((option) => ({
      value: option.spec,
      label: embedderLabel(option, t),
    })),
  ];
  // A stored spec the list does not know (a folder removed since) stays visible, so nothing changes silently.
  if (settings?.embedder && !embedderData.some((item) => item.value === settings.embedder)) embedderData.push({ value: settings.embedder, label: `${settings.embedder} (${t('settings.embedder.missing')})` });

  return (
    <Stack maw={860} gap="lg" data-testid="settings">
      <Title order={2}>{t('nav.settings')}</Title>
      {error && (
        <Alert color="red" data-testid="settings-error">
          {error}
        </Alert>
      )}

      <Section title={t('settings.embedder.title')} explain={t('settings.embedder.explain')}>
        <Select
          label={t('settings.embedder.label')}
          data={embedderData}
          value={settings?.embedder ?? ''}
          allowDeselect={false}
          searchable
          nothingFoundMessage={t('settings.embedder.nothing')}
          data-testid="embedder-select"
          onChange={(value) => void save({ embedder: value ? value : null }, t('settings.saved'))}
        />
        {embedders !== null && embedders.filter((option) => option.recommended).length === 0 && (
          <Alert color="yellow" mt="sm" data-testid="embedder-none-found">
            {t('settings.embedder.noneFound', { folder: `${settings?.modelsDir ?? ''}/embeddings` })}{' '}
            <Anchor component="button" onClick={() => go('downloads')} data-testid="embedder-get">
              {t('settings.embedder.get')}
            </Anchor>
          </Alert>
        )}
      </Section>

      <Section title={t('settings.folders.title')} explain={t('settings.folders.explain')}>
        <PathInput label={t('settings.folders.models')} kind="folder" value={modelsDir} onChange={setModelsDir} testId="settings-models-dir" />
        <Group mt="sm">
          <Button
            data-testid="settings-models-dir-save"
            disabled={!modelsDir || modelsDir === settings?.modelsDir}
            onClick={() =>
              void save({ modelsDir }, t('settings.saved')).then(async () => {
                await refreshModels();
              })
            }
          >
            {t('common.save')}
          </Button>
        </Group>
      </Section>

      <Section title={t('settings.runtime.title')} explain={t('settings.runtime.explain')}>
        <Stack gap="sm">
          <Radio.Group label={t('settings.runtime.gpu')} value={runtime.gpu} onChange={(value) => setRuntime({ ...runtime, gpu: value as 'auto' | 'cpu' })}>
            <Group mt={4}>
              <Radio value="auto" label={t('settings.runtime.gpuAuto')} data-testid="settings-gpu-auto" />
              <Radio value="cpu" label={t('settings.runtime.gpuCpu')} data-testid="settings-gpu-cpu" />
            </Group>
          </Radio.Group>
          <Group grow align="flex-start">
            <NumberInput
              label={t('settings.runtime.threads')}
              description={t('settings.runtime.threadsHint')}
              min={0}
              max={512}
              value={runtime.threads}
              onChange={(value) => setRuntime({ ...runtime, threads: Number(value) || 0 })}
              data-testid="settings-threads"
            />
            <TextInput
              label={t('settings.runtime.gpuLayers')}
              description={t('settings.runtime.gpuLayersHint')}
              value={runtime.gpuLayers}
              onChange={(event) => setRuntime({ ...runtime, gpuLayers: event.currentTarget.value.trim() })}
              error={gpuLayers !== 'auto' && gpuLayers !== 'max' && !(Number.isInteger(gpuLayers) && gpuLayers >= 0) ? t('settings.runtime.gpuLayersInvalid') : null}
              data-testid="settings-gpu-layers"
            />
          </Group>
          <NativeSelect
            label={t('settings.runtime.flashAttention')}
            description={t('settings.runtime.flashAttentionHint')}
            value={runtime.flashAttention}
            data={flashAttentionModes.map((value) => ({ value, label: t(`settings.runtime.flashAttentionOptions.${value}`) }))}
            onChange={(event) => setRuntime({ ...runtime, flashAttention: event.currentTarget.value as FlashAttentionMode })}
            maw={420}
            data-testid="settings-flash-attention"
          />
          <Checkbox
            label={t('settings.runtime.caching')}
            description={t('settings.runtime.cachingHint')}
            checked={runtime.caching}
            onChange={(event) => setRuntime({ ...runtime, caching: event.currentTarget.checked })}
            data-testid="settings-caching"
          />
          <Group>
            <Button
              data-testid="settings-runtime-save"
              disabled={gpuLayers !== 'auto' && gpuLayers !== 'max' && !(Number.isInteger(gpuLayers) && gpuLayers >= 0)}
              onClick={() => void save({ gpu: runtime.gpu, threads: runtime.threads, gpuLayers, flashAttention: runtime.flashAttention, caching: runtime.caching }, t('settings.runtime.saved'))}
            >
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </Section>

      <MultiUserSection />
      <PasswordPolicySection />

      <Card withBorder padding="lg">
        <Title order={3}>{t('app.language')}</Title>
        <NativeSelect
          mt="xs"
          maw={240}
          data-testid="settings-language"
          value={language}
          onChange={(event) => void setLanguage(event.currentTarget.value as Language)}
          data={languages.map((item) => ({ value: item.code, label: item.label }))}
        />
      </Card>
    </Stack>
  );
}
