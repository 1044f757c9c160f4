import { BarChart, LineChart } from '@mantine/charts';
import { Card, SimpleGrid, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { ScoreCard } from '../../../../shared/contract/reverify.ts';
import { useVersionLabel } from '../../components/version-label.ts';

const palette = ['indigo.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6', 'pink.6', 'lime.7', 'blue.4'];

/** Good rate per version over time, and the verdicts of each version side by side. */
export function ScoreCharts({ card }: { card: ScoreCard }) {
  const { t } = useTranslation();
  const versionLabel = useVersionLabel();

  const timeline = useMemo(() => {
    const points = card.timeline.map((point) => ({ ...point, name: versionLabel(point) }));
    const names = [...new Set(points.map((point) => point.name))];
    const days = [...new Set(points.map((point) => point.day))].sort();
    const data = days.map((day) => {
      const row: Record<string, string | number | null> = { day };
      for (const name of names) {
        const point = points.find((entry) => entry.day === day && entry.name === name);
        row[name] = point && point.counts.judged > 0 ? Math.round(point.counts.goodRate * 1000) / 10 : null;
      }
      return row;
    });
    return { data, series: names.map((name, index) => ({ name, color: palette[index % palette.length]! })) };
  }, [card.timeline, versionLabel]);

  const versions = useMemo(
    () => card.versions.map((version) => ({ name: versionLabel(version), good: version.counts.good, insufficient: version.counts.insufficient, wrong: version.counts.wrong })),
    [card.versions, versionLabel],
  );

  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
      <Card withBorder padding="md">
        <Title order={4} m={0} mb={4}>
          {t('reverify.score.timelineTitle')}
        </Title>
        <Text size="xs" c="dimmed" mb="sm">
          {t('reverify.score.timelineHint')}
        </Text>
        {timeline.data.length === 0 ? (
          <p className="muted small">{t('reverify.score.noRows')}</p>
        ) : (
          <LineChart
            h={240}
            data={timeline.data}
            dataKey="day"
            series={timeline.series}
            yAxisProps={{ domain: [0, 100] }}
            unit="%"
            withLegend
            connectNulls
            curveType="linear"
            data-testid="scorecard-chart-timeline"
          />
        )}
        {timeline.data.length === 1 && (
          <Text size="xs" c="dimmed" mt={4}>
            {t('reverify.score.oneDay')}
          </Text>
        )}
      </Card>
      <Card withBorder padding="md">
        <Title order={4} m={0} mb={4}>
          {t('reverify.score.versionsTitle')}
        </Title>
        <Text size="xs" c="dimmed" mb="sm">
          {t('reverify.score.versionsHint')}
        </Text>
        {versions.length === 0 ? (
          <p className="muted small">{t('reverify.score.noRows')}</p>
        ) : (
          <BarChart
            h={240}
            data={versions}
            dataKey="name"
            type="stacked"
            withLegend
            series={[
              { name: 'good', label: `1 · ${t('eval.good')}`, color: 'teal.6' },
              { name: 'insufficient', label: `2 · ${t('eval.insufficient')}`, color: 'yellow.6' },
              { name: 'wrong', label: `3 · ${t('eval.wrong')}`, color: 'red.6' },
            ]}
            data-testid="scorecard-chart-versions"
          />
        )}
      </Card>
    </SimpleGrid>
  );
}
