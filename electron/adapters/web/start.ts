import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAppCore } from '../../core/app-core.ts';
import { appVersion, defaultDataDir, projectRoot } from '../../core/paths.ts';
import { startWebBridge } from './web-bridge.ts';

/** `npm run web`: the whole app in a browser, through the local web bridge. */
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    threads: { type: 'string' },
    cpu: { type: 'boolean' },
  },
});

const core = await createAppCore({
  dataDir: values['data-dir'] ?? defaultDataDir(),
  appVersion: appVersion(),
  lockDataDir: true,
  ...(values.threads !== undefined && { threads: Number(values.threads) }),
  ...(values.cpu && { gpu: 'cpu' as const }),
});
if (core.startupError?.code === 'INSTANCE_RUNNING') {
  console.error(core.startupError.message);
  process.exit(1);
}
if (core.startupError) console.error(`EvalDesk started with a problem: ${core.startupError.message}`);

const bridge = await startWebBridge({
  dispatch: core.dispatch,
  events: core.events,
  caller: core.localCaller,
  rendererDir: path.join(projectRoot, 'out', 'renderer'),
  ...(values.port !== undefined && { port: Number(values.port) }),
});
console.log(`EvalDesk is running at ${bridge.url}`);

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await bridge.close();
  await core.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
