import { Alert, Button, Group, NativeSelect, Stack, Table, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportFormat, ImportPreview } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';
import { describeProblemDetail } from './describe.ts';
import { ErrorText } from '../../components/Field.tsx';
import { emptyFileSource, fileSourceInput, fileSourceName, FileSourceInput, type FileSource } from '../../components/FileSourceInput.tsx';

export interface ImportSource {
  path?: string;
  text?: string;
  format?: ImportFormat;
}

export interface ImportMapping {
  question: string;
  expectedAnswer: string | null;
  tags: string | null;
}

const formatOf = (name: string): ImportFormat | undefined => {
  const extension = name.toLowerCase().split('.').pop();
  return extension === 'csv' || extension === 'tsv' || extension === 'jsonl' ? extension : undefined;
};

interface Props {
  /** What the confirm button does with the valid lines. */
  onConfirm: (source: ImportSource, mapping: ImportMapping, acceptProblems: boolean) => Promise<void>;
  disabled?: boolean;
}

/**
 * CSV, TSV or JSONL (UTF-8 with or without BOM, UTF-16) from a path or a file picked in the
 * browser: a preview with the column mapping, the malformed lines by number, and an import of the
 * valid lines only once the person confirms.
 */
export function ImportForm({ onConfirm, disabled }: Props) {
  const { t } = useTranslation();
  const [file, setFile] = useState<FileSource>(emptyFileSource);
  const [format, setFormat] = useState<ImportFormat | ''>('');
  const [mapping, setMapping] = useState<ImportMapping | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  const source = (): ImportSource | null => {
    const input = fileSourceInput(file);
    const chosenFormat = format || formatOf(fileSourceName(file));
    return input && { ...input, ...(chosenFormat && { format: chosenFormat }) };
  };

  const load = async (withMapping: ImportMapping | null) => {
    const from = source();
    if (!from) return;
    const mine = ++generation.current;
    setBusy(true);
    setError(null);
    try {
      const next = await api.call('questionSets.previewImport', { ...from, ...(withMapping && { mapping: withMapping }) });
      if (mine !== generation.current) return;
      setPreview(next);
      setMapping(next.mapping);
    } catch (caught) {
      if (mine === generation.current) {
        setPreview(null);
        setError(describeError(caught));
      }
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };

  // A new file or format is a new preview, with the mapping guessed again.
  useEffect(() => {
    setPreview(null);
    setMapping(null);
  }, [file, format]);

  const remap = (patch: Partial<ImportMapping>) => {
    if (!mapping) return;
    const next = { ...mapping, ...patch };
    setMapping(next);
    void load(next);
  };

  const confirm = async () => {
    const from = source();
    if (!from || !mapping || !preview) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm(from, mapping, preview.problems.length > 0);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  const columns = preview?.columns ?? [];
  const columnOptions = (optional: boolean) => [...(optional ? [{ value: '', label: t('reverify.import.noColumn') }] : []), ...columns.map((column) => ({ value: column, label: column }))];
  const skipped = preview?.problems.length ?? 0;

  return (
    <Stack gap="sm" data-testid="import-form">
      <Group align="flex-end" gap="sm" wrap="nowrap">
        <div style={{ flex: 1 }}>
          <FileSourceInput label={t('reverify.import.file')} extensions={['csv', 'tsv', 'txt', 'jsonl']} value={file} onChange={setFile} onError={setError} testId="import" />
        </div>
        <NativeSelect
          label={t('reverify.import.format')}
          value={format}
          onChange={(event) => setFormat(event.currentTarget.value as ImportFormat | '')}
          data={[{ value: '', label: t('reverify.import.formatAuto') }, { value: 'csv', label: 'CSV' }, { value: 'tsv', label: t('reverify.import.tsv') }, { value: 'jsonl', label: 'JSONL' }]}
          data-testid="import-format"
        />
        <Button variant="default" onClick={() => void load(mapping)} loading={busy && !preview} disabled={!source()} data-testid="import-preview">
          {t('reverify.import.preview')}
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        {t('reverify.import.explain')}
      </Text>
      <ErrorText error={error} testId="import-error" />
      {preview && mapping && (
        <Stack gap="sm" data-testid="import-preview-result">
          <Text size="sm">
            {t('reverify.import.summary', { format: preview.format.toUpperCase(), encoding: preview.encoding, count: preview.validCount })}
          </Text>
          <Group grow>
            <NativeSelect label={t('reverify.import.questionColumn')} value={mapping.question} onChange={(e) => remap({ question: e.currentTarget.value })} data={columnOptions(false)} data-testid="import-map-question" />
            <NativeSelect label={t('reverify.import.expectedColumn')} value={mapping.expectedAnswer ?? ''} onChange={(e) => remap({ expectedAnswer: e.currentTarget.value || null })} data={columnOptions(true)} data-testid="import-map-expected" />
            <NativeSelect label={t('reverify.import.tagsColumn')} value={mapping.tags ?? ''} onChange={(e) => remap({ tags: e.currentTarget.value || null })} data={columnOptions(true)} data-testid="import-map-tags" />
          </Group>
          {preview.sample.length > 0 && (
            <Table withTableBorder striped fz="xs" data-testid="import-sample">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('reverify.import.line')}</Table.Th>
                  <Table.Th>{t('reverify.item.question')}</Table.Th>
                  <Table.Th>{t('reverify.item.expected')}</Table.Th>
                  <Table.Th>{t('reverify.item.tags')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {preview.sample.map((row) => (
                  <Table.Tr key={row.line}>
                    <Table.Td>{row.line}</Table.Td>
                    <Table.Td>
                      <div className="clamp">{row.question}</div>
                    </Table.Td>
                    <Table.Td>
                      <div className="clamp">{row.expectedAnswer ?? '–'}</div>
                    </Table.Td>
                    <Table.Td>{row.tags.join(', ')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {skipped > 0 && (
            <Alert color="yellow" title={t('reverify.import.problems', { count: skipped })} data-testid="import-problems">
              <ul className="problems">
                {preview.problems.slice(0, 200).map((problem, index) => (
                  <li key={`${problem.line}-${index}`} data-testid="import-problem">
                    {t('reverify.import.problemLine', { line: problem.line, problem: t(`reverify.import.problemCodes.${problem.code}`) })}
                    {describeProblemDetail(problem) && <span className="muted"> ({describeProblemDetail(problem)})</span>}
                  </li>
                ))}
              </ul>
              {(preview.problems.length > 200 || preview.problemsTruncated) && <Text size="xs">{t('reverify.import.moreProblems')}</Text>}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button onClick={() => void confirm()} loading={busy} disabled={disabled || preview.validCount === 0} data-testid="import-confirm">
              {skipped > 0 ? `${t('reverify.import.confirmValid', { count: preview.validCount })}, ${t('reverify.import.skip', { count: skipped })}` : t('reverify.import.confirm', { count: preview.validCount })}
            </Button>
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
