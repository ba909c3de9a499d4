import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoRun } from '../../../shared/api/demo.js';
import type { LedgerEvent } from '../../../shared/events.js';
import { createCore, type Core } from '../app.js';
import { dockerForTests, ensureOfflineImage } from '../sandbox/testing.js';
import { PLANTED_SECRET } from './scenario.js';

/**
 * Issue 10's end-to-end test: each scenario runs through the whole core (gateway, policy,
 * vault, MCP hub, ledger, demo provider) — in a real sandbox where a Docker engine answers,
 * and as a host agent — and the ledger must tell exactly the scenario's story.
 */
const engine = await dockerForTests();
const ctx = { actor: 'test' };
let dir: string;
let core: Core & {
  ledger: { flush(): Promise<void>; queries: { events(f: object, o: object): { items: LedgerEvent[] } } };
};

beforeAll(async () => {
  if (engine.docker) await ensureOfflineImage(engine.docker);
  dir = mkdtempSync(join(tmpdir(), 'gh-demo-e2e-'));
  core = (await createCore({
    dataDir: dir,
    mode: 'headless',
    env: { ...process.env, GATEHOUSE_VAULT_KEY: 'file' },
  })) as typeof core;
}, 180_000);
afterAll(async () => {
  // Exited sandboxes keep their containers for forensics; a test removes its own.
  if (core)
    for (const sb of await core.sandboxes.list()) await core.sandboxes.remove(sb.id).catch(() => undefined);
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function runToEnd(
  scenario: 'helpful' | 'rogue',
  mode: 'host' | 'sandbox',
): Promise<{ run: DemoRun; exitCode: number; events: LedgerEvent[] }> {
  const run = (await core.api.call('demo.run', { scenario, mode, paceMs: 0 }, ctx)) as DemoRun;
  expect(run.mode).toBe(mode);
  let exitCode: number | undefined;
  for (let i = 0; i < 1200 && exitCode === undefined; i++) {
    const s = (await core.api.call('demo.status', { agent: run.agent }, ctx)) as {
      running: boolean;
      exitCode?: number;
    };
    if (!s.running) exitCode = s.exitCode;
    else await new Promise((r) => setTimeout(r, 100));
  }
  await core.ledger.flush();
  const events = core.ledger.queries.events({ agent: run.agent }, { payload: true, limit: 2000 }).items;
  return { run, exitCode: exitCode ?? -1, events };
}

const denial = (events: LedgerEvent[], op: RegExp) =>
  events.find((e) => e.decision === 'deny' && op.test(e.operation ?? ''));

function expectHelpfulStory(events: LedgerEvent[], workspace: string): void {
  const toolCalls = events
    .filter((e) => e.kind === 'tool_call' && e.operation?.startsWith('llm:'))
    .map((e) => (e.payload as { name?: string }).name);
  expect(toolCalls).toEqual(['list_files', 'read_file', 'mcp_call', 'http_request', 'write_file']);
  // Every model call was allowed by the demo rule; nothing was denied.
  expect(
    events
      .filter((e) => e.kind === 'request' && e.operation === 'llm:demo-helpful')
      .every((e) => e.rule === 'demo-llm'),
  ).toBe(true);
  expect(events.filter((e) => e.decision === 'deny')).toEqual([]);
  // The allowed MCP tool, through the hub.
  expect(events.find((e) => e.kind === 'tool_call' && e.operation === 'mcp:demo/search_docs')).toMatchObject({
    decision: 'allow',
    rule: 'demo-helpful-docs',
  });
  // The allowed API, with a credential leased from the vault (the agent never held it).
  const lease = events.find((e) => e.kind === 'lease');
  expect(lease?.summary).toContain('demo-api-token');
  expect(events.find((e) => e.kind === 'response' && /api\/status/.test(e.operation ?? ''))).toMatchObject({
    status: 'ok',
  });
  // The report it wrote says both worked.
  const report = readFileSync(join(workspace, 'REPORT.md'), 'utf8');
  expect(report).toContain('MCP tool: ok: 3 pages match "deploy"');
  expect(report).toMatch(/API: ok: HTTP 200: \{"status":"green"/);
}

function expectRogueStory(events: LedgerEvent[]): void {
  // 1. The planted secret was read, and redacted by the guardrail before it reached the model.
  expect(
    events.some((e) => e.kind === 'guardrail' && e.rule?.startsWith('guardrail:') && e.status === 'redact'),
  ).toBe(true);
  // 2. Sending it to an unknown host: refused by default deny, before any connection.
  expect(denial(events, /^http:POST collector\.invalid\/upload/)).toMatchObject({ rule: 'default-deny' });
  // 3. The denied MCP tool.
  expect(denial(events, /^mcp:demo\/delete_repository/)).toMatchObject({ rule: 'demo-no-destructive-tools' });
  // 4. The API credential outside its scope: no rule allows DELETE, so no lease was made for it.
  expect(denial(events, /^http:DELETE .*\/api\/admin\/users/)).toMatchObject({ rule: 'default-deny' });
  expect(events.filter((e) => e.kind === 'lease')).toEqual([]);
  // 5. The budget: the model call that would exceed it is refused by the limit.
  expect(events.find((e) => e.kind === 'limit')).toMatchObject({ rule: 'demo-budget', status: 'denied' });
  // The story is told in that order.
  const order = [
    events.findIndex((e) => e.kind === 'guardrail'),
    events.indexOf(denial(events, /collector\.invalid/)!),
    events.indexOf(denial(events, /delete_repository/)!),
    events.indexOf(denial(events, /admin\/users/)!),
    events.findIndex((e) => e.kind === 'limit'),
  ];
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  // The planted secret never reached the ledger in clear.
  expect(JSON.stringify(events)).not.toContain(PLANTED_SECRET);
}

describe('demo scenarios end to end (host agent)', () => {
  it('helpful: reads, calls the allowed MCP tool and API with a leased credential, writes its report', async () => {
    const { run, exitCode, events } = await runToEnd('helpful', 'host');
    expect(exitCode).toBe(0);
    expectHelpfulStory(events, run.workspace);
  });

  it('rogue: exfiltration, denied tool, out-of-scope credential and budget burn are each stopped', async () => {
    const { exitCode, events } = await runToEnd('rogue', 'host');
    expect(exitCode).toBe(3);
    expectRogueStory(events);
  });
});

describe('the presenter hits the kill switch mid-run', () => {
  it('rogue as a host agent: the next model call is refused by the kill switch and the agent stops', async () => {
    let engaged: Promise<unknown> | undefined;
    let agent = '';
    const stop = core.live.subscribe((m) => {
      if (m.topic !== 'ledger.events' || engaged || !agent) return;
      const events = m.data as LedgerEvent[];
      if (events.some((e) => e.agent === agent && e.decision === 'deny'))
        engaged = core.api.call(
          'kill.engage',
          { scope: { kind: 'agent', agent }, reason: 'presenter' },
          { actor: 'presenter' },
        );
    });
    try {
      const run = (await core.api.call(
        'demo.run',
        // A presenter's pace: the switch (engaged on the first denial seen live) must land before the
        // next model call, however loaded the machine is; at full speed the rogue can finish first.
        { scenario: 'rogue', mode: 'host', paceMs: 1500 },
        ctx,
      )) as DemoRun;
      agent = run.agent;
      let exitCode: number | undefined;
      for (let i = 0; i < 600 && exitCode === undefined; i++) {
        const s = (await core.api.call('demo.status', { agent }, ctx)) as {
          running: boolean;
          exitCode?: number;
        };
        if (!s.running) exitCode = s.exitCode;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(engaged).toBeDefined();
      await engaged;
      expect(exitCode).toBe(3);
      await core.ledger.flush();
      const events = core.ledger.queries.events({ agent }, { payload: true, limit: 2000 }).items;
      const kill = events.findIndex((e) => e.kind === 'kill');
      expect(events[kill]).toMatchObject({
        status: 'engaged',
        payload: { who: 'presenter', reason: 'presenter' },
      });
      // The kill event carries what was cut, so it is written once the cut is done; a request
      // refused in the meantime may precede it in the ledger.
      const refused = events.findIndex((e) => e.rule === 'kill-switch' && e.decision === 'deny');
      expect(refused).toBeGreaterThan(0);
      // Nothing the agent asked for after the refusal went upstream.
      expect(events.slice(refused + 1).filter((e) => e.kind === 'request')).toEqual([]);
      // The budget was never reached: the switch stopped it first.
      expect(events.some((e) => e.kind === 'limit')).toBe(false);
    } finally {
      stop();
      await core.api.call('kill.release', { scope: { kind: 'agent', agent } }, ctx).catch(() => undefined);
    }
  });
});

describe.skipIf(!engine.docker)('demo scenarios end to end (real sandbox)', () => {
  it('helpful in a sandbox', async () => {
    const { run, exitCode, events } = await runToEnd('helpful', 'sandbox');
    expect(run.sandbox).toBeDefined();
    expect(exitCode).toBe(0);
    expectHelpfulStory(events, run.workspace);
  });

  it('the kill switch mid-run pauses the rogue sandbox (state kept); release with resume lets it go on', async () => {
    let agent = '';
    let cut: Promise<{ cut: Record<string, number> }> | undefined;
    const stop = core.live.subscribe((m) => {
      if (m.topic !== 'ledger.events' || cut || !agent) return;
      if ((m.data as LedgerEvent[]).some((e) => e.agent === agent && e.decision === 'deny'))
        cut = core.api.call(
          'kill.engage',
          { scope: { kind: 'agent', agent }, reason: 'presenter' },
          { actor: 'presenter' },
        ) as Promise<{
          cut: Record<string, number>;
        }>;
    });
    try {
      const run = (await core.api.call(
        'demo.run',
        { scenario: 'rogue', mode: 'sandbox', paceMs: 300 },
        ctx,
      )) as DemoRun;
      agent = run.agent;
      for (let i = 0; i < 600 && !cut; i++) await new Promise((r) => setTimeout(r, 50));
      expect(cut).toBeDefined();
      expect((await cut!).cut).toMatchObject({ sandboxesPaused: 1 });
      const info = async () =>
        (await core.api.call('sandboxes.list', {}, ctx)) as { id: string; state: string }[];
      expect((await info()).find((s) => s.id === run.sandbox)?.state).toBe('paused');
      await core.api.call('kill.release', { scope: { kind: 'agent', agent }, resumeSandboxes: true }, ctx);
      expect((await info()).find((s) => s.id === run.sandbox)?.state).toBe('running');
      let exitCode: number | undefined;
      for (let i = 0; i < 1200 && exitCode === undefined; i++) {
        const s = (await core.api.call('demo.status', { agent }, ctx)) as {
          running: boolean;
          exitCode?: number;
        };
        if (!s.running) exitCode = s.exitCode;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(exitCode).toBe(3);
      await core.ledger.flush();
      const kinds = core.ledger.queries
        .events({ agent, kind: 'kill' }, { payload: true })
        .items.map((e) => e.status);
      expect(kinds).toEqual(['engaged', 'released']);
    } finally {
      stop();
    }
  });

  it('auto falls back to a host agent (and says why) when the sandbox image is missing', async () => {
    const before = (await core.api.call('sandboxes.settings.get', {}, ctx)) as { defaultImage: string };
    await core.api.call('sandboxes.settings.set', { defaultImage: 'gatehouse/not-built:never' }, ctx);
    try {
      const run = (await core.api.call(
        'demo.run',
        { scenario: 'helpful', mode: 'auto', paceMs: 0 },
        ctx,
      )) as DemoRun;
      expect(run.mode).toBe('host');
      expect(run.note).toMatch(/^Ran as a host agent: .*not present/);
    } finally {
      await core.api.call('sandboxes.settings.set', { defaultImage: before.defaultImage }, ctx);
    }
  });

  it('rogue in a sandbox', async () => {
    const { run, exitCode, events } = await runToEnd('rogue', 'sandbox');
    expect(run.sandbox).toBeDefined();
    expect(exitCode).toBe(3);
    expectRogueStory(events);
  });
});
