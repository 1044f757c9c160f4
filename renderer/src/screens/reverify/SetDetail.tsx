import { Button, Card, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { IconFileImport, IconPlayerPlay, IconTrash } from '@tabler/icons-react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QuestionSet, QuestionSetItem } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ErrorText } from '../../components/Field.tsx';
import { OriginBadge, Tags, VerdictBadge } from './badges.tsx';
import { ImportForm, type ImportMapping, type ImportSource } from './ImportForm.tsx';
import { RunDialog } from './RunDialog.tsx';

interface Props {
  setId: number;
  onChanged: () => Promise<void>;
  onStarted: () => void;
  onDeleted: () => void;
}

/** One set: its questions with where each came from, and what can be done with it. */
export function SetDetail({ setId, onChanged, onStarted, onDeleted }: Props) {
  const { t } = useTranslation();
  const [detail, setDetail] = useState<{ set: QuestionSet; items: QuestionSetItem[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [importing, setImporting] = useState(false);
  const [deleting, setDeleting] = useState(false);

  const load = useCallback(async () => {
    try {
      setDetail(await api.call('questionSets.get', { id: setId }));
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [setId]);
  useEffect(() => {
    void load();
  }, [load]);

  const importInto = async (from: ImportSource, mapping: ImportMapping, acceptProblems: boolean) => {
    const result = await api.call('questionSets.import', { ...from, setId, mapping, acceptProblems });
    setImporting(false);
    setNotice(t('reverify.import.done', { count: result.imported }));
    await Promise.all([load(), onChanged()]);
  };

  const toggleStatus = async () => {
    if (!detail) return;
    try {
      await api.call('questionSets.update', { id: setId, patch: { status: detail.set.status === 'active' ? 'closed' : 'active' } });
      await Promise.all([load(), onChanged()]);
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  const remove = async () => {
    setDeleting(false);
    try {
      await api.call('questionSets.delete', { id: setId });
      onDeleted();
      await onChanged();
    } catch (caught) {
      setError(describeError(caught));
    }
  };

  if (!detail) return <ErrorText error={error} testId="set-detail-error" />;
  const { set, items } = detail;

  return (
    <Card withBorder padding="md" data-testid="set-detail">
      <Group justify="space-between" align="flex-start" mb="sm">
        <div>
          <Title order={3} m={0}>
            {set.name}
          </Title>
          <Text size="sm" c="dimmed">
            {set.description || t('reverify.sets.itemCount', { count: set.itemCount })}
          </Text>
        </div>
        <Group gap="xs">
          <Button leftSection={<IconPlayerPlay size={16} />} onClick={() => setRunning(true)} disabled={set.itemCount === 0} data-testid="set-run">
            {t('reverify.runs.start')}
          </Button>
          <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={() => setImporting(true)} data-testid="set-import">
            {t('reverify.import.title')}
          </Button>
          <Button variant="default" onClick={() => void toggleStatus()} data-testid="set-toggle-status">
            {set.status === 'active' ? t('reverify.sets.close') : t('reverify.sets.reopen')}
          </Button>
          <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => setDeleting(true)}>
            {t('common.delete')}
          </Button>
        </Group>
      </Group>
      {set.status === 'active' && <Text size="xs" c="dimmed" mb="xs">{t('reverify.sets.activeNote')}</Text>}
      <ErrorText error={error} testId="set-detail-error" />
      {notice && <p className="notice">{notice}</p>}
      <Table withTableBorder striped data-testid="set-items">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>#</Table.Th>
            <Table.Th>{t('reverify.item.question')}</Table.Th>
            <Table.Th>{t('reverify.item.expected')}</Table.Th>
            <Table.Th w={120}>{t('reverify.item.origin')}</Table.Th>
            <Table.Th w={170}>{t('reverify.item.earlierVerdict')}</Table.Th>
            <Table.Th w={160}>{t('reverify.item.tags')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((item) => (
            <Table.Tr key={item.id} data-testid="set-item">
              <Table.Td>{item.position + 1}</Table.Td>
              <Table.Td>
                      <div className="clamp">{item.question}</div>
                    </Table.Td>
              <Table.Td>
                      <div className="clamp">{item.expectedAnswer ?? <span className="muted">–</span>}</div>
                    </Table.Td>
              <Table.Td>
                <OriginBadge origin={item.origin} />
              </Table.Td>
              <Table.Td>{item.sourceVerdict !== null ? <VerdictBadge verdict={item.sourceVerdict} /> : <span className="muted">–</span>}</Table.Td>
              <Table.Td>
                <Tags tags={item.tags} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <RunDialog
        opened={running}
        set={set}
        onClose={() => setRunning(false)}
        onStarted={() => {
          setRunning(false);
          onStarted();
        }}
      />
      <Modal opened={importing} onClose={() => setImporting(false)} title={t('reverify.import.into', { name: set.name })} size="xl">
        <Stack>
          <ImportForm onConfirm={importInto} />
        </Stack>
      </Modal>
      <ConfirmDialog opened={deleting} title={set.name} text={t('reverify.sets.deleteConfirm')} confirmLabel={t('common.delete')} danger onClose={() => setDeleting(false)} onConfirm={() => void remove()} testId="set-delete-dialog" />
    </Card>
  );
}
