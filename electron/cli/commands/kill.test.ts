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
  dir = mkdtempSync(join(tmpdir(), 'gh-kill-cli-'));
  core = await createCore({
    dataDir: dir,
    mode: 'headless',
    env: { ...process.env, GATEHOUSE_DATA_DIR: dir },
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

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(['kill', ...argv, '--data-dir', dir], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { ...process.env, GATEHOUSE_DATA_DIR: dir },
  });
  return { code, out, err };
}

describe('gatehouse kill (through the running instance)', () => {
  it('engages, shows, and releases per scope', async () => {
    let r = await cli('--agent', 'rogue', '--reason', 'exfiltration attempt');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Kill switch engaged: agent rogue');

    r = await cli('--service', 'github');
    expect(r.code).toBe(0);

    r = await cli('status', '--json');
    const status = JSON.parse(r.out) as { engaged: { scope: unknown; who: string; reason: string }[] };
    expect(status.engaged.map((e) => e.scope)).toEqual([
      { kind: 'agent', agent: 'rogue' },
      { kind: 'service', service: 'github' },
    ]);
    expect(status.engaged[0]!.reason).toBe('exfiltration attempt');

    r = await cli('release', '--agent', 'rogue');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Released: agent rogue');

    r = await cli('release', '--agent', 'rogue');
    expect(r.code).toBe(1);
    expect(r.out).toContain('Nothing to release');

    r = await cli('release', '--service', 'github');
    expect(r.code).toBe(0);
    r = await cli('status');
    expect(r.out).toContain('No kill switch engaged.');
  });

  it('refuses an ambiguous or empty scope with a usage error', async () => {
    expect((await cli()).code).toBe(2);
    expect((await cli('--all', '--agent', 'x')).code).toBe(2);
    expect((await cli('config', '--sandbox-action', 'explode')).code).toBe(2);
  });

  it('switches the sandbox action', async () => {
    const r = await cli('config', '--sandbox-action', 'stop', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ sandboxAction: 'stop' });
    await cli('config', '--sandbox-action', 'pause');
  });
});
