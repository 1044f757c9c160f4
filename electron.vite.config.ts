import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

/**
 * electron-vite layout: main and preload from electron/, the renderer from renderer/. Native
 * modules (node-llama-cpp, better-sqlite3) stay external and are unpacked from the asar by
 * electron-builder.yml.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'electron/main/index.ts'),
          // Document ingestion runs in a worker thread; it needs its own entry file.
          'ingest-worker': resolve(import.meta.dirname, 'electron/services/documents/ingest-worker.ts'),
          // The SQL route's queries run in a child process that is killed when one runs too long.
          'sql-worker': resolve(import.meta.dirname, 'electron/services/sql-route/sql-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be CommonJS.
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'renderer/index.html') } },
    },
  },
});
