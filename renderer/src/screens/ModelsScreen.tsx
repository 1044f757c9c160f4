import { ActionIcon, Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { IconCheck, IconPencil, IconTrash, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ModelInfo } from '../../../shared/contract/entities.ts';
import { api, describeError } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { PathInput } from '../components/PathInput.tsx';
import { VersionTree } from '../components/VersionTree.tsx';
import { formatBytes, formatCount } from '../format.ts';
import { useApp } from '../store.ts';

/** Registered GGUF models: add or scan, load and unload, rename, remove (their logs keep them). */
export function ModelsScreen() {
  const { t } = useTranslation();
  const { models, runtime, refreshModels, settings, go } = useApp();
  const [path, setPath] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notices, setNotices] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const add = () =>
    run(async () => {
      const model = await api.call('models.add', { path: path.trim() });
      setNotices([t('models.added', { name: model.displayName, architecture: model.architecture })]);
      setPath('');
      await refreshModels();
    });
  const scan = () =>
    run(async () => {
      const result = await api.call('models.scan', {});
      setNotices([
        t('models.scanResult', { count: result.added.length }),
        ...(result.truncated ? [t('models.scanTruncated')] : []),
        ...result.failed.map((f) => t('models.skipped', { file: f.path, message: f.message })),
      ]);
      await refreshModels();
    });
  const [removing, setRemoving] = useState<ModelInfo | null>(null);
  const remove = (model: ModelInfo) =>
    run(async () => {
      setRemoving(null);
      await api.call('models.remove', { id: model.id });
      await refreshModels();
    });

  return (
    <Stack maw={1200} gap="md">
      <Group justify="space-between">
        <Title order={2}>{t('models.title')}</Title>
        <Group gap="xs">
          <Button variant="default" onClick={() => go('downloads')}>
            {t('nav.downloads')}
          </Button>
          <Button variant="default" data-testid="models-scan" disabled={busy} onClick={() => void scan()}>
            {t('models.scan')}
          </Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        {t('models.folderHint', { folder: settings?.modelsDir ?? '' })}
      </Text>
      <Group align="flex-end" gap="xs">
        <div style={{ flex: 1 }}>
          <PathInput label={t('models.addPath')} kind="file" extensions={['gguf']} value={path} onChange={setPath} testId="model-path" />
        </div>
        <Button data-testid="model-add" disabled={busy || path.trim() === ''} onClick={() => void add()}>
          {t('models.add')}
        </Button>
      </Group>
      {error && (
        <Alert color="red" data-testid="models-error">
          {error}
        </Alert>
      )}
      {notices.map((notice) => (
        <Text key={notice} size="sm" c="teal" className="notice">
          {notice}
        </Text>
      ))}
      {models.length === 0 && <Text c="dimmed">{t('models.empty')}</Text>}
      <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }}>
        {models.map((model) => {
          const loaded = runtime?.modelId === model.id && runtime.state === 'loaded';
          const loading = runtime?.modelId === model.id && runtime.state === 'loading';
          return (
            <Card key={model.id} withBorder padding="md" data-testid="model-row" className={loaded ? 'card-loaded' : undefined}>
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <ModelName model={model} onRenamed={refreshModels} />
                <Group gap={4} wrap="nowrap">
                  {loaded ? (
                    <Button size="xs" variant="default" data-testid="model-unload" disabled={busy} onClick={() => void run(async () => void (await api.call('runtime.unload', {})))}>
                      {t('models.unload')}
                    </Button>
                  ) : (
                    <Button size="xs" data-testid="model-load" loading={loading} disabled={busy || !model.fileExists} onClick={() => void run(async () => void (await api.call('runtime.load', { modelId: model.id })))}>
                      {t('models.load')}
                    </Button>
                  )}
                  <Tooltip label={t('models.remove')}>
                    <ActionIcon variant="subtle" color="red" aria-label={t('models.remove')} data-testid="model-remove" disabled={busy || loaded} onClick={() => setRemoving(model)}>
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Tooltip>
                </Group>
              </Group>
              <Group gap={6} mt={6}>
                {loaded && <Badge color="teal">{t('runtime.loaded')}</Badge>}
                <Badge variant="light" color="gray">
                  {model.architecture}
                </Badge>
                <Badge variant="light" color="gray">
                  {formatCount(model.parameterCount)}
                </Badge>
                {model.quantization && (
                  <Badge variant="light" color="gray">
                    {model.quantization}
                  </Badge>
                )}
                {!model.hasChatTemplate && (
                  <Badge variant="light" color="yellow">
                    {t('models.noChatTemplate')}
                  </Badge>
                )}
              </Group>
              {!model.fileExists && (
                <Text c="red" size="sm" mt={6}>
                  {t('models.missing')}
                </Text>
              )}
              <dl className="facts">
                <dt>{t('models.trainingContext')}</dt>
                <dd>{formatCount(model.trainingContextLength)}</dd>
                <dt>{t('models.size')}</dt>
                <dd>{formatBytes(model.fileSize)}</dd>
                <dt>{t('models.version')}</dt>
                <dd>{model.version}</dd>
                <dt>{t('models.file')}</dt>
                <dd className="path">{model.filePath}</dd>
              </dl>
              {loaded && runtime?.promptFormat && (
                <details className="prompt-format" data-testid="prompt-format">
                  <summary>
                    {t('models.promptFormat.title')}: {t(`models.promptFormat.${runtime.promptFormat.rule}`)}
                  </summary>
                  {runtime.promptFormat.tokenization && <Text size="xs" c="dimmed">{runtime.promptFormat.tokenization}</Text>}
                  {runtime.promptFormat.fallbackReason && <Text size="xs" c="dimmed">{runtime.promptFormat.fallbackReason}</Text>}
                  {runtime.promptFormat.template && <pre className="passage small">{runtime.promptFormat.template}</pre>}
                </details>
              )}
              <VersionTree model={model} />
            </Card>
          );
        })}
      </SimpleGrid>
      <ConfirmDialog
        opened={removing !== null}
        title={t('models.removeTitle', { name: removing?.displayName ?? '' })}
        text={t('models.removeText')}
        confirmLabel={t('models.remove')}
        danger
        testId="model-remove-dialog"
        onClose={() => setRemoving(null)}
        onConfirm={() => removing && void remove(removing)}
      />
    </Stack>
  );
}

/** The name, editable in place (names come from the file name; people rename to tell runs apart). */
function ModelName({ model, onRenamed }: { model: ModelInfo; onRenamed: () => Promise<void> }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    if (editing === null || editing.trim() === '' || editing === model.displayName) return setEditing(null);
    try {
      await api.call('models.update', { id: model.id, patch: { displayName: editing.trim() } });
      setEditing(null);
      setError(null);
      await onRenamed();
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  if (editing === null) {
    return (
      <Group gap={4} wrap="nowrap" style={{ minWidth: 0 }}>
        <Text fw={600} truncate data-testid="model-name">
          {model.displayName}
        </Text>
        <ActionIcon size="sm" variant="subtle" aria-label={t('models.rename')} data-testid="model-rename" onClick={() => setEditing(model.displayName)}>
          <IconPencil size={14} />
        </ActionIcon>
      </Group>
    );
  }
  return (
    <Group gap={4} wrap="nowrap">
      <TextInput
        size="xs"
        value={editing}
        autoFocus
        error={error}
        aria-label={t('models.rename')}
        data-testid="model-rename-input"
        onChange={(event) => setEditing(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.nativeEvent.isComposing) return;
          if (event.key === 'Enter') void save();
          if (event.key === 'Escape') setEditing(null);
        }}
      />
      <ActionIcon size="sm" variant="subtle" color="teal" aria-label={t('common.save')} onClick={() => void save()}>
        <IconCheck size={14} />
      </ActionIcon>
      <ActionIcon size="sm" variant="subtle" color="gray" aria-label={t('common.cancel')} onClick={() => setEditing(null)}>
        <IconX size={14} />
      </ActionIcon>
    </Group>
  );
}
