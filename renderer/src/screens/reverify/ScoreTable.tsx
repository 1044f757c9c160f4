import { Button, Group, Table, Title } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { scoreCardTables, VerdictCounts } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { downloadText } from './download.ts';
import { percent } from './labels.ts';

export type ScoreTableName = (typeof scoreCardTables)[number];

/** The headers of the verdict-count columns every table shares. */
export function useCountHeaders(): string[] {
  const { t } = useTranslation();
  return [t('reverify.score.judged'), `1 · ${t('eval.good')}`, `2 · ${t('eval.insufficient')}`, `3 · ${t('eval.wrong')}`, t('reverify.score.goodRate')];
}

export function countCells(counts: VerdictCounts): ReactNode[] {
  return [counts.judged, counts.good, counts.insufficient, counts.wrong, counts.judged ? percent(counts.goodRate) : '–'];
}

interface Props {
  workspaceId: number;
  table: ScoreTableName;
  title: string;
  headers: string[];
  rows: Array<{ key: string | number; cells: ReactNode[] }>;
  /** How many leading columns hold names (left-aligned); the rest are numbers. */
  textColumns?: number;
}

/** One score-card table with its CSV download (the CSV is made by the main process). */
export function ScoreTable({ workspaceId, table, title, headers, rows, textColumns = 1 }: Props) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const download = async () => {
    setError(null);
    try {
      const { fileName, csv } = await api.call('scorecards.csv', { workspaceId, table });
      downloadText(fileName, csv);
    } catch (caught) {
      setError(describeError(caught));
    }
  };
  return (
    <section className="score-table" data-testid={`score-table-${table}`}>
      <Group justify="space-between" mb={6}>
        <Title order={4} m={0}>
          {title}
        </Title>
        <Button size="compact-sm" variant="default" leftSection={<IconDownload size={14} />} onClick={() => void download()} data-testid={`score-csv-${table}`}>
          {t('reverify.score.csv')}
        </Button>
      </Group>
      <ErrorText error={error} />
      {rows.length === 0 ? (
        <p className="muted small">{t('reverify.score.noRows')}</p>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table withTableBorder striped fz="sm">
            <Table.Thead>
              <Table.Tr>
                {headers.map((header, index) => (
                  <Table.Th key={index} className={index >= textColumns ? 'num' : undefined}>
                    {header}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.key}>
                  {row.cells.map((cell, index) => (
                    <Table.Td key={index} className={index >= textColumns ? 'num' : undefined}>
                      {cell}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </section>
  );
}
