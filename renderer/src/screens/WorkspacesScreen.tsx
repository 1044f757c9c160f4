import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodInput } from '../../../shared/contract/api.ts';
import { workspaceDefaults, type Workspace } from '../../../shared/contract/entities.ts';
import { api, describeError } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorText, Field } from '../components/Field.tsx';
import { useDraft } from '../components/useDraft.ts';
import { useApp } from '../store.ts';

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
  const { workspaces, refreshWorkspaces } = useApp();
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
  const number = (key: keyof Form) => (event: React.ChangeEvent<HTMLInputElement>) => set(key, Number(event.target.value) as never);

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
      <section className="list-pane">
        <div className="pane-header">
          <h2>{t('workspaces.title')}</h2>
          <button data-testid="workspace-new" onClick={() => edit(null)}>
            {t('common.new')}
          </button>
        </div>
        {workspaces.length === 0 && <p className="muted">{t('workspaces.empty')}</p>}
        <ul className="item-list">
          {workspaces.map((workspace) => (
            <li key={workspace.id}>
              <button className={workspace.id === editingId ? 'item active' : 'item'} onClick={() => edit(workspace)} data-testid="workspace-item">
                <strong>{workspace.name}</strong>
                <span className="muted">
                  {t(`workspaces.categories.${workspace.category}`)} · {workspace.businessDomain || '–'}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="detail-pane">
        <h2>{editingId === null ? t('workspaces.create') : form.name}</h2>
        <div className="form-grid">
          <Field label={t('workspaces.name')}>
            <input data-testid="workspace-name" value={form.name} onChange={(e) => set('name', e.target.value)} />
          </Field>
          <Field label={t('workspaces.domain')}>
            <input data-testid="workspace-domain" value={form.businessDomain} onChange={(e) => set('businessDomain', e.target.value)} />
          </Field>
          <Field label={t('workspaces.category')}>
            <select data-testid="workspace-category" value={form.category} onChange={(e) => set('category', e.target.value as Form['category'])}>
              {(['qa', 'doc_gen', 'summary'] as const).map((category) => (
                <option key={category} value={category}>
                  {t(`workspaces.categories.${category}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('workspaces.systemPrompt')} wide>
            <textarea data-testid="workspace-system-prompt" rows={4} value={form.systemPrompt} onChange={(e) => set('systemPrompt', e.target.value)} />
          </Field>
          <Field label={t('workspaces.temperature')}>
            <input data-testid="workspace-temperature" type="number" step="0.1" min="0" max="2" value={form.temperature} onChange={number('temperature')} />
          </Field>
          <Field label={t('workspaces.maxTokens')}>
            <input data-testid="workspace-max-tokens" type="number" min="1" value={form.maxTokens} onChange={number('maxTokens')} />
          </Field>
          <Field label={t('workspaces.contextSize')}>
            <input type="number" min="256" step="256" value={form.contextSize} onChange={number('contextSize')} />
          </Field>
          <Field label={t('workspaces.historyTurns')}>
            <input type="number" min="0" value={form.historyTurns} onChange={number('historyTurns')} />
          </Field>
        </div>
        <h3>{t('workspaces.retrieval')}</h3>
        <div className="form-grid">
          <Field label={t('workspaces.chatMode')}>
            <select value={form.chatMode} onChange={(e) => set('chatMode', e.target.value as Form['chatMode'])}>
              <option value="chat">{t('workspaces.modeChat')}</option>
              <option value="query">{t('workspaces.modeQuery')}</option>
            </select>
          </Field>
          <Field label={t('workspaces.topN')}>
            <input type="number" min="1" max="50" value={form.topN} onChange={number('topN')} />
          </Field>
          <Field label={t('workspaces.threshold')}>
            <input type="number" min="-1" max="1" step="0.05" value={form.similarityThreshold} onChange={number('similarityThreshold')} />
          </Field>
          <Field label={t('workspaces.chunkSize')}>
            <input type="number" min="16" value={form.chunkSize} onChange={number('chunkSize')} />
          </Field>
          <Field label={t('workspaces.chunkOverlap')}>
            <input type="number" min="0" value={form.chunkOverlap} onChange={number('chunkOverlap')} />
          </Field>
          <Field label={t('workspaces.embedder')}>
            <input value={form.embedderId ?? ''} onChange={(e) => set('embedderId', e.target.value.trim() === '' ? null : e.target.value)} />
          </Field>
          <label className="check">
            <input type="checkbox" checked={form.hybridSearch} onChange={(e) => set('hybridSearch', e.target.checked)} /> {t('workspaces.hybrid')}
          </label>
          <Field label={t('workspaces.refusal')} wide>
            <input value={form.refusalResponse} onChange={(e) => set('refusalResponse', e.target.value)} />
          </Field>
        </div>
        <ErrorText error={error} />
        {notice && <p className="notice">{notice}</p>}
        <div className="actions">
          <button className="primary" data-testid="workspace-save" disabled={saving} onClick={() => void save()}>
            {saving ? t('common.saving') : t('common.save')}
          </button>
          {editingId !== null && (
            <button className="danger" onClick={() => setConfirmingDelete(true)}>
              {t('common.delete')}
            </button>
          )}
        </div>
      </section>
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
