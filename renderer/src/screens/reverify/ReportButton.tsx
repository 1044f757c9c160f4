import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';
import { IconFileReport } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MethodOutput } from '../../../../shared/contract/api.ts';
import { api, describeError } from '../../api.ts';
import { ErrorText } from '../../components/Field.tsx';
import { formatBytes } from '../../format.ts';
import { useApp } from '../../store.ts';

function PathLine({ label, path }: { label: string; path: string }) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" wrap="nowrap">
      <Text size="sm" fw={600} miw={48}>
        {label}
      </Text>
      <Code className="path">{path}</Code>
      <CopyButton value={path}>
        {({ copied, copy }) => (
          <Button size="compact-xs" variant="subtle" onClick={copy}>
            {copied ? t('reverify.report.copied') : t('reverify.report.copy')}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

export type ReportResult = MethodOutput<'report.create'>;

/** The PoC report in the UI's language: a self-contained HTML file, and a PDF when one can be made. */
export function ReportButton({ workspaceId, onResult }: { workspaceId: number; onResult: (result: ReportResult | null, error: string | null) => void }) {
  const { t } = useTranslation();
  const language = useApp((state) => state.language);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    onResult(null, null);
    let result: ReportResult | null = null;
    let error: string | null = null;
    try {
      result = await api.call('report.create', { workspaceId, language });
    } catch (caught) {
      error = describeError(caught);
    }
    setBusy(false);
    onResult(result, error);
  };

  return (
    <Button leftSection={<IconFileReport size={16} />} loading={busy} onClick={() => void create()} data-testid="report-create">
      {t('reverify.report.create')}
    </Button>
  );
}

/** Where the report was written, with the paths to copy. */
export function ReportResultNotice({ result, error, onClose }: { result: ReportResult | null; error: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  if (error) return <ErrorText error={error} testId="report-error" />;
  if (!result) return null;
  return (
    <Alert color="teal" title={t('reverify.report.done', { size: formatBytes(result.bytes) })} data-testid="report-result" withCloseButton onClose={onClose}>
      <Stack gap={4}>
        <PathLine label="HTML" path={result.htmlPath} />
        {result.pdfPath ? (
          <PathLine label="PDF" path={result.pdfPath} />
        ) : (
          <Text size="xs" c="dimmed">
            {t('reverify.report.noPdf')}
          </Text>
        )}
      </Stack>
    </Alert>
  );
}
