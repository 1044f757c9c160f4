/**
 * A process that answers a batch run until it is killed (tests/reverify-crash.test.ts): it opens
 * the data folder as the app would, loads the model and runs the set.
 */
import { openTestApp } from './app.ts';

const [dataDir, modelId, setId] = process.argv.slice(2);
const app = await openTestApp({ dataDir: dataDir!, lockDataDir: true });
await app.call('runtime.load', { modelId: Number(modelId) });
process.stdout.write('loaded\n');
await app.call('runs.start', { setId: Number(setId), modelId: Number(modelId), versionIds: [null], parallelism: 2, wait: true });
await app.close();
