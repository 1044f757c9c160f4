import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/**
 * The layering the README promises, checked on every import (no style rules here):
 *  - services and the core run in plain Node (web bridge, CLI, tests): never `electron`, the
 *    adapters, the Electron shell or the renderer; services never import the core that wires them;
 *  - shared/ is imported by the sandboxed renderer too: nothing from electron/ or renderer/, no
 *    Node built-ins;
 *  - the renderer talks to the main process only through the contract in shared/.
 * Rules match the import string; relative paths are matched by the folder they climb into.
 */

/** A relative import that climbs (`../`) into one of `folders`, optionally through `via/`. */
const climbsInto = (folders, via) => `^(\\.\\./)+${via ? `(${via}/)?` : ''}(${folders.join('|')})(/|$)`;

const electronPackage = { regex: '^electron(/|$)', message: 'Only the Electron shell (electron/main, electron/preload) and the IPC adapter may import electron.' };
const nodeBuiltins = {
  regex: `^(node:.*|(${builtinModules.filter((name) => !name.startsWith('_')).join('|')})(/.*)?)$`,
  message: 'shared/ and the renderer run in the sandboxed renderer too: no Node built-ins there.',
};

const servicesAndCore = [
  electronPackage,
  { regex: climbsInto(['adapters', 'main', 'preload'], 'electron'), message: 'Services and the core never import the adapters or the Electron shell: adapters depend on them, not the other way round.' },
  { regex: climbsInto(['renderer']), message: 'Services and the core never import the renderer; they share types through shared/contract.' },
];

const services = [
  ...servicesAndCore,
  { regex: climbsInto(['core'], 'electron'), message: 'Services never import the core: the core wires them, with their dependencies passed in.' },
];

const shared = [
  electronPackage,
  nodeBuiltins,
  { regex: climbsInto(['electron', 'renderer']), message: 'shared/ is the contract both sides import: it imports neither side.' },
];

const renderer = [
  electronPackage,
  nodeBuiltins,
  { regex: climbsInto(['electron', 'tests', 'bench', 'bin']), message: 'The renderer imports only shared/, its own files and npm packages: it reaches the main process through the API.' },
];

/** `import()` is not covered by no-restricted-imports: the same patterns as syntax restrictions. */
function dynamicImports(patterns) {
  return patterns.map(({ regex, message }) => ({
    // esquery regex literals cannot contain '/': spell it \x2F.
    selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`,
    message,
  }));
}

function layer(files, patterns, ignores = []) {
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { patterns }],
      'no-restricted-syntax': ['error', ...dynamicImports(patterns)],
    },
  };
}

export default [
  { ignores: ['node_modules/', 'out/', 'dist/', 'release/', '.cache/', 'test-results/', '.evaldesk-data/'] },
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    languageOptions: { parser: tseslint.parser },
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  layer(['electron/services/**'], services),
  layer(['electron/core/**'], servicesAndCore),
  layer(['shared/**'], shared),
  // The Vite config runs in Node at build time; it is not renderer code.
  layer(['renderer/**'], renderer, ['renderer/vite.config.ts']),
];
