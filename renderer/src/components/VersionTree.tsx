import { Alert, Badge, Button, Checkbox, Group, Modal, NativeSelect, NumberInput, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { IconGitBranch } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dataset, ModelInfo, ModelVersion } from '../../../shared/contract/entities.ts';
import { ApiError } from '../../../shared/contract/errors.ts';
import { api, describeError } from '../api.ts';
import { PathInput } from './PathInput.tsx';

/** base → v1 → v2 …: each version indented under its parent, with its adapter and dataset. */
function ordered(versions: ModelVersion[]): Array<{ version: ModelVersion; depth: number }> {
  const children = (parent: number | null) => versions.filter((v) => v.parentVersionId === parent);
  const walk = (parent: number | null, depth: number): Array<{ version: ModelVersion; depth: number }> => children(parent).flatMap((version) => [{ version, depth }, ...walk(version.id, depth + 1)]);
  return walk(null, 0);
}

/** The versions of one base model, and registering a trained adapter as a new one. */
export function VersionTree({ model }: { model: ModelInfo }) {
  const { t } = useTranslation();
  const [versions, setVersions] = useState<ModelVersion[]>([]);
  const [registering, setRegistering] = useState(false);
  const refresh = () => api.call('versions.list', { baseModelId: model.id }).then(setVersions, () => {});
  useEffect(() => {
    void refresh();
  }, [model.id]);

  return (
    <Stack gap={4} mt="sm" data-testid="version-tree">
      <Group justify="space-between">
        <Text size="sm" fw={600}>
          {t('versions.title')}
        </Text>
        <Button size="compact-xs" variant="light" leftSection={<IconGitBranch size={12} />} onClick={() => setRegistering(true)} data-testid="version-register">
          {t('versions.register')}
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        {t('versions.base')}
      </Text>
      {ordered(versions).map(({ version, depth }) => (
        <Group key={version.id} gap={6} pl={12 + depth * 14} wrap="nowrap" data-testid="version-row">
          <Text size="xs">└ {version.name}</Text>
          {version.adapters.map((adapter) => (
            <Badge key={adapter.position} size="xs" variant="light" color="gray">
              {adapter.format.toUpperCase()} ×{adapter.scale}
            </Badge>
          ))}
          <Text size="xs" c="dimmed">
            {t('versions.usage', { sessions: version.sessions, judged: version.judgedAnswers })}
          </Text>
          {version.datasetName && (
            <Text size="xs" c="dimmed" truncate>
              {t('versions.trainedOn', { dataset: version.datasetName, count: version.trainedEvaluations })}
            </Text>
          )}
        </Group>
      ))}
      <RegisterVersionDialog
        opened={registering}
        model={model}
        versions={versions}
        onClose={() => setRegistering(false)}
        onRegistered={() => {
          setRegistering(false);
          void refresh();
        }}
      />
    </Stack>
  );
}

function RegisterVersionDialog(props: { opened: boolean; model: ModelInfo; versions: ModelVersion[]; onClose: () => void; onRegistered: () => void }) {
  const { t } = useTranslation();
  const [datasets, setDatasets] = useState<Dataset[]>([]);
  const [form, setForm] = useState({ name: '', adapterPath: '', parentVersionId: '', datasetId: '', scale: 1, trainer: '', notes: '', trainedAt: '' });
  const [confirmNeeded, setConfirmNeeded] = useState<string | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (!props.opened) return;
    setForm((current) => ({ ...current, name: `v${props.versions.length + 1}`, parentVersionId: props.versions.at(-1) ? String(props.versions.at(-1)!.id) : '' }));
    setConfirmNeeded(null);
    setConfirmed(false);
    setError(null);
    api.call('datasets.list', {}).then(setDatasets, () => {});
  }, [props.opened]);
  const set = (patch: Partial<typeof form>) => setForm((current) => ({ ...current, ...patch }));

  const register = async () => {
    setSaving(true);
    setError(null);
    try {
      await api.call('versions.register', {
        baseModelId: props.model.id,
        name: form.name.trim(),
        adapterPath: form.adapterPath.trim(),
        parentVersionId: form.parentVersionId ? Number(form.parentVersionId) : null,
        datasetId: form.datasetId ? Number(form.datasetId) : null,
        scale: form.scale,
        trainer: form.trainer,
        notes: form.notes,
        trainedAt: form.trainedAt || null,
        confirmBaseName: confirmed,
      });
      props.onRegistered();
    } catch (caught) {
      if (caught instanceof ApiError && caught.params?.['reason'] === 'confirm_base_name') setConfirmNeeded(String(caught.params['declared'] ?? ''));
      else setError(describeError(caught));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t('versions.registerTitle', { model: props.model.displayName })} size="lg">
      <Stack gap="sm" data-testid="version-dialog">
        <Text size="sm" c="dimmed">
          {t('versions.explain')}
        </Text>
        <PathInput label={t('versions.adapter')} kind="files-or-folders" value={form.adapterPath} onChange={(adapterPath) => set({ adapterPath })} testId="version-adapter" />
        <Group grow>
          <TextInput label={t('versions.name')} value={form.name} onChange={(e) => set({ name: e.currentTarget.value })} data-testid="version-name" />
          <NativeSelect
            label={t('versions.parent')}
            value={form.parentVersionId}
            onChange={(e) => set({ parentVersionId: e.currentTarget.value })}
            data={[{ value: '', label: t('versions.baseOnly') }, ...props.versions.map((v) => ({ value: String(v.id), label: v.name }))]}
          />
        </Group>
        <Group grow>
          <NativeSelect
            label={t('versions.dataset')}
            value={form.datasetId}
            onChange={(e) => set({ datasetId: e.currentTarget.value })}
            data={[{ value: '', label: '–' }, ...datasets.map((d) => ({ value: String(d.id), label: `${d.name} (${d.exampleCount})` }))]}
            data-testid="version-dataset"
          />
          <NumberInput label={t('versions.scale')} min={0} max={4} step={0.1} decimalScale={2} value={form.scale} onChange={(v) => v !== '' && set({ scale: Number(v) })} />
        </Group>
        <Group grow>
          <TextInput label={t('versions.trainer')} placeholder="mlx_lm.lora, TRL, Unsloth…" value={form.trainer} onChange={(e) => set({ trainer: e.currentTarget.value })} />
          <TextInput type="date" label={t('versions.trainedAt')} value={form.trainedAt} onChange={(e) => set({ trainedAt: e.currentTarget.value })} />
        </Group>
        <Textarea label={t('versions.notes')} autosize minRows={2} value={form.notes} onChange={(e) => set({ notes: e.currentTarget.value })} />
        {form.datasetId && <Text size="xs" c="dimmed">{t('versions.datasetEffect')}</Text>}
        {confirmNeeded !== null && (
          <Alert color="yellow" data-testid="version-confirm">
            <Text size="sm">{t('versions.confirmText', { declared: confirmNeeded || '?', model: props.model.displayName })}</Text>
            <Checkbox mt="xs" label={t('versions.confirm')} checked={confirmed} onChange={(e) => setConfirmed(e.currentTarget.checked)} data-testid="version-confirm-check" />
          </Alert>
        )}
        {error && (
          <Alert color="red" data-testid="version-error">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button loading={saving} disabled={!form.adapterPath.trim() || !form.name.trim() || (confirmNeeded !== null && !confirmed)} onClick={() => void register()} data-testid="version-save">
            {t('versions.registerShort')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
