import type { TFunction } from 'i18next';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { VersionRef } from '../../../shared/contract/entities.ts';

/**
 * How every screen names a model version: a registered version by its name; the base alone (the
 * services send its model's name and a null version name) as "<model> (base)" in the reader's
 * language. Services never write that label, so no English reaches a Korean or Japanese screen.
 */
export function versionLabel(t: TFunction, ref: Pick<VersionRef, 'modelName' | 'versionName'>): string {
  return ref.versionName ?? t('versions.baseLabel', { model: ref.modelName });
}

/** `versionLabel` bound to the current language. */
export function useVersionLabel(): (ref: Pick<VersionRef, 'modelName' | 'versionName'>) => string {
  const { t } = useTranslation();
  return useCallback((ref) => versionLabel(t, ref), [t]);
}
