#!/usr/bin/env node
// The CLI runs EvalDesk's TypeScript sources directly (Node 24 strips types natively).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`evaldesk needs Node.js 24 or newer (this is ${process.versions.node}). See the README's set-up section.`);
  process.exit(2);
}
const { runCli } = await import('../electron/adapters/cli/cli.ts');
try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
