import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo's (or the packaged app's) resources/ folder: sandbox image files and the `gate` CLI. */
export function resourcesDir(): string {
  if (process.env.GATEHOUSE_RESOURCES && existsSync(process.env.GATEHOUSE_RESOURCES)) {
    return resolve(process.env.GATEHOUSE_RESOURCES);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'resources');
}

/** The host folder holding the `gate` CLI, mounted read-only at /opt/gatehouse/gate. */
export function gateDir(): string {
  return join(resourcesDir(), 'gate');
}

/** One directory per agent holds its gateway socket; the directory (not the file) is mounted. */
export function socketDir(dataDir: string, agentId: string): string {
  return join(dataDir, 'sockets', agentId);
}
