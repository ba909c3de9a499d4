import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../core/app.js';
import { writeRuntimeFile } from '../../core/runtime-file.js';
import { startControlServer, type ControlServer } from '../../core/server/control-server.js';
import { runCli } from '../run.js';

const require = createRequire(import.meta.url);
const EVERYTHING = join(
  require.resolve('@modelcontextprotocol/server-everything/package.json'),
  '..',
  'dist',
  'index.js',
);

let dir: string;
let core: Core;
let server: ControlServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gh-mcp-cli-'));
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
  const code = await runCli([...argv, '--data-dir', dir], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { ...process.env, GATEHOUSE_DATA_DIR: dir },
  });
  return { code, out, err };
}

describe('gatehouse mcp (through the running instance)', () => {
  it('adds a stdio server, lists it and its namespaced tools, removes it', async () => {
    let r = await cli(
      'mcp',
      'add',
      'everything',
      '--command',
      process.execPath,
      '--arg',
      EVERYTHING,
      '--arg',
      'stdio',
      '--env',
      'MODE=test',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('MCP server everything (stdio) added');

    r = await cli('mcp', 'tools', 'everything');
    expect(r.code).toBe(0);
    expect(r.out).toContain('everything__echo');

    r = await cli('mcp', 'ls');
    expect(r.out).toMatch(/everything\s+stdio\s+connected/);

    r = await cli('mcp', 'add', 'everything', '--command', 'x');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('exists');

    r = await cli(
      'mcp',
      'add',
      'remote',
      '--url',
      'http://127.0.0.1:9/mcp',
      '--credential',
      'tok',
      '--inject',
      'env:TOKEN',
    );
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('header:<Name>');

    r = await cli('mcp', 'rm', 'everything');
    expect(r.code).toBe(0);
    r = await cli('mcp', 'ls');
    expect(r.out).toContain('No MCP servers yet');
  });
});

describe('gatehouse prices', () => {
  it('lists shipped prices, sets and quotes an override, removes it', async () => {
    let r = await cli('prices', 'ls');
    expect(r.out).toMatch(/claude-sonnet-4-5\s+\$3\s+\$15/);

    r = await cli('prices', 'quote', 'my-llama-70b', '--input-tokens', '1000');
    expect(r.out).toContain('price unknown');

    r = await cli('prices', 'set', 'my-llama-*', '--input', '0.5', '--output', '1');
    expect(r.code).toBe(0);
    r = await cli(
      'prices',
      'quote',
      'my-llama-70b',
      '--input-tokens',
      '2000000',
      '--output-tokens',
      '1000000',
    );
    expect(r.out).toContain('priced as my-llama-* (custom); cost $2.000000');

    r = await cli('prices', 'rm', 'my-llama-*');
    expect(r.code).toBe(0);
    r = await cli('prices', 'rm', 'my-llama-*');
    expect(r.code).not.toBe(0);
  });
});
