/**
 * SIGTERM and SIGINT end the process within seconds, with the database closed cleanly.
 *
 * The process ends by re-raising the signal with its default action rather than process.exit():
 * exiting joins Node's threads, and a thread blocked in a system call on a dead drive (a model
 * file on a hung network mount) would keep it alive forever. A signal's default action cannot
 * hang, and the parent sees the conventional "terminated by SIGTERM" status.
 */
export const hardDeadlineMs = 8_000;

export function closeOnSignals(close: () => Promise<unknown>, options: { log?: (line: string) => void } = {}): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    options.log?.(`EvalDesk received ${signal}; closing.`);
    // Last resort if closing itself hangs: the database then recovers from its WAL at next start.
    setTimeout(() => reraise(signal), hardDeadlineMs).unref();
    close().then(
      () => reraise(signal),
      (error: unknown) => {
        console.error('[evaldesk] closing failed', error);
        reraise(signal);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}

function reraise(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}
