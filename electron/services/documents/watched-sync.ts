import type { JobRegistry } from '../jobs/jobs.ts';
import type { DocumentService } from './document-service.ts';

export interface WatchedSync {
  stop(): void;
}

/**
 * Seed 000's re-sync queue: watched documents are checked for changes in the background every
 * `intervalMs` (0 turns it off), one pass at a time, so a slow pass is never stacked on by the next.
 */
export function startWatchedSync(deps: { documents: Pick<DocumentService, 'syncWatched'>; jobs: JobRegistry; intervalMs: number }): WatchedSync {
  if (deps.intervalMs <= 0) return { stop: () => {} };
  let syncing = false;
  const timer = setInterval(() => {
    if (syncing) return;
    syncing = true;
    void deps.jobs.background('ingest', `watch:${Date.now()}`, (job) => deps.documents.syncWatched(undefined, { trigger: 'watch' }, job), 'watched document sync').finally(() => (syncing = false));
  }, deps.intervalMs);
  // The check never keeps a CLI or a test process alive on its own.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
