import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { writeRuntimeFile } from '../../core/runtime-file.js';
import { startControlServer, type ControlServer } from '../../core/server/control-server.js';
import { runCli } from '../run.js';

let dir: string;
let core: Core;
let server: ControlServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-demo-cli-'));
  core = await createCore({
    dataDir: dir,
    mode: 'headless',
    env: { ...process.env, GATEHOUSE_VAULT_KEY: 'file' },
  });
  server = await startControlServer(core, { port: 0, staticDir: dir });
  writeRuntimeFile(core.dataDir, {
    pid: process.pid,
    api: server.url,
    console: server.consoleUrl,
    token: server.token,
    startedAt: new Date().toISOString(),
  });
});
afterAll(async () => {
  await server?.close();
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const stderr = new PassThrough();
  stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await runCli(['demo', ...argv, '--data-dir', dir], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { ...process.env },
  });
  return { code, out };
}

describe('gatehouse demo', () => {
  it('runs the rogue scenario as a host agent and prints its transcript as it happens', async () => {
    const { code, out } = await cli('rogue', '--mode', 'host', '--pace', '0');
    expect(code, out).toBe(0);
    expect(out).toContain('as a host agent (unsandboxed)');
    expect(out).toMatch(/✗ .*collector\.invalid.*\[default-deny\]/);
    expect(out).toMatch(/\[demo-no-destructive-tools\]/);
    expect(out).toMatch(/limit .*\[demo-budget\]/);
    expect(out).toContain('Demo finished (agent exit code 3)');
  });

  it('refuses an unknown scenario', async () => {
    expect((await cli('evil')).code).toBe(2);
  });
});
