import { ActionIcon, Badge, Button, Checkbox, Group, Modal, NativeSelect, Stack, Switch, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { workspaceCategories, type WorkspaceCategory } from '../../../../shared/contract/entities.ts';
import type { PromptTemplate, PromptVersion } from '../../../../shared/contract/prompts.ts';
import { builtInVariables, checkTemplate, variableTypes, type TemplateVariable } from '../../../../shared/prompt-template.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { formatDate } from '../../format.ts';
import { useApp } from '../../store.ts';
import { DiffText } from '../reverify/DiffText.tsx';

type Draft = { id?: number; category: WorkspaceCategory; name: string; body: string; variables: TemplateVariable[]; isDefault: boolean };

const blankVariable = (): TemplateVariable => ({ name: '', label: '', type: 'text', required: false, default: null, options: [] });

/** The workspace's system prompt templates per category and its prompt history (issue 14). */
export function PromptTemplates({ workspaceId, canManage }: { workspaceId: number; canManage: boolean }) {
  const { t } = useTranslation();
  const { language } = useApp();
  const [templates, setTemplates] = useState<PromptTemplate[]>([]);
  const [versions, setVersions] = useState<PromptVersion[]>([]);
  const [editing, setEditing] = useState<Draft | null>(null);
  const [compare, setCompare] = useState<number[]>([]);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const [list, history] = await Promise.all([api.call('prompts.templates', { workspaceId }), api.call('prompts.versions', { workspaceId })]);
      setTemplates(list);
      setVersions(history);
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [workspaceId]);
  useEffect(() => {
    setCompare([]);
    void reload();
  }, [reload]);

  const remove = async (id: number) => {
    try {
      await api.call('prompts.deleteTemplate', { id });
      await reload();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const toggleCompare = (id: number, on: boolean) => setCompare((current) => (on ? [...current.filter((other) => other !== id), id].slice(-2) : current.filter((other) => other !== id)));
  const [older, newer] = useMemo(() => {
    const picked = versions.filter((version) => compare.includes(version.id)).sort((a, b) => a.version - b.version);
    return [picked[0], picked[1]];
  }, [versions, compare]);

  return (
    <Stack gap="xs" mt="lg" data-testid="prompt-templates">
      <Group justify="space-between">
        <Title order={4}>{t('prompts.templates')}</Title>
        {canManage && (
          <Button size="xs" variant="default" leftSection={<IconPlus size={14} />} onClick={() => setEditing({ category: 'qa', name: '', body: '', variables: [], isDefault: false })} data-testid="template-add">
            {t('prompts.add')}
          </Button>
        )}
      </Group>
      <ErrorText error={error} testId="templates-error" />
      {templates.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="templates-empty">
          {t('prompts.noTemplates')}
        </Text>
      ) : (
        workspaceCategories
          .filter((category) => templates.some((template) => template.category === category))
          .map((category) => (
            <Stack key={category} gap={2}>
              <Text size="sm" fw={600}>
                {t(`workspaces.categories.${category}`)}
              </Text>
              {templates
                .filter((template) => template.category === category)
                .map((template) => (
                  <Group key={template.id} gap="xs" data-testid="template-row" data-template-id={template.id}>
                    <Text size="sm">{template.name}</Text>
                    {template.isDefault && (
                      <Badge size="xs" variant="light">
                        {t('prompts.default')}
                      </Badge>
                    )}
                    <Text size="xs" c="dimmed">
                      {t('prompts.variableCount', { count: template.variables.length })}
                    </Text>
                    {canManage && (
                      <>
                        <ActionIcon variant="subtle" size="sm" aria-label={t('common.edit')} onClick={() => setEditing({ id: template.id, category: template.category, name: template.name, body: template.body, variables: template.variables, isDefault: template.isDefault })} data-testid="template-edit">
                          <IconPencil size={14} />
                        </ActionIcon>
                        <ActionIcon variant="subtle" color="red" size="sm" aria-label={t('common.delete')} onClick={() => void remove(template.id)} data-testid="template-delete">
                          <IconTrash size={14} />
                        </ActionIcon>
                      </>
                    )}
                  </Group>
                ))}
            </Stack>
          ))
      )}

      <Title order={4} mt="md">
        {t('prompts.history')}
      </Title>
      {versions.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('prompts.noHistory')}
        </Text>
      ) : (
        <Table withTableBorder verticalSpacing={4} data-testid="prompt-history">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40} />
              <Table.Th>{t('prompts.version')}</Table.Th>
              <Table.Th>{t('prompts.changedBy')}</Table.Th>
              <Table.Th>{t('prompts.changedAt')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {versions.map((version) => (
              <Table.Tr key={version.id} data-testid="prompt-version" data-version={version.version}>
                <Table.Td>
                  <Checkbox size="xs" aria-label={t('prompts.compare')} checked={compare.includes(version.id)} onChange={(e) => toggleCompare(version.id, e.currentTarget.checked)} data-testid="prompt-version-compare" />
                </Table.Td>
                <Table.Td>v{version.version}</Table.Td>
                <Table.Td>{version.changedByName ?? '–'}</Table.Td>
                <Table.Td>{formatDate(version.changedAt, language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {versions.length > 1 && !newer && (
        <Text size="xs" c="dimmed">
          {t('prompts.pickTwo')}
        </Text>
      )}
      {older && newer && (
        <div data-testid="prompt-compare" style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 12 }}>
          <div>
            <Text size="sm" fw={600}>
              v{older.version}
            </Text>
            <pre className="passage" style={{ whiteSpace: 'pre-wrap' }}>
              {older.body}
            </pre>
          </div>
          <div>
            <Text size="sm" fw={600}>
              v{newer.version} · {t('prompts.changes')}
            </Text>
            <DiffText expected={older.body} answer={newer.body} />
          </div>
        </div>
      )}
      {editing && (
        <TemplateDialog
          workspaceId={workspaceId}
          draft={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void reload();
          }}
        />
      )}
    </Stack>
  );
}

function TemplateDialog({ workspaceId, draft, onClose, onSaved }: { workspaceId: number; draft: Draft; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState<Draft>(draft);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setForm((current) => ({ ...current, [key]: value }));
  const setVariable = (index: number, patch: Partial<TemplateVariable>) => set('variables', form.variables.map((variable, i) => (i === index ? { ...variable, ...patch } : variable)));
  const problems = checkTemplate(form.body, form.variables);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.call('prompts.saveTemplate', { workspaceId, ...(form.id !== undefined && { id: form.id }), category: form.category, name: form.name, body: form.body, variables: form.variables, isDefault: form.isDefault });
      onSaved();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} size="xl" title={form.id === undefined ? t('prompts.add') : t('prompts.edit', { name: draft.name })} data-testid="template-dialog">
      <Stack gap="sm">
        <Group grow align="flex-end">
          <TextInput label={t('prompts.name')} required value={form.name} onChange={(e) => set('name', e.currentTarget.value)} data-testid="template-name" data-autofocus />
          <NativeSelect label={t('workspaces.category')} value={form.category} onChange={(e) => set('category', e.currentTarget.value as WorkspaceCategory)} data={workspaceCategories.map((category) => ({ value: category, label: t(`workspaces.categories.${category}`) }))} data-testid="template-category" />
        </Group>
        <Textarea label={t('prompts.body')} description={t('prompts.bodyHint', { builtIns: builtInVariables.map((name) => `{{${name}}}`).join(' '), example: '{{variable}}' })} autosize minRows={5} maxRows={16} value={form.body} onChange={(e) => set('body', e.currentTarget.value)} data-testid="template-body" />
        {problems.length > 0 && (
          <Text size="sm" c="red" data-testid="template-problems">
            {problems.map((problem) => t(`prompts.problems.${problem.code}`, { name: problem.name })).join(' ')}
          </Text>
        )}
        <Group justify="space-between">
          <Text size="sm" fw={600}>
            {t('prompts.variables')}
          </Text>
          <Button size="compact-xs" variant="default" leftSection={<IconPlus size={12} />} onClick={() => set('variables', [...form.variables, blankVariable()])} data-testid="variable-add">
            {t('prompts.addVariable')}
          </Button>
        </Group>
        {form.variables.map((variable, index) => (
          <Group key={index} gap="xs" align="flex-end" wrap="nowrap" data-testid="variable-row">
            <TextInput size="xs" label={t('prompts.variableName')} value={variable.name} onChange={(e) => setVariable(index, { name: e.currentTarget.value })} data-testid="variable-name" w={130} />
            <TextInput size="xs" label={t('prompts.variableLabel')} value={variable.label} onChange={(e) => setVariable(index, { label: e.currentTarget.value })} w={140} />
            <NativeSelect size="xs" label={t('prompts.variableType')} value={variable.type} onChange={(e) => setVariable(index, { type: e.currentTarget.value as TemplateVariable['type'] })} data={variableTypes.map((type) => ({ value: type, label: t(`prompts.types.${type}`) }))} data-testid="variable-type" />
            <TextInput size="xs" label={t('prompts.variableDefault')} value={variable.default ?? ''} onChange={(e) => setVariable(index, { default: e.currentTarget.value === '' ? null : e.currentTarget.value })} w={120} />
            {variable.type === 'choice' && (
              <TextInput size="xs" label={t('prompts.variableOptions')} value={variable.options.join(', ')} onChange={(e) => setVariable(index, { options: e.currentTarget.value.split(',').map((option) => option.trim()).filter(Boolean) })} w={160} />
            )}
            <Checkbox size="xs" label={t('prompts.required')} checked={variable.required} onChange={(e) => setVariable(index, { required: e.currentTarget.checked })} mb={6} data-testid="variable-required" />
            <ActionIcon variant="subtle" color="red" aria-label={t('common.delete')} onClick={() => set('variables', form.variables.filter((_, i) => i !== index))} mb={2}>
              <IconTrash size={14} />
            </ActionIcon>
          </Group>
        ))}
        <Switch label={t('prompts.isDefault')} checked={form.isDefault} onChange={(e) => set('isDefault', e.currentTarget.checked)} data-testid="template-default" />
        <ErrorText error={error} testId="template-error" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button loading={busy} disabled={form.name.trim() === '' || form.body.trim() === ''} onClick={() => void save()} data-testid="template-save">
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
