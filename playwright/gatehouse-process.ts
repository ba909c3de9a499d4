import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServeInfo {
  console: string;
  api: string;
  token: string;
  dataDir: string;
  gateway?: string;
  [key: string]: unknown;
}

export interface RunningGatehouse {
  info: ServeInfo;
  child: ChildProcess;
  stop(): Promise<void>;
}

const BIN = new URL('../bin/gatehouse.js', import.meta.url).pathname;

/** Starts `gatehouse serve --json` on a fresh data dir and port 0, and waits for its JSON line. */
export async function startGatehouse(extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningGatehouse> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--json', '--data-dir', dataDir, '--port', '0'], {
    env: { ...process.env, GATEHOUSE_VAULT_KEY: 'file', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const info = await new Promise<ServeInfo>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gatehouse serve printed nothing in 20 s:\n${stderr}`)),
      20_000,
    );
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as ServeInfo);
    });
    child.once('exit', (code) => reject(new Error(`gatehouse serve exited with ${code}:\n${stderr}`)));
  });
  return {
    info,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
