import { Table } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ConversationLog } from '../../../shared/contract/entities.ts';

type Rows = { columns: string[]; rows: Array<Array<string | number | null>>; truncated: boolean };

/** The rows of an answer the SQL route gave, when it gave one. */
export function sqlAnswerOf(log: ConversationLog): { sql: string; result: Rows } | null {
  const step = log.toolCalls.find((call) => call.toolName === 'sql' && call.success);
  if (!step) return null;
  try {
    return { sql: String(step.arguments['sql'] ?? ''), result: JSON.parse(step.resultSummary) as Rows };
  } catch {
    return null;
  }
}

/** An admin's question answered from EvalDesk's own records: the table, with the SQL beside it. */
export function SqlAnswer({ answer }: { answer: { sql: string; result: Rows } }) {
  const { t } = useTranslation();
  const { columns, rows, truncated } = answer.result;
  return (
    <div className="sql-answer" data-testid="sql-answer">
      <Table striped withTableBorder withColumnBorders fz="sm">
        <Table.Thead>
          <Table.Tr>
            {columns.map((column, i) => (
              <Table.Th key={i}>{column}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, r) => (
            <Table.Tr key={r}>
              {row.map((cell, c) => (
                <Table.Td key={c}>{cell === null ? '' : String(cell)}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {truncated && <p className="hint">{t('sqlAnswer.truncated', { count: rows.length })}</p>}
      <details open>
        <summary>{t('sqlAnswer.query')}</summary>
        <pre className="passage" data-testid="sql-answer-query">
          {answer.sql}
        </pre>
      </details>
    </div>
  );
}
