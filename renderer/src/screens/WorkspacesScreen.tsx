import { Alert, Button, Card, Checkbox, Group, NativeSelect, NavLink, NumberInput, Select, SimpleGrid, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodInput } from '../../../shared/contract/api.ts';
import type { EmbedderOption } from '../../../shared/contract/embedders.ts';
import { workspaceCategories, workspaceDefaults, type Workspace } from '../../../shared/contract/entities.ts';
import { api, describeError } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { embedderLabel } from '../components/embedder-label.ts';
import { useDraft } from '../components/useDraft.ts';
import { useApp } from '../store.ts';
import { WorkspaceMembers } from './people/WorkspaceMembers.tsx';
import { PromptTemplates } from './prompts/PromptTemplates.tsx';

type Form = Required<MethodInput<'workspaces.create'>>;

/**
 * A new workspace starts from the contract's defaults (defined once, in shared/); only the refusal
 * text is offered in the user's language, since it is what users of a query workspace will read.
 */
const blankIn = (refusal: string): Form => ({ name: '', ...workspaceDefaults, refusalResponse: refusal });

function toForm(workspace: Workspace): Form {
  const { id: _id, createdAt: _c, updatedAt: _u, ...fields } = workspace;
  return fields;
}

export function WorkspacesScreen() {
  const { t } = useTranslation();
  const { workspaces, refreshWorkspaces, authMode, user } = useApp();
  const [editingId, setEditingId] = useState<number | null>(workspaces[0]?.id ?? null);
  const [form, setForm] = useState<Form>(workspaces[0] ? toForm(workspaces[0]) : blankIn(t('workspaces.defaultRefusal')));
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [dirty, setDirty] = useState(false);
  // A long system prompt is typed work too: it is kept as a draft until saved.
  const draftKey = `workspace:${editingId ?? 'new'}`;
  const draft = useDraft(draftKey, form, dirty);

  const edit = (workspace: Workspace | null) => {
    setEditingId(workspace?.id ?? null);
    setForm(workspace ? toForm(workspace) : blankIn(t('workspaces.defaultRefusal')));
    setDirty(false);
    setError(null);
    setNotice(null);
    void api.call('drafts.get', { key: `workspace:${workspace?.id ?? 'new'}` }).then((saved) => {
      if (saved && (!workspace || saved.updatedAt > workspace.updatedAt)) {
        setForm({ ...(workspace ? toForm(workspace) : blankIn(t('workspaces.defaultRefusal'))), ...(saved.value as Partial<Form>) });
        setDirty(true);
        setNotice(t('eval.restored'));
      }
    }, () => {});
  };
  useEffect(() => {
    edit(workspaces.find((w) => w.id === editingId) ?? null);
    // Only on first show: later edits come from the list.
  }, []);
  const set = <K extends keyof Form>(key: K, value: Form[K]) => {
    setForm((current) => ({ ...current, [key]: value }));
    setDirty(true);
  };
  /** Mantine's number fields hand over '' while a number is being retyped: keep the last number. */
  const number = (key: keyof Form) => (value: number | string) => {
    if (value !== '' && Number.isFinite(Number(value))) set(key, Number(value) as never);
  };
  const [embedders, setEmbedders] = useState<EmbedderOption[]>([]);
  useEffect(() => {
    api.call('embedders.list', {}).then(setEmbedders, () => {});
  }, []);

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const saved = editingId === null ? await api.call('workspaces.create', form) : await api.call('workspaces.update', { id: editingId, patch: form });
      await draft.discard();
      setDirty(false);
      await refreshWorkspaces();
      setEditingId(saved.id);
      setNotice(t('workspaces.saved'));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setSaving(false);
    }
  };

  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const remove = async () => {
    setConfirmingDelete(false);
    if (editingId === null) return;
    try {
      await api.call('workspaces.delete', { id: editingId });
      await refreshWorkspaces();
      edit(null);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  return (
    <div className="split">
      <Card withBorder padding="sm" component="section">
        <Group justify="space-between" mb="xs">
          <Title order={3}>{t('workspaces.title')}</Title>
          <Button size="xs" variant="default" leftSection={<IconPlus size={14} />} data-testid="workspace-new" onClick={() => edit(null)}>
            {t('common.new')}
          </Button>
        </Group>
        {workspaces.length === 0 && (
          <Text c="dimmed" size="sm">
            {t('workspaces.empty')}
          </Text>
        )}
        <Stack gap={2}>
          {workspaces.map((workspace) => (
            <NavLink
              key={workspace.id}
              component="button"
              active={workspace.id === editingId}
              label={workspace.name}
              description={`${t(`workspaces.categories.${workspace.category}`)} · ${workspace.businessDomain || '–'}`}
              onClick={() => edit(workspace)}
              data-testid="workspace-item"
            />
          ))}
        </Stack>
      </Card>
      <Card withBorder padding="lg" component="section">
        <Title order={2} mb="sm">
          {editingId === null ? t('workspaces.create') : form.name}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
          <TextInput label={t('workspaces.name')} required data-testid="workspace-name" value={form.name} onChange={(e) => set('name', e.currentTarget.value)} />
          <TextInput label={t('workspaces.domain')} data-testid="workspace-domain" value={form.businessDomain} onChange={(e) => set('businessDomain', e.currentTarget.value)} />
          <NativeSelect
            label={t('workspaces.category')}
            data-testid="workspace-category"
            value={form.category}
            onChange={(e) => set('category', e.currentTarget.value as Form['category'])}
            data={workspaceCategories.map((category) => ({ value: category, label: t(`workspaces.categories.${category}`) }))}
          />
        </SimpleGrid>
        <Textarea mt="sm" label={t('workspaces.systemPrompt')} autosize minRows={4} maxRows={14} data-testid="workspace-system-prompt" value={form.systemPrompt} onChange={(e) => set('systemPrompt', e.currentTarget.value)} />
        <SimpleGrid cols={{ base: 2, lg: 4 }} spacing="sm" mt="sm">
          <NumberInput label={t('workspaces.temperature')} data-testid="workspace-temperature" step={0.1} min={0} max={2} decimalScale={2} value={form.temperature} onChange={number('temperature')} />
          <NumberInput label={t('workspaces.maxTokens')} data-testid="workspace-max-tokens" min={1} max={32_768} allowDecimal={false} value={form.maxTokens} onChange={number('maxTokens')} />
          <NumberInput label={t('workspaces.contextSize')} min={256} step={256} allowDecimal={false} value={form.contextSize} onChange={number('contextSize')} />
          <NumberInput label={t('workspaces.historyTurns')} min={0} max={100} allowDecimal={false} value={form.historyTurns} onChange={number('historyTurns')} />
        </SimpleGrid>
        <Title order={4} mt="lg" mb="xs">
          {t('workspaces.retrieval')}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
          <NativeSelect
            label={t('workspaces.chatMode')}
            value={form.chatMode}
            onChange={(e) => set('chatMode', e.currentTarget.value as Form['chatMode'])}
            data={[
              { value: 'chat', label: t('workspaces.modeChat') },
              { value: 'query', label: t('workspaces.modeQuery') },
            ]}
          />
          <NumberInput label={t('workspaces.topN')} min={1} max={50} allowDecimal={false} value={form.topN} onChange={number('topN')} />
          <NumberInput label={t('workspaces.threshold')} description={t('chat.similarityHelp')} min={-1} max={1} step={0.05} decimalScale={3} value={form.similarityThreshold} onChange={number('similarityThreshold')} />
          <NumberInput label={t('workspaces.chunkSize')} min={16} max={8192} allowDecimal={false} value={form.chunkSize} onChange={number('chunkSize')} />
          <NumberInput label={t('workspaces.chunkOverlap')} min={0} max={4096} allowDecimal={false} value={form.chunkOverlap} onChange={number('chunkOverlap')} />
          <Select
            label={t('workspaces.embedder')}
            data={[{ value: '', label: t('workspaces.embedderDefault') }, ...embedders.map((option) => ({ value: option.spec, label: embedderLabel(option, t) }))]}
            value={form.embedderId ?? ''}
            allowDeselect={false}
            onChange={(value) => set('embedderId', value ? value : null)}
            data-testid="workspace-embedder"
          />
        </SimpleGrid>
        <Checkbox mt="sm" label={t('workspaces.hybrid')} checked={form.hybridSearch} onChange={(e) => set('hybridSearch', e.currentTarget.checked)} />
        <Checkbox mt="sm" label={t('workspaces.graphExtraction')} description={t('workspaces.graphExtractionHint')} checked={form.graphExtraction} onChange={(e) => set('graphExtraction', e.currentTarget.checked)} data-testid="workspace-graph-extraction" />
        <Checkbox mt="sm" label={t('workspaces.entityRetrieval')} description={t('workspaces.entityRetrievalHint')} checked={form.entityRetrieval} onChange={(e) => set('entityRetrieval', e.currentTarget.checked)} data-testid="workspace-entity-retrieval" />
        <Checkbox mt="sm" label={t('workspaces.sqlRoute')} description={t('workspaces.sqlRouteHint')} checked={form.sqlRoute} onChange={(e) => set('sqlRoute', e.currentTarget.checked)} data-testid="workspace-sql-route" />
        <Checkbox mt="sm" label={t('workspaces.blindEvaluation')} description={t('workspaces.blindEvaluationHint')} checked={form.blindEvaluation} onChange={(e) => set('blindEvaluation', e.currentTarget.checked)} data-testid="workspace-blind" />
        <TextInput mt="sm" label={t('workspaces.refusal')} value={form.refusalResponse} onChange={(e) => set('refusalResponse', e.currentTarget.value)} />
        {error && (
          <Alert color="red" mt="sm" role="alert" data-testid="error">
            {error}
          </Alert>
        )}
        {notice && (
          <Text c="teal" size="sm" mt="sm" className="notice">
            {notice}
          </Text>
        )}
        <Group mt="md">
          <Button data-testid="workspace-save" loading={saving} onClick={() => void save()}>
            {t('common.save')}
          </Button>
          {editingId !== null && (
            <Button variant="subtle" color="red" onClick={() => setConfirmingDelete(true)}>
              {t('common.delete')}
            </Button>
          )}
        </Group>
        {/* Memberships matter once people sign in: evaluators and viewers see only their workspaces. */}
        {editingId !== null && authMode === 'multi' && <WorkspaceMembers workspaceId={editingId} />}
        {editingId !== null && <PromptTemplates workspaceId={editingId} canManage={authMode === 'single' || user?.role === 'admin' || user?.role === 'manager'} />}
      </Card>
      <ConfirmDialog
        opened={confirmingDelete}
        title={form.name}
        text={t('workspaces.deleteConfirm')}
        confirmLabel={t('common.delete')}
        danger
        testId="workspace-delete-dialog"
        onClose={() => setConfirmingDelete(false)}
        onConfirm={() => void remove()}
      />
    </div>
  );
}
