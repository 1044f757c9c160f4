import { useCallback, useEffect, useRef, useState } from 'react';
import type { BatchRun, QuestionSet } from '../../../../shared/contract/reverify.ts';
import { api, describeError } from '../../api.ts';

/** The workspace's question sets, reloaded on demand. */
export function useQuestionSets(workspaceId: number | null) {
  const [sets, setSets] = useState<QuestionSet[]>([]);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    if (workspaceId === null) return setSets([]);
    try {
      setSets(await api.call('questionSets.list', { workspaceId }));
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [workspaceId]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { sets, error, reload };
}

/** What the `job.progress` events of a run said: enough for a live bar and an estimate. */
export interface LiveProgress {
  progress: number;
  detail: string | undefined;
  /** The first event seen in this window (a resumed run starts part-way). */
  firstAt: number;
  firstProgress: number;
  at: number;
}

const pollMs = 1500;

/**
 * The workspace's batch runs. While one is pending or running the list is polled (answered
 * counts, status) and its `job.progress` events move the bar in between.
 */
export function useRuns(workspaceId: number | null) {
  const [runs, setRuns] = useState<BatchRun[]>([]);
  const [live, setLive] = useState<Record<string, LiveProgress>>({});
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    if (workspaceId === null) return setRuns([]);
    try {
      const next = await api.call('runs.list', { workspaceId });
      if (mine === generation.current) {
        setRuns(next);
        setError(null);
      }
    } catch (caught) {
      if (mine === generation.current) setError(describeError(caught));
    }
  }, [workspaceId]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useEffect(
    () =>
      api.on('job.progress', ({ jobId, kind, progress, detail }) => {
        if (kind !== 'batch-run') return;
        const now = Date.now();
        setLive((current) => {
          const before = current[jobId];
          return { ...current, [jobId]: { progress, detail, at: now, firstAt: before?.firstAt ?? now, firstProgress: before?.firstProgress ?? progress } };
        });
      }),
    [],
  );

  const active = runs.some((run) => run.status === 'running' || run.status === 'pending');
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => void reload(), pollMs);
    return () => clearInterval(timer);
  }, [active, reload]);

  return { runs, live, error, reload };
}

/** Seconds left, from the progress events when there are two, else from the run's start. */
export function estimateSecondsLeft(run: BatchRun, live: LiveProgress | undefined, now: number): number | null {
  if (live && live.at > live.firstAt && live.progress > live.firstProgress) {
    const perMs = (live.progress - live.firstProgress) / (live.at - live.firstAt);
    return Math.max(0, (1 - live.progress) / perMs / 1000 - (now - live.at) / 1000);
  }
  if (!run.startedAt || run.total === 0 || run.answered === 0) return null;
  const elapsed = now - Date.parse(run.startedAt);
  const done = run.answered / run.total;
  return Math.max(0, (elapsed * (1 - done)) / done / 1000);
}
