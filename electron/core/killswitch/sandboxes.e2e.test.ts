import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerForTests, ensureOfflineImage, tempWorkspace } from '../sandbox/testing.js';
import { KillTestbed } from './testbed.js';

/**
 * Issue 9 with real sandboxes: engaging an agent's switch pauses that agent's sandbox (and
 * cuts its stream through its own socket door) while another sandbox keeps running; a global
 * switch pauses every sandbox; release resumes them only when asked. Needs a Docker engine
 * (fails instead of skipping when GATEHOUSE_REQUIRE_DOCKER=1).
 */
const engine = await dockerForTests();
const ws = tempWorkspace('gh-kill-sbx-');
let tb: KillTestbed;
let image = '';

beforeAll(async () => {
  if (!engine.docker) return;
  image = await ensureOfflineImage(engine.docker);
  tb = await KillTestbed.start();
  await tb.withSandboxes();
}, 180_000);
afterAll(async () => {
  await tb?.close();
  ws.dispose();
});

const IDLE = ['node', '-e', 'setInterval(() => {}, 1 << 30)'];
// Streams a slow model answer through the sandbox's only way out (the in-sandbox forwarder → its socket door).
const STREAM = [
  'node',
  '-e',
  `const body = JSON.stringify({ model: 'demo-slow', max_tokens: 1, stream: true, messages: [{ role: 'user', content: 'in-sandbox' }] });
   const req = require('http').request('http://127.0.0.1:3128/llm/demo/v1/messages', { method: 'POST',
     headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } }, (res) => {
     res.on('data', () => {}); res.on('close', () => console.log('stream closed')); });
   req.end(body); setInterval(() => {}, 1 << 30);`,
];
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  return cond();
};

describe.skipIf(!engine.docker)('kill switch and real sandboxes', () => {
  it('agent scope pauses only that sandbox; global pauses all; release resumes only on request', async () => {
    const sandboxes = tb.sandboxes!;
    const a = await sandboxes.create({
      template: 'custom',
      workspace: ws.dir,
      command: STREAM,
      image,
      name: 'kill-a',
    });
    const b = await sandboxes.create({
      template: 'custom',
      workspace: ws.dir,
      command: IDLE,
      image,
      name: 'kill-b',
    });
    expect([a.state, b.state]).toEqual(['running', 'running']);
    const state = async (id: string) => (await sandboxes.info(id)).state;

    expect(await until(() => tb.provider.activeStreams === 1)).toBe(true);

    const r1 = await tb.killSwitch.engageAndReport({ kind: 'agent', agent: a.agent }, 'test', 'contain a');
    expect(r1.cut).toMatchObject({ sandboxesPaused: 1, streamsAborted: 1 });
    expect(await until(() => tb.provider.activeStreams === 0)).toBe(true);
    expect(await state(a.id)).toBe('paused');
    expect(await state(b.id)).toBe('running');
    const inspectA = await engine
      .docker!.getContainer((await sandboxes.store.get(a.id))!.containerId!)
      .inspect();
    expect(inspectA.State.Paused).toBe(true);

    const r2 = await tb.killSwitch.engageAndReport({ kind: 'global' }, 'test', 'stop everything');
    expect(r2.cut).toMatchObject({ sandboxesPaused: 1 });
    expect(await state(b.id)).toBe('paused');

    // Releasing without asking keeps them paused (forensics); asking resumes them.
    await tb.killSwitch.release({ kind: 'global' }, 'test');
    expect(await state(b.id)).toBe('paused');
    await tb.killSwitch.release({ kind: 'agent', agent: a.agent }, 'test', { resumeSandboxes: true });
    expect(await state(a.id)).toBe('running');
    expect(await state(b.id)).toBe('paused');

    await tb.ledger.flush();
    const kills = tb.ledger.queries.events({ kind: 'kill' }, { payload: true }).items;
    expect(kills.map((k) => k.status)).toEqual(['engaged', 'engaged', 'released', 'released']);
    expect(kills[3]).toMatchObject({ payload: { resumed: { sandboxesResumed: 1 } } });
  });

  it('the stop setting stops sandboxes in scope instead', async () => {
    const sandboxes = tb.sandboxes!;
    const c = await sandboxes.create({
      template: 'custom',
      workspace: ws.dir,
      command: IDLE,
      image,
      name: 'kill-c',
    });
    tb.killSwitch.setSandboxAction('stop');
    const r = await tb.killSwitch.engageAndReport({ kind: 'agent', agent: c.agent }, 'test', 'stop c');
    expect(r.cut).toMatchObject({ sandboxesStopped: 1 });
    expect(['exited', 'dead']).toContain((await sandboxes.info(c.id)).state);
    tb.killSwitch.setSandboxAction('pause');
  });
});
