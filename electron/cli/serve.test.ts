import { request } from 'node:http';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveChild, runGatehouse, type ServedGatehouse } from '../core/testing/serve-child.js';

function status(url: string, headers: Record<string, string>, method = 'POST'): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('gatehouse serve', () => {
  let gh: ServedGatehouse;
  beforeAll(async () => {
    gh = await serveChild();
  });
  afterAll(async () => {
    await gh?.stop();
  });

  it('prints console, api and token, and writes a 0600 runtime file in a 0700 data dir', () => {
    expect(gh.info.console).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(gh.info.token.length).toBeGreaterThan(20);
    const runtime = join(gh.dataDir, 'runtime.json');
    expect(statSync(runtime).mode & 0o777).toBe(0o600);
    expect(statSync(gh.dataDir).mode & 0o777).toBe(0o700);
  });

  it('answers the API with the token, 401 without it, 403 for a foreign Host or Origin', async () => {
    const url = `${gh.info.api}/api/system.status`;
    const bearer = { authorization: `Bearer ${gh.info.token}` };
    expect(await status(url, bearer)).toBe(200);
    expect(await status(url, {})).toBe(401);
    expect(await status(url, { authorization: 'Bearer wrong' })).toBe(401);
    expect(await status(url, { ...bearer, host: 'attacker.example' })).toBe(403);
    expect(await status(url, { ...bearer, origin: 'http://attacker.example' })).toBe(403);
    expect(await status(`${gh.info.api}/`, {}, 'GET')).toBe(401);
  });

  it('rejects bad input with a message naming what was wrong', async () => {
    const res = await fetch(`${gh.info.api}/api/no.such`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gh.info.token}` },
      body: '{}',
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('no.such');
    const bad = await fetch(`${gh.info.api}/api/system.status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gh.info.token}` },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
  });

  it('`gatehouse status` reports the running instance', async () => {
    const human = await gh.cli(['status']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(gh.dataDir);
    expect(human.stdout).toMatch(/docker/);
    const json = await gh.cli(['status', '--json']);
    const parsed = JSON.parse(json.stdout) as {
      dataDir: string;
      engine: { reachable: boolean; endpoint: string };
    };
    expect(parsed.dataDir).toBe(gh.dataDir);
    expect(typeof parsed.engine.reachable).toBe('boolean');
  });

  it('live events stream over SSE', async () => {
    const res = await fetch(`${gh.info.api}/api/events`, {
      headers: { authorization: `Bearer ${gh.info.token}` },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain(': connected');
    await reader.cancel();
  });

  it('shuts down cleanly on SIGTERM and removes its runtime file', async () => {
    const other = await serveChild();
    const dir = other.dataDir;
    expect(existsSync(join(dir, 'runtime.json'))).toBe(true);
    const exited = new Promise<number | null>((r) => other.child.once('exit', (c) => r(c)));
    other.child.kill('SIGTERM');
    const code = await exited;
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'runtime.json'))).toBe(false);
    await other.stop();
  });
});

describe('gatehouse CLI', () => {
  it('exits 3 with a clear message when nothing is running', async () => {
    const r = await runGatehouse(['status', '--data-dir', '/nonexistent-gatehouse-dir']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('No running Gatehouse');
  });

  it('exits 2 on unknown commands and bad flags, and prints help', async () => {
    expect((await runGatehouse(['frobnicate'])).code).toBe(2);
    const bad = await runGatehouse(['serve', '--port', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port');
    const help = await runGatehouse(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--data-dir');
  });
});
