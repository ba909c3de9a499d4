import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WriterInit } from './protocol.js';

/** Where the writer's source is when this module was bundled elsewhere (the Electron shell build). */
function sourceWorker(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'electron/core/ledger/writer.worker.ts');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * Starts the writer. Built, it is a plain .js file next to this module (a bundler must emit
 * `writer.worker.js` beside its output); from source (tsx, vitest, a bundle run from the
 * checkout) the worker first registers tsx's loader, because Node 20 workers do not inherit
 * loader hooks or `--import`.
 */
export function startWriter(init: WriterInit): Worker {
  const js = new URL('./writer.worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: init });
  const sibling = new URL('./writer.worker.ts', import.meta.url);
  const src = existsSync(fileURLToPath(sibling))
    ? sibling.href
    : pathToFileURL(sourceWorker() ?? fileURLToPath(sibling)).href;
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(src)}); })`;
  return new Worker(boot, { eval: true, workerData: init });
}

/**
 * Moves WAL pages into the database file from a thread of its own, so the writer's commits never
 * wait for a checkpoint (and its fsync). PASSIVE checkpoints run alongside the writer.
 */
export function startCheckpointer(file: string, everyMs: number): Worker {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const Database = require(${JSON.stringify(sqlite)});
    const db = new Database(workerData.file);
    db.pragma('busy_timeout = 100');
    const timer = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, workerData.everyMs);
    parentPort.on('message', () => { clearInterval(timer); try { db.close(); } catch {} parentPort.close(); });`;
  return new Worker(code, { eval: true, workerData: { file, everyMs } });
}
