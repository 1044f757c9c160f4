#!/usr/bin/env node
// The CLI runs EvalDesk's TypeScript sources directly (Node 24 strips types natively).
const { runCli } = await import('../electron/adapters/cli/cli.ts');
try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
