import type { TFunction } from 'i18next';
import type { EmbedderOption } from '../../../shared/contract/embedders.ts';

/** How an embedder reads in a picker: name, precision, kind, prefix family, and a chat model marked as such. */
export function embedderLabel(option: EmbedderOption, t: TFunction): string {
  const parts = [option.name, option.precision, option.kind.toUpperCase(), option.family !== 'plain' ? option.family : null, option.recommended ? null : t('settings.embedder.chatModel')];
  return parts.filter(Boolean).join(' · ');
}
