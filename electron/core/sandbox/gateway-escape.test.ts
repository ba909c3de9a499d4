import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../app.js';
import type { SandboxInfo } from '../../../shared/api/sandboxes.js';
import { dockerForTests, ensureOfflineImage, tempWorkspace } from './testing.js';

const { docker } = await dockerForTests();

interface Seen {
  llm: { status: number; body: { model?: string } };
  http: { status?: number; body?: string };
  connect: { status?: number };
  whoami: { agent: { id: string; sandboxed: boolean } };
}

/** The whole core (real gateway, policy, vault, ledger) with two real sandboxes. */
describe.skipIf(!docker)('a sandbox through the real gateway', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-core-'));
  const ws = tempWorkspace();
  let core: Core;
  const seen = new Map<string, Seen>();
  const boxes: SandboxInfo[] = [];

  beforeAll(async () => {
    await ensureOfflineImage(docker!);
    copyFileSync(join(import.meta.dirname, 'testdata', 'through-gateway.mjs'), join(ws.dir, 'probe.mjs'));
    core = await createCore({
      dataDir,
      mode: 'headless',
      gatewayPort: 0,
      env: { ...process.env, GATEHOUSE_DATA_DIR: dataDir },
    });
    for (const name of ['box-a', 'box-b']) {
      const s = await core.sandboxes.create({
        template: 'custom',
        workspace: ws.dir,
        name,
        command: ['node', '/workspace/probe.mjs'],
      });
      boxes.push(s);
    }
    for (const s of boxes) {
      const { exitCode } = await core.sandboxes.wait(s.id);
      const { entries } = await core.sandboxes.logs(s.id);
      const text = entries.map((e) => e.text).join('');
      expect(exitCode, text).toBe(0);
      seen.set(
        s.name,
        JSON.parse(
          entries
            .filter((e) => e.stream === 'stdout')
            .map((e) => e.text)
            .join(''),
        ) as Seen,
      );
    }
  }, 180_000);

  afterAll(async () => {
    for (const s of boxes) await core?.sandboxes.remove(s.id).catch(() => undefined);
    await core?.close();
    ws.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reaches an allowed service (the demo model) through its socket', () => {
    const s = seen.get('box-a')!;
    expect(s.llm.status).toBe(200);
    expect(s.llm.body.model).toBe('demo-helpful');
  });

  it('gets a 403 naming the rule for a host no rule allows, over plain HTTP and CONNECT', () => {
    const s = seen.get('box-a')!;
    expect(s.http.status).toBe(403);
    expect(JSON.parse(s.http.body!)).toMatchObject({ error: { code: 'denied', rule: 'default-deny' } });
    expect(s.connect.status).toBe(403);
  });

  it('is identified by its socket: each sandbox is its own agent, in the ledger too', async () => {
    expect(seen.get('box-a')!.whoami.agent).toMatchObject({ id: 'box-a', sandboxed: true });
    expect(seen.get('box-b')!.whoami.agent).toMatchObject({ id: 'box-b', sandboxed: true });
    for (const s of boxes) {
      const page = (await core.api.call(
        'audit.events',
        { agent: s.agent, kind: ['request', 'decision'] },
        { actor: 'test' },
      )) as {
        items: { agent?: string; decision?: string; rule?: string; operation?: string }[];
      };
      expect(
        page.items.some((e) => e.operation === 'llm:demo-helpful' && e.decision !== 'deny'),
        s.name,
      ).toBe(true);
      expect(
        page.items.some((e) => e.decision === 'deny' && e.rule === 'default-deny'),
        s.name,
      ).toBe(true);
      expect(page.items.every((e) => e.agent === s.agent)).toBe(true);
    }
    const died = (await core.api.call(
      'audit.events',
      { kind: 'sandbox', agent: 'box-a' },
      { actor: 'test' },
    )) as {
      items: { operation?: string; status?: string }[];
    };
    expect(died.items.some((e) => e.operation === 'died' && e.status === 'ok')).toBe(true);
  });
  it('is paused by the kill switch for its agent, and resumed on release', async () => {
    const s = await core.sandboxes.create({
      template: 'custom',
      workspace: ws.dir,
      name: 'box-k',
      command: ['sleep', '300'],
    });
    boxes.push(s);
    const scope = { kind: 'agent', agent: 'box-k' };
    const engaged = (await core.api.call('kill.engage', { scope, reason: 'test' }, { actor: 'test' })) as {
      cut: Record<string, number>;
    };
    expect(engaged.cut.sandboxesPaused).toBe(1);
    expect((await core.sandboxes.info(s.id)).state).toBe('paused');
    await core.api.call('kill.release', { scope, resumeSandboxes: true }, { actor: 'test' });
    expect((await core.sandboxes.info(s.id)).state).toBe('running');
  });
  it('lists and calls MCP tools with `gate` (allowed tool works, a denied one names the rule)', async () => {
    const entry = join(
      import.meta.dirname,
      '..',
      '..',
      '..',
      'node_modules',
      '@modelcontextprotocol',
      'server-everything',
      'dist',
      'index.js',
    );
    await core.api.call(
      'mcp.add',
      { name: 'everything', command: process.execPath, args: [entry, 'stdio'] },
      { actor: 'test' },
    );
    const script = [
      'gate tools --json > /tmp/tools.json; echo tools=$?',
      "node -e \"const t=require('/tmp/tools.json');console.log('services='+t.services.map(x=>x.name).join(','));console.log('names='+t.tools.map(x=>x.name).join(','))\"",
      'gate call everything__echo --json \'{"message":"hi-from-sandbox"}\'; echo echo=$?',
      'gate call everything__printEnv; echo printenv=$?',
    ].join('; ');
    const s = await core.sandboxes.create({
      template: 'demo-helpful',
      workspace: ws.dir,
      name: 'box-mcp',
      replaceCommand: true,
      command: ['sh', '-c', script],
    });
    boxes.push(s);
    await core.sandboxes.wait(s.id);
    const out = (await core.sandboxes.logs(s.id)).entries.map((e) => e.text).join('');
    expect(out).toContain('tools=0');
    expect(out).toMatch(/services=.*demo/);
    // What policy lets a demo agent see: the harmless tools, not printEnv.
    expect(out).toMatch(/names=.*everything__echo/);
    expect(out).not.toMatch(/names=.*everything__printEnv/);
    expect(out).toContain('hi-from-sandbox');
    expect(out).toContain('echo=0');
    expect(out).toMatch(/default-deny/);
    expect(out).toContain('printenv=1');
  });
});
