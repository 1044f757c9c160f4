import { Alert, Badge, Button, Card, Group, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconCheck, IconDownload } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CatalogItem } from '../../../shared/contract/downloads.ts';
import { api, describeError } from '../api.ts';
import { formatBytes } from '../format.ts';
import { useApp } from '../store.ts';

const jobIdFor = (catalogId: string) => `download:${catalogId}`;

/**
 * "Get models": a short list of recommended chat models and a multilingual embedder, fetched from
 * Hugging Face only when the user presses Download. Progress, cancel, resume and checksums are
 * the main process's; this screen shows them.
 */
export function DownloadsScreen() {
  const { t } = useTranslation();
  const { refreshModels, updateSettings, settings, go } = useApp();
  const [catalog, setCatalog] = useState<CatalogItem[] | null>(null);
  const [progress, setProgress] = useState<Record<string, { fraction: number; detail?: string }>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [running, setRunning] = useState<Set<string>>(new Set());

  const refresh = useCallback(async () => {
    try {
      setCatalog(await api.call('downloads.catalog', {}));
    } catch (caught) {
      setErrors((current) => ({ ...current, '*': describeError(caught) }));
    }
  }, []);

  useEffect(() => {
    void refresh();
    return api.on('job.progress', (event) => {
      if (event.kind !== 'download' || !event.jobId.startsWith('download:')) return;
      const id = event.jobId.slice('download:'.length);
      setProgress((current) => ({ ...current, [id]: { fraction: event.progress, ...(event.detail !== undefined && { detail: event.detail }) } }));
    });
  }, [refresh]);

  const start = async (item: CatalogItem) => {
    setErrors(({ [item.id]: _dropped, ...rest }) => rest);
    setRunning((current) => new Set(current).add(item.id));
    try {
      const result = await api.call('downloads.start', { catalogId: item.id, jobId: jobIdFor(item.id) });
      if (result.kind === 'chat') await refreshModels();
      // A first embedder becomes the default at once: documents work without another step.
      if (result.kind === 'embedder' && !settings?.embedder) await updateSettings({ embedder: result.embedderSpec });
    } catch (caught) {
      setErrors((current) => ({ ...current, [item.id]: describeError(caught) }));
    } finally {
      setRunning((current) => {
        const next = new Set(current);
        next.delete(item.id);
        return next;
      });
      setProgress(({ [item.id]: _done, ...rest }) => rest);
      await refresh();
    }
  };

  const discard = async (item: CatalogItem) => {
    try {
      await api.call('downloads.discard', { catalogId: item.id });
    } catch (caught) {
      setErrors((current) => ({ ...current, [item.id]: describeError(caught) }));
    }
    await refresh();
  };

  const section = (kind: CatalogItem['kind']) => (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
      {(catalog ?? [])
        .filter((item) => item.kind === kind)
        .map((item) => {
          const busy = running.has(item.id) || item.downloading;
          const current = progress[item.id];
          return (
            <Card key={item.id} withBorder padding="md" data-testid="catalog-item" data-id={item.id} data-state={item.state}>
              <Group justify="space-between" align="flex-start" wrap="nowrap">
                <div>
                  <Text fw={600}>{item.displayName}</Text>
                  <Text size="sm" c="dimmed">
                    {t(`downloads.catalog.${item.id}`, { defaultValue: item.description })}
                  </Text>
                </div>
                {item.state === 'installed' && (
                  <Badge color="teal" leftSection={<IconCheck size={12} />} data-testid="catalog-installed" style={{ flexShrink: 0 }}>
                    {t('downloads.installed')}
                  </Badge>
                )}
                {item.state === 'partial' && !busy && (
                  <Badge color="yellow" variant="light" style={{ flexShrink: 0 }}>
                    {t('downloads.partial', { size: formatBytes(item.bytesOnDisk) })}
                  </Badge>
                )}
              </Group>
              <Group gap={6} mt="xs">
                {item.languages.map((language) => (
                  <Badge key={language} variant="outline" color="gray" size="sm">
                    {language}
                  </Badge>
                ))}
                <Text size="xs" c="dimmed">
                  ≈ {formatBytes(item.approxSizeBytes)} · {item.license}
                </Text>
              </Group>
              {busy && (
                <Stack gap={4} mt="sm">
                  <Progress value={(current?.fraction ?? 0) * 100} animated striped aria-label={item.displayName} data-testid="catalog-progress" />
                  <Text size="xs" c="dimmed">
                    {Math.round((current?.fraction ?? 0) * 100)}% {current?.detail ? `· ${current.detail}` : ''}
                  </Text>
                </Stack>
              )}
              {errors[item.id] && (
                <Alert color="red" mt="sm" data-testid="catalog-error">
                  {errors[item.id]}
                </Alert>
              )}
              <Group mt="sm" gap="xs">
                {busy ? (
                  <Button variant="default" size="xs" data-testid="catalog-cancel" onClick={() => void api.call('jobs.cancel', { jobId: jobIdFor(item.id) })}>
                    {t('common.cancel')}
                  </Button>
                ) : item.state === 'installed' ? (
                  kind === 'chat' ? (
                    <Button size="xs" variant="light" onClick={() => go('models')}>
                      {t('downloads.openModels')}
                    </Button>
                  ) : settings?.embedder === item.embedderSpec ? (
                    <Text size="xs" c="teal">
                      {t('downloads.defaultEmbedder')}
                    </Text>
                  ) : (
                    <Button size="xs" variant="light" data-testid="catalog-use-embedder" onClick={() => void updateSettings({ embedder: item.embedderSpec })}>
                      {t('downloads.useEmbedder')}
                    </Button>
                  )
                ) : (
                  <>
                    <Button size="xs" leftSection={<IconDownload size={14} />} data-testid="catalog-download" onClick={() => void start(item)}>
                      {item.state === 'partial' ? t('downloads.resume') : t('downloads.download')}
                    </Button>
                    {item.state === 'partial' && (
                      <Button size="xs" variant="subtle" color="gray" onClick={() => void discard(item)}>
                        {t('downloads.discard')}
                      </Button>
                    )}
                  </>
                )}
              </Group>
            </Card>
          );
        })}
    </SimpleGrid>
  );

  return (
    <Stack maw={1100} gap="lg" data-testid="downloads">
      <div>
        <Title order={2}>{t('nav.downloads')}</Title>
        <Text c="dimmed" size="sm">
          {t('downloads.explain')}
        </Text>
      </div>
      {errors['*'] && <Alert color="red">{errors['*']}</Alert>}
      <div>
        <Title order={3} mb="xs">
          {t('downloads.chatModels')}
        </Title>
        {section('chat')}
      </div>
      <div>
        <Title order={3} mb={4}>
          {t('downloads.embedders')}
        </Title>
        <Text size="sm" c="dimmed" mb="xs">
          {t('downloads.embeddersExplain')}
        </Text>
        {section('embedder')}
      </div>
    </Stack>
  );
}
