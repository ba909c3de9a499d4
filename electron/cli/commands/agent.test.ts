import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../core/app.js';
import { startCliHarness, type CliHarness } from '../../core/testing/cli-harness.js';

let h: CliHarness;
let core: Core;

beforeAll(async () => {
  h = await startCliHarness({ prefix: 'gh-gw-cli-' });
  ({ core } = h);
});
afterAll(async () => {
  await h?.close();
});

const cli = (...argv: string[]) => h.cli(argv);

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
