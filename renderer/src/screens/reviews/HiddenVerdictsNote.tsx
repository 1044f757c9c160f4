import { Alert } from '@mantine/core';
import { IconEyeOff } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

/** Blind judging: other evaluators' verdicts stay hidden until the viewer saves their own. */
export function HiddenVerdictsNote({ count }: { count: number | undefined }) {
  const { t } = useTranslation();
  if (!count || count <= 0) return null;
  return (
    <Alert color="gray" variant="light" icon={<IconEyeOff size={16} />} p="xs" my="xs" data-testid="hidden-verdicts" data-count={count}>
      {t('reviews.hiddenVerdicts', { count })}
    </Alert>
  );
}
