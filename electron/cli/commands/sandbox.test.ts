import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../core/app.js';
import type { ControlServer } from '../../core/server/control-server.js';
import { dockerForTests, ensureOfflineImage, tempWorkspace } from '../../core/sandbox/testing.js';
import { startCliHarness, type CliHarness } from '../../core/testing/cli-harness.js';

const { docker } = await dockerForTests();

describe.skipIf(!docker)('gatehouse run / gatehouse sandbox (real Docker, running instance)', () => {
  const ws = tempWorkspace();
  let h: CliHarness;
  let core: Core;
  let server: ControlServer;

  beforeAll(async () => {
    await ensureOfflineImage(docker!);
    h = await startCliHarness({ prefix: 'gh-sbx-cli-', dataDirAt: 'after-first', catchErrors: true });
    ({ core, server } = h);
  }, 120_000);

  afterAll(async () => {
    for (const s of core?.sandboxes.store.list() ?? [])
      await core.sandboxes.remove(s.id).catch(() => undefined);
    await h?.close();
    ws.dispose();
  });

  const cli = (...argv: string[]) => h.cli(argv);
  const cliWith = (stdin: PassThrough, ...argv: string[]) => h.cli(argv, { stdin });

  it('runs an agent, streams its output and returns its exit code', async () => {
    const r = await cli(
      'run',
      '--template',
      'custom',
      '--workspace',
      ws.dir,
      '--name',
      'cli-one',
      '--',
      'sh',
      '-c',
      'echo to-out; echo to-err >&2; gate whoami; exit 3',
    );
    expect(r.code).toBe(3);
    expect(r.out).toContain('to-out');
    expect(r.out).toContain('cli-one (cli-one) template=custom');
    expect(r.err).toContain('to-err');
    expect(r.err).toContain('exited with code 3');
  });

  it('lists, shows logs of and removes sandboxes', async () => {
    const ls = await cli('sandbox', 'ls');
    expect(ls.out).toMatch(/cli-one\s+custom\s+exited\(3\)/);
    const json = JSON.parse((await cli('sandbox', 'ls', '--json')).out) as { name: string; state: string }[];
    expect(json.find((s) => s.name === 'cli-one')?.state).toBe('exited');
    expect((await cli('sandbox', 'logs', 'cli-one')).out).toContain('to-out');
    expect((await cli('sandbox', 'rm', 'cli-one')).code).toBe(0);
    expect((await cli('sandbox', 'ls')).out).toContain('No sandboxes');
    const missing = await cli('sandbox', 'stop', 'cli-one');
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/No sandbox named "cli-one"/);
  });

  it('refuses bad input with a sentence, and edits settings', async () => {
    const noCmd = await cli('run', '--template', 'custom', '--workspace', ws.dir);
    expect(noCmd.code).not.toBe(0);
    expect(noCmd.err).toMatch(/needs a command/);
    expect((await cli('sandbox', 'settings', '--on-restart', 'cleanup', '--pids', '256')).out).toMatch(
      /on restart\s+cleanup/,
    );
    expect(core.sandboxes.settings()).toMatchObject({ onRestart: 'cleanup', limits: { pids: 256 } });
    expect((await cli('sandbox', 'image', 'status')).out).toMatch(/gatehouse\/agent:offline\s+present/);
  });

  it('opens a shell with `gatehouse sandbox shell`', async () => {
    const s = await core.sandboxes.create({
      template: 'custom',
      workspace: ws.dir,
      name: 'shelly',
      command: ['sleep', '300'],
    });
    const stdin = new PassThrough();
    const done = cliWith(stdin, 'sandbox', 'shell', 'shelly', '--', 'sh');
    stdin.write('echo shell-$((6*7)); exit 4\n');
    const r = await done;
    expect(r.out).toContain('shell-42');
    expect(r.code).toBe(4);
    await core.sandboxes.remove(s.id);
  });

  it('streams the output of a sandbox over the control server (SSE)', async () => {
    const s = await core.sandboxes.create({
      template: 'custom',
      workspace: ws.dir,
      name: 'talker',
      command: ['sh', '-c', 'echo one; sleep 0.3; echo two >&2'],
    });
    const res = await fetch(`${server.url}/api/sandboxes.logs.stream?id=talker`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    let sse = '';
    for await (const chunk of res.body!) sse += Buffer.from(chunk as Uint8Array).toString();
    const logs = [...sse.matchAll(/event: log\ndata: (.*)\n\n/g)].map(
      (m) => JSON.parse(m[1]!) as { stream: string; text: string },
    );
    expect(logs.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'one\n'],
      ['stderr', 'two\n'],
    ]);
    expect(sse).toContain('event: end');
    const missing = await fetch(`${server.url}/api/sandboxes.logs.stream?id=nope`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(missing.status).toBe(404);
    await core.sandboxes.remove(s.id);
  });

  it('streams an interactive terminal over the control server (SSE out, procedures in)', async () => {
    const s = await core.sandboxes.create({
      template: 'custom',
      workspace: ws.dir,
      name: 'tty',
      command: ['sleep', '300'],
    });
    const call = async (name: string, input: unknown) => {
      const res = await fetch(`${server.url}/api/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      return (await res.json()) as { result: Record<string, unknown> };
    };
    const { session } = (await call('sandboxes.terminal.open', { id: s.id, command: ['sh'] })).result as {
      session: string;
    };
    const res = await fetch(`${server.url}/api/sandboxes.terminal.stream?session=${session}`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    await call('sandboxes.terminal.write', {
      session,
      data: Buffer.from('echo $((40+2))-ok; exit\n').toString('base64'),
    });
    let text = '';
    let sse = '';
    for await (const chunk of res.body!) {
      sse += Buffer.from(chunk as Uint8Array).toString();
      for (const m of sse.matchAll(/event: data\ndata: (\S+)\n\n/g))
        text += Buffer.from(m[1]!, 'base64').toString();
      if (sse.includes('event: exit')) break;
      text = '';
    }
    expect(text).toContain('42-ok');
    expect(sse).toContain('"exitCode":0');
    await core.sandboxes.remove(s.id);
  });
});
