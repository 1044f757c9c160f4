import { Badge, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Verdict } from '../../../../shared/contract/entities.ts';
import type { QuestionOrigin, RunStatus } from '../../../../shared/contract/reverify.ts';
import { originColors, runStatusColors, verdictColors, verdictKeys } from './labels.ts';

export function VerdictBadge({ verdict, testId }: { verdict: Verdict | null; testId?: string }) {
  const { t } = useTranslation();
  if (verdict === null) {
    return (
      <Badge variant="outline" color="gray" data-testid={testId}>
        {t('reverify.notJudged')}
      </Badge>
    );
  }
  return (
    <Badge variant="light" color={verdictColors[verdict]} data-testid={testId} data-verdict={verdict}>
      {verdict} · {t(verdictKeys[verdict])}
    </Badge>
  );
}

export function OriginBadge({ origin }: { origin: QuestionOrigin }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={originColors[origin]} size="sm" data-testid="origin-badge" data-origin={origin}>
      {t(`reverify.origins.${origin}`)}
    </Badge>
  );
}

export function RunStatusBadge({ status }: { status: RunStatus }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={runStatusColors[status]} data-testid="run-status" data-status={status}>
      {t(`reverify.runStatuses.${status}`)}
    </Badge>
  );
}

export function Tags({ tags }: { tags: string[] }) {
  if (tags.length === 0) return null;
  return (
    <Group gap={4} wrap="wrap">
      {tags.map((tag) => (
        <Badge key={tag} variant="outline" color="gray" size="xs" tt="none">
          {tag}
        </Badge>
      ))}
    </Group>
  );
}
