import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { containerOptions, DEFAULT_LIMITS, type ContainerPlan } from './spec.js';
import { getTemplate, PLACEHOLDER_KEY, resolveCommand, templates } from './templates.js';
import { Demuxer } from './demux.js';
import { normaliseEngineEvent, JsonLines } from './events.js';
import { sinceParam } from './logs.js';

const plan = (template = 'claude-code'): ContainerPlan => ({
  sandboxId: 'sbx_1',
  name: 'gatehouse-x-a',
  instance: 'inst',
  agent: { id: 'a', name: 'a' },
  template: getTemplate(template),
  image: 'gatehouse/agent:offline',
  command: ['claude'],
  workspace: '/home/u/project',
  socketDir: '/data/sockets/a',
  gateDir: '/app/resources/gate',
  caDir: '/data/sandbox-ca',
  limits: DEFAULT_LIMITS,
  uid: 1000,
  gid: 1000,
  env: {},
});

describe('container spec', () => {
  it('has no network, no capabilities, a read-only root, limits, and only Gatehouse mounts besides the workspace', () => {
    const o = containerOptions(plan());
    const h = o.HostConfig!;
    expect(h.NetworkMode).toBe('none');
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.CapAdd).toBeUndefined();
    expect(h.SecurityOpt).toContain('no-new-privileges:true');
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.Privileged).toBe(false);
    expect(h.Binds).toBeUndefined();
    expect(o.User).toBe('1000:1000');
    expect(h.PidsLimit).toBe(512);
    expect(h.Memory).toBe(2048 * 1024 * 1024);
    expect(h.NanoCpus).toBe(2e9);
    const rw = h.Mounts!.filter((m) => !m.ReadOnly).map((m) => [m.Source, m.Target]);
    expect(rw).toEqual([['/home/u/project', '/workspace']]);
    expect(h.Mounts!.map((m) => m.Target).sort()).toEqual([
      '/etc/gatehouse',
      '/opt/gatehouse/gate',
      '/run/gatehouse',
      '/workspace',
    ]);
    expect(Object.keys(h.Tmpfs!)).toEqual(['/tmp', '/home/agent']);
  });

  it('enters through gate-launch when the image has it, else through `gate exec`', () => {
    expect(containerOptions(plan()).Entrypoint).toEqual([
      'env',
      '-u',
      'NODE_EXTRA_CA_CERTS',
      'node',
      '/opt/gatehouse/gate/gate.mjs',
      'exec',
      '--',
    ]);
    expect(containerOptions({ ...plan(), launcher: '/opt/gatehouse/bin/gate-launch' }).Entrypoint).toEqual([
      '/opt/gatehouse/bin/gate-launch',
    ]);
    expect(containerOptions(plan()).Cmd).toEqual(['claude']);
  });

  it('sets the forwarder, base URLs, CA variables and placeholder keys only', () => {
    for (const name of Object.keys(templates)) {
      const env = Object.fromEntries(
        containerOptions(plan(name)).Env!.map((kv) => kv.split(/=(.*)/s).slice(0, 2)),
      );
      expect(env.HTTPS_PROXY).toBe('http://127.0.0.1:3128');
      expect(env.SSL_CERT_FILE).toBe('/etc/gatehouse/ca-bundle.pem');
      for (const [k, v] of Object.entries(env))
        if (/KEY|TOKEN|SECRET/.test(k)) expect(v, `${name} ${k}`).toBe(PLACEHOLDER_KEY);
    }
    const env = containerOptions(plan('codex')).Env!;
    expect(env).toContain('OPENAI_BASE_URL=http://127.0.0.1:3128/llm/openai/v1');
  });

  it('resolves commands: template default, extra args appended, custom needs one', () => {
    expect(resolveCommand(getTemplate('claude-code'), undefined)).toEqual(['claude']);
    expect(resolveCommand(getTemplate('claude-code'), ['-p', 'hi'])).toEqual(['claude', '-p', 'hi']);
    expect(resolveCommand(getTemplate('custom'), ['sh'])).toEqual(['sh']);
    expect(() => resolveCommand(getTemplate('custom'), [])).toThrow(/needs a command/);
    expect(() => getTemplate('__proto__')).toThrow(/No agent template/);
  });
});

describe('Docker wire format stays in the adapter', () => {
  it('demultiplexes frames split at any byte boundary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 50 })), { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (frames, cuts) => {
          const wire = Buffer.concat(
            frames.map(([s, d]) => {
              const h = Buffer.alloc(8);
              h[0] = s;
              h.writeUInt32BE(d.length, 4);
              return Buffer.concat([h, Buffer.from(d)]);
            }),
          );
          const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const dm = new Demuxer();
          const out = [];
          let prev = 0;
          for (const p of [...points, wire.length]) {
            out.push(...dm.push(wire.subarray(prev, p)));
            prev = p;
          }
          expect(out.map((c) => [c.stream === 'stdout' ? 1 : 2, [...c.data]])).toEqual(
            frames.map(([s, d]) => [s, [...d]]),
          );
          expect(dm.pending).toBe(0);
        },
      ),
    );
  });

  it('normalises engine events and ignores what is not a container lifecycle event', () => {
    const raw = {
      Type: 'container',
      Action: 'die',
      Actor: { ID: 'c1', Attributes: { exitCode: '137', 'dev.gatehouse.sandbox': 'sbx_1' } },
      timeNano: 1_700_000_000_000_000_000,
    };
    expect(normaliseEngineEvent(raw, 'dev.gatehouse.sandbox')).toEqual({
      type: 'died',
      containerId: 'c1',
      sandboxId: 'sbx_1',
      exitCode: 137,
      time: new Date(1_700_000_000_000).toISOString(),
    });
    expect(normaliseEngineEvent({ ...raw, Action: 'oom' }, 'x')?.type).toBe('oom');
    expect(normaliseEngineEvent({ ...raw, Action: 'exec_start: sh' }, 'x')).toBeUndefined();
    expect(normaliseEngineEvent({ ...raw, Type: 'network' }, 'x')).toBeUndefined();
    const lines = new JsonLines();
    expect(lines.push('{"a":1}\n{"b"')).toEqual([{ a: 1 }]);
    expect(lines.push(':2}\n')).toEqual([{ b: 2 }]);
  });

  it('turns a log timestamp into Docker since form', () => {
    expect(sinceParam('2026-12-04T03:14:15.123456789Z')).toBe(
      `${Date.parse('2026-12-04T03:14:15Z') / 1000}.123456789`,
    );
  });
});
