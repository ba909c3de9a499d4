import { build } from 'esbuild';

// Bundles the Electron shell (ESM) and the sandboxed preload (CommonJS, as sandboxed preloads
// must be) into dist-electron/. The renderer is built by Vite into dist/renderer.
const common = {
  bundle: true,
  platform: 'node' as const,
  target: 'node20',
  sourcemap: true,
  external: ['electron', 'better-sqlite3', 'dockerode', '@napi-rs/keyring', 'ssh2', 'cpu-features'],
};
await build({
  ...common,
  entryPoints: ['electron/shell/main.ts'],
  outfile: 'dist-electron/shell/main.js',
  format: 'esm',
  packages: 'external',
});
await build({
  ...common,
  entryPoints: ['electron/preload/index.ts'],
  outfile: 'dist-electron/preload/index.cjs',
  format: 'cjs',
});
// The ledger's writer thread loads ./writer.worker.js next to the bundle in a packaged app.
await build({
  ...common,
  entryPoints: ['electron/core/ledger/writer.worker.ts'],
  outfile: 'dist-electron/shell/writer.worker.js',
  format: 'esm',
  packages: 'external',
});
console.log('built dist-electron/');
