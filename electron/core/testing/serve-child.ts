import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const GATEHOUSE_BIN = fileURLToPath(new URL('../../../bin/gatehouse.js', import.meta.url));

export interface ServedGatehouse {
  info: {
    console: string;
    api: string;
    token: string;
    dataDir: string;
    gateway?: string;
    [k: string]: unknown;
  };
  dataDir: string;
  child: ChildProcess;
  /** Runs another `gatehouse` command against this instance. */
  cli(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts a real `gatehouse serve --json` child on a temp data dir, for integration tests.
 * `wrap`: a command the serve runs under (e.g. `dbus-run-session --`); the whole process group
 * is stopped then.
 */
export async function serveChild(
  env: NodeJS.ProcessEnv = {},
  dataDir?: string,
  wrap: string[] = [],
): Promise<ServedGatehouse> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const fullEnv = { ...process.env, GATEHOUSE_VAULT_KEY: 'file', ...env };
  const argv = [process.execPath, GATEHOUSE_BIN, 'serve', '--json', '--data-dir', dir, '--port', '0'];
  const [cmd, ...args] = [...wrap, ...argv] as [string, ...string[]];
  const child = spawn(cmd, args, {
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: wrap.length > 0,
  });
  const kill = (signal: NodeJS.Signals): void => {
    if (wrap.length && child.pid) process.kill(-child.pid, signal);
    else child.kill(signal);
  };
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const info = await new Promise<ServedGatehouse['info']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no JSON line within 20 s:\n${stderr}`)), 20_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as ServedGatehouse['info']);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${stderr}`)));
  });
  return {
    info,
    dataDir: dir,
    child,
    cli: (args, input) => runGatehouse([...args, '--data-dir', dir], fullEnv, input),
    async stop(signal = 'SIGTERM') {
      let code: number | null = child.exitCode;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
        kill(signal);
        const timer = setTimeout(() => kill('SIGKILL'), 10_000);
        code = await exited;
        clearTimeout(timer);
      }
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Runs `gatehouse ARGS` as a child process and collects its output. */
export function runGatehouse(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATEHOUSE_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
