import { Button, Group, Modal, Stack, Tabs, TextInput, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QuestionSet } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { defaultEvaluationFilter, EvaluationFilters, toSelection, type EvaluationFilterValue } from './EvaluationFilters.tsx';
import { ImportForm, type ImportMapping, type ImportSource } from './ImportForm.tsx';
import { emptyTypedQuestion, toItems, TypedQuestions, type TypedQuestion } from './TypedQuestions.tsx';

type Source = 'evaluations' | 'typed' | 'import';

interface Props {
  opened: boolean;
  workspaceId: number;
  onClose: () => void;
  onCreated: (set: QuestionSet) => void;
}

/** A new question set: from the evaluations (with a guard sample), typed in, or imported. */
export function CreateSetDialog({ opened, workspaceId, onClose, onCreated }: Props) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [source, setSource] = useState<Source>('evaluations');
  const [filter, setFilter] = useState<EvaluationFilterValue>(defaultEvaluationFilter);
  const [typed, setTyped] = useState<TypedQuestion[]>([emptyTypedQuestion]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!opened) return;
    setName(t('reverify.create.defaultName', { date: new Date().toISOString().slice(0, 10) }));
    setDescription('');
    setError(null);
  }, [opened, t]);

  const base = () => ({ workspaceId, name: name.trim(), description: description.trim() });

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const set =
        source === 'evaluations'
          ? await api.call('questionSets.create', { ...base(), ...toSelection(filter) })
          : await api.call('questionSets.create', { ...base(), items: toItems(typed) });
      setTyped([emptyTypedQuestion]);
      onCreated(set);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  // An imported set is made empty first, then filled with the file's valid lines.
  const createFromFile = async (from: ImportSource, mapping: ImportMapping, acceptProblems: boolean) => {
    const set = await api.call('questionSets.create', { ...base(), items: [] });
    try {
      const result = await api.call('questionSets.import', { ...from, setId: set.id, mapping, acceptProblems });
      onCreated(result.set);
    } catch (caught) {
      await api.call('questionSets.delete', { id: set.id }).catch(() => {});
      throw caught;
    }
  };

  const nameMissing = name.trim() === '';
  const typedEmpty = toItems(typed).length === 0;

  return (
    <Modal opened={opened} onClose={onClose} title={t('reverify.create.title')} size="xl" data-testid="set-dialog">
      <Stack gap="sm">
        <TextInput label={t('reverify.sets.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="set-name" required />
        <Textarea label={t('reverify.sets.description')} autosize minRows={1} maxRows={4} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        <Tabs value={source} onChange={(value) => value && setSource(value as Source)}>
          <Tabs.List mb="sm">
            <Tabs.Tab value="evaluations" data-testid="set-source-evaluations">
              {t('reverify.create.fromEvaluations')}
            </Tabs.Tab>
            <Tabs.Tab value="typed" data-testid="set-source-typed">
              {t('reverify.create.typed')}
            </Tabs.Tab>
            <Tabs.Tab value="import" data-testid="set-source-import">
              {t('reverify.create.import')}
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="evaluations">
            <EvaluationFilters value={filter} onChange={setFilter} />
          </Tabs.Panel>
          <Tabs.Panel value="typed">
            <TypedQuestions rows={typed} onChange={setTyped} />
          </Tabs.Panel>
          <Tabs.Panel value="import">
            <ImportForm onConfirm={createFromFile} disabled={nameMissing} />
          </Tabs.Panel>
        </Tabs>
        <ErrorText error={error} testId="set-error" />
        {source !== 'import' && (
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button onClick={() => void create()} loading={busy} disabled={nameMissing || (source === 'typed' && typedEmpty)} data-testid="set-save">
              {t('reverify.create.save')}
            </Button>
          </Group>
        )}
      </Stack>
    </Modal>
  );
}
