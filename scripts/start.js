#!/usr/bin/env node
// `npm start`: the Electron desktop app where its binary is installed; otherwise one line saying
// so and the headless console instead.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const path = require('electron'); // the package's index.js returns the binary path, or throws
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const run = (cmd, args) =>
  spawn(cmd, args, { stdio: 'inherit' }).on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));

const binary = electronBinary();
if (binary) {
  const build = spawn(process.execPath, ['node_modules/.bin/tsx', 'scripts/build-shell.ts'], {
    stdio: 'inherit',
  });
  build.on('exit', (code) => (code === 0 ? run(binary, ['.']) : process.exit(code ?? 1)));
} else {
  console.log('Electron binary not installed (offline install?); starting the headless console instead.');
  run(process.execPath, ['bin/gatehouse.js', 'serve', ...process.argv.slice(2)]);
}
