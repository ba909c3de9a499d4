import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentCacheDir, ensureAgentPackage, findAgentPackage, inSandboxAgentDir } from './agent-packages.js';
import { containerOptions, DEFAULT_LIMITS } from './spec.js';
import { getTemplate } from './templates.js';

const cache = mkdtempSync(join(tmpdir(), 'gh-agent-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('agent packages', () => {
  it('finds an installed CLI by its .bin entry, only for templates that have a package', async () => {
    expect(findAgentPackage('claude-code', cache)).toBeUndefined();
    expect(await ensureAgentPackage('claude-code', cache, false)).toBeUndefined();
    const bin = join(cache, 'claude-code', 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'claude'), '#!/bin/sh\n');
    expect(findAgentPackage('claude-code', cache)).toBe(join(cache, 'claude-code', 'node_modules'));
    expect(await ensureAgentPackage('custom', cache, true)).toBeUndefined();
    expect(agentCacheDir('/data', {})).toBe('/data/agents');
    expect(agentCacheDir('/data', { GATEHOUSE_AGENT_CACHE: '/cache' })).toBe('/cache');
  });

  it('mounts the package read-only as node_modules and puts its .bin first on PATH', () => {
    const o = containerOptions({
      sandboxId: 'sbx_1',
      name: 'gatehouse-x-a',
      instance: 'inst',
      agent: { id: 'a', name: 'a' },
      template: getTemplate('codex'),
      image: 'gatehouse/agent:offline',
      command: ['codex'],
      workspace: '/home/u/project',
      socketDir: '/data/sockets/a',
      gateDir: '/app/resources/gate',
      agentPackage: '/cache/codex/node_modules',
      limits: DEFAULT_LIMITS,
      uid: 1000,
      gid: 1000,
      env: {},
    });
    expect(o.HostConfig!.Mounts).toContainEqual({
      Type: 'bind',
      Source: '/cache/codex/node_modules',
      Target: '/opt/gatehouse/agents/codex/node_modules',
      ReadOnly: true,
    });
    const path = o.Env!.find((e) => e.startsWith('PATH='));
    expect(path?.startsWith(`PATH=${inSandboxAgentDir('codex')}/.bin:`)).toBe(true);
  });
});
