import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { LiveBus } from '../live/bus.js';
import { SandboxManager } from './manager.js';
import { dockerForTests, ensureOfflineImage, tempWorkspace, EchoDoors } from './testing.js';
import { PLACEHOLDER_KEY } from './templates.js';

const { docker } = await dockerForTests();
const probe = join(import.meta.dirname, 'testdata', 'probe.mjs');

interface Probe {
  uid: number;
  interfaces: string[];
  ipv6Addrs: string[];
  routes: string[];
  loopbackOnly: boolean;
  connectV4?: string;
  connectV6?: string;
  dnsLookup?: string;
  dnsResolve?: string;
  dockerSock: string[];
  caps: Record<string, string>;
  noNewPrivs?: string;
  write: Record<string, string>;
  env: Record<string, string>;
  runGatehouse: string[];
  mounts: string[];
}

describe.skipIf(!docker)('sandbox escape tests (real Docker)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-data-'));
  const ws = tempWorkspace();
  const doors = new EchoDoors();
  let manager: SandboxManager;
  let result: Probe;
  const CANARY = 'GATEHOUSE_TEST_CANARY';

  beforeAll(async () => {
    process.env[CANARY] = 'host-secret-value';
    const image = await ensureOfflineImage(docker!);
    copyFileSync(probe, join(ws.dir, 'probe.mjs'));
    const db = openDatabase(join(dataDir, 'gatehouse.db'));
    manager = new SandboxManager({
      docker: docker!,
      db,
      dataDir,
      live: new LiveBus(),
      doors,
      caCertPem: () => '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    });
    await manager.open();
    const sbx = await manager.create({
      template: 'custom',
      workspace: ws.dir,
      image,
      name: 'escape',
      command: ['node', '/workspace/probe.mjs'],
    });
    const { exitCode } = await manager.wait(sbx.id);
    const { entries } = await manager.logs(sbx.id);
    expect(exitCode, entries.map((e) => e.text).join('')).toBe(0);
    result = JSON.parse(
      entries
        .filter((e) => e.stream === 'stdout')
        .map((e) => e.text)
        .join(''),
    ) as Probe;
  }, 120_000);

  afterAll(async () => {
    delete process.env[CANARY];
    for (const s of manager?.store.list() ?? []) await manager.remove(s.id);
    await manager?.close();
    ws.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has no interface to leave by: only loopback, no routes', () => {
    expect(result.interfaces).toEqual(['lo']);
    expect(result.routes).toEqual([]);
    expect(result.ipv6Addrs.every((a) => a === 'lo')).toBe(true);
  });

  it('cannot connect anywhere directly, over IPv4 or IPv6', () => {
    expect(result.loopbackOnly).toBe(true);
    expect(result.connectV4).toBe('ENETUNREACH');
    expect(['ENETUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT']).toContain(result.connectV6);
  });

  it('cannot resolve names', () => {
    expect(result.dnsLookup).not.toBe('resolved');
    expect(result.dnsResolve).not.toBe('resolved');
  });

  it('has no Docker socket', () => {
    expect(result.dockerSock).toEqual([]);
  });

  it('runs as a non-root user with empty capability sets and no-new-privileges', () => {
    expect(result.uid).not.toBe(0);
    for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'])
      expect(result.caps[k], k).toMatch(/^0+$/);
    expect(result.noNewPrivs).toBe('1');
  });

  it('has a read-only root and writable /tmp, home and workspace', () => {
    expect(result.write).toEqual({
      etc: 'EROFS',
      usr: 'EROFS',
      root: 'EROFS',
      tmp: 'ok',
      home: 'ok',
      workspace: 'ok',
    });
  });

  it('leaks no host environment variable and carries placeholder keys only', () => {
    expect(result.env[CANARY]).toBeUndefined();
    for (const k of Object.keys(process.env)) {
      if (['HOME', 'PATH', 'HOSTNAME', 'USER', 'TERM', 'PWD', 'SHLVL'].includes(k)) continue;
      if (result.env[k] !== undefined)
        expect(result.env[k], `host variable ${k} leaked`).not.toBe(process.env[k]);
    }
    const secretish = Object.entries(result.env).filter(([k]) =>
      /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i.test(k),
    );
    expect(secretish.length).toBeGreaterThan(0);
    for (const [k, v] of secretish) expect(v, k).toBe(PLACEHOLDER_KEY);
    expect(result.env.HTTPS_PROXY).toBe('http://127.0.0.1:3128');
    expect(result.env.ANTHROPIC_BASE_URL).toBe('http://127.0.0.1:3128/llm/anthropic');
    expect(result.env.NODE_EXTRA_CA_CERTS).toBe('/etc/gatehouse/ca.pem');
    expect(result.env.SSL_CERT_FILE).toBe('/etc/gatehouse/ca-bundle.pem');
  });

  it('sees only its own socket and nothing else from the host but the workspace', () => {
    expect(result.runGatehouse).toEqual(['gateway.sock']);
    const host = result.mounts.filter(
      (m) =>
        ![
          '/',
          '/proc',
          '/dev',
          '/sys',
          '/dev/pts',
          '/dev/mqueue',
          '/dev/shm',
          '/tmp',
          '/home/agent',
          '/sys/fs/cgroup',
        ].includes(m) &&
        !m.startsWith('/proc/') &&
        !m.startsWith('/sys/') &&
        !m.startsWith('/dev/'),
    );
    expect(host.sort()).toEqual([
      '/etc/gatehouse',
      '/etc/hostname',
      '/etc/hosts',
      '/etc/resolv.conf',
      '/opt/gatehouse/gate',
      '/run/gatehouse',
      '/sbin/docker-init',
      '/workspace',
    ]);
  });
});
