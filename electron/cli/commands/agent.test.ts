import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
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
  dir = mkdtempSync(join(tmpdir(), 'gh-gw-cli-'));
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

function post(url: string, path: string, headers: Record<string, string>, body: string) {
  const u = new URL(url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'POST', headers }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('gatehouse agent / service (through the running instance)', () => {
  it('agent add --host prints the gateway URL and a key once; the key works on the host door', async () => {
    const r = await cli('agent', 'add', 'laptop', '--host');
    expect(r.code).toBe(0);
    const key = /gateway key {2}(ghk_\S+)/.exec(r.out)?.[1];
    const url = /gateway URL {2}(http:\/\/127\.0\.0\.1:\d+)/.exec(r.out)?.[1];
    expect(key).toBeDefined();
    expect(url).toBe(core.announce.gateway);
    const ls = await cli('agent', 'ls');
    expect(ls.out).toMatch(/laptop\s+host\s+UNSANDBOXED/);
    expect(ls.out).not.toContain(key!);
    // The built-in demo service answers through the host door with that key as the SDK's API key.
    const ok = await post(
      url!,
      '/llm/demo/v1/messages',
      { 'x-api-key': key!, 'content-type': 'application/json' },
      JSON.stringify({ model: 'demo-helpful', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(ok.status).toBe(200);
    const bad = await post(
      url!,
      '/llm/demo/v1/messages',
      { 'x-api-key': 'ghk_nope', 'content-type': 'application/json' },
      '{}',
    );
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const again = await cli('agent', 'add', 'laptop', '--host');
    expect(again.code).not.toBe(0);
  });

  it('service add | ls | rm', async () => {
    let r = await cli(
      'service',
      'add',
      'github',
      '--kind',
      'http',
      '--url',
      'https://api.github.com',
      '--host',
      'api.github.com',
      '--credential',
      'gh-token',
      '--inject',
      'header:authorization:Bearer',
    );
    expect(r.code).toBe(0);
    r = await cli('service', 'ls', '--json');
    const list = JSON.parse(r.out) as { name: string; credential?: { inject: unknown } }[];
    expect(list.find((s) => s.name === 'github')?.credential?.inject).toEqual({
      type: 'header',
      name: 'authorization',
      prefix: 'Bearer ',
    });
    expect(list.map((s) => s.name)).toEqual(expect.arrayContaining(['demo', 'demo-openai']));
    r = await cli(
      'service',
      'add',
      'bad',
      '--kind',
      'http',
      '--url',
      'https://x.test',
      '--inject',
      'header:x',
    );
    expect(r.code).not.toBe(0);
    r = await cli('service', 'rm', 'github');
    expect(r.code).toBe(0);
    r = await cli('service', 'rm', 'github');
    expect(r.code).not.toBe(0);
  });
});
