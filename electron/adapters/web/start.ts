import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAppCore } from '../../core/app-core.ts';
import { appVersion, defaultDataDir, projectRoot } from '../../core/paths.ts';
import { runtimeFlagOptions, runtimeOverrides, type RuntimeOverrides } from '../../core/runtime-flags.ts';
import { closeOnSignals } from '../../core/shutdown.ts';
import { loadBridgeIdentity, saveBridgeIdentity } from './bridge-identity.ts';
import { startWebBridge, type WebBridge } from './web-bridge.ts';

/** `npm run web`: the whole app in a browser, through the local web bridge. */
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    ...runtimeFlagOptions,
    /** A new token: tabs opened with the old address stop working. */
    'new-token': { type: 'boolean' },
  },
});

let overrides: RuntimeOverrides;
try {
  overrides = runtimeOverrides(values);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const core = await createAppCore({
  dataDir: values['data-dir'] ?? defaultDataDir(),
  appVersion: appVersion(),
  lockDataDir: true,
  ...overrides,
});
if (core.startupError?.code === 'INSTANCE_RUNNING') {
  console.error(core.startupError.message);
  process.exit(1);
}
if (core.startupError) console.error(`EvalDesk started with a problem: ${core.startupError.message}`);

const rendererDir = path.join(projectRoot, 'out', 'renderer');
const start = (port: number | undefined, token: string | undefined) =>
  startWebBridge({ dispatch: core.dispatch, events: core.events, resolveCaller: core.resolveCaller, rendererDir, ...(port !== undefined && { port }), ...(token && { token }) });

let bridge: WebBridge;
if (core.startupError) {
  // No usable data folder to keep an identity in: a one-off token and port.
  bridge = await start(values.port !== undefined ? Number(values.port) : undefined, undefined);
} else {
  // The same token and port as last time, so open tabs reconnect after a restart.
  const dataDir = core.internals!.dataDir;
  const identity = loadBridgeIdentity(dataDir, { rotate: values['new-token'] ?? false });
  const wanted = values.port !== undefined ? Number(values.port) : (identity.port ?? undefined);
  try {
    bridge = await start(wanted, identity.token);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || values.port !== undefined) throw error;
    console.error(`Port ${wanted} is taken; using another one. Tabs left open on the old address must be opened again.`);
    bridge = await start(undefined, identity.token);
  }
  saveBridgeIdentity(dataDir, { token: identity.token, port: bridge.port });
}
console.log(`EvalDesk is running at ${bridge.url}`);

closeOnSignals(async () => {
  await bridge.close();
  await core.close();
});
