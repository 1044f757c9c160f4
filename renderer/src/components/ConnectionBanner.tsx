import { useTranslation } from 'react-i18next';
import { useApp } from '../store.ts';

/**
 * Says when the backend is gone. The screens behind it are inert meanwhile (see App), so no
 * button silently does nothing; what the user typed stays in place and in the saved drafts.
 */
export function ConnectionBanner() {
  const { t } = useTranslation();
  const connection = useApp((state) => state.connection);
  if (connection === 'connected') return null;
  const key = connection === 'unauthorized' ? 'connection.unauthorized' : 'connection.lost';
  return (
    <div className="connection-banner" role="alert" data-testid="connection-banner" data-state={connection}>
      <strong>{t(`${key}.title`)}</strong>
      <span>{t(`${key}.hint`)}</span>
    </div>
  );
}
