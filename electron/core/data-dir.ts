import { mkdirSync, chmodSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';

/** Where headless Gatehouse keeps its data when no --data-dir or GATEHOUSE_DATA_DIR is given. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GATEHOUSE_DATA_DIR) return resolve(env.GATEHOUSE_DATA_DIR);
  const home = homedir();
  switch (platform()) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Gatehouse');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Gatehouse');
    default:
      return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'gatehouse');
  }
}

/** Creates the data dir (0700) if needed and tightens its mode if it exists. */
export function ensureDataDir(dir: string): string {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  if (platform() !== 'win32') chmodSync(abs, 0o700);
  return abs;
}
