import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliHarness, type CliHarness } from '../../core/testing/cli-harness.js';

let h: CliHarness;

beforeAll(async () => {
  h = await startCliHarness({ prefix: 'gh-kill-cli-', command: ['kill'] });
});
afterAll(async () => {
  await h?.close();
});

const cli = (...argv: string[]) => h.cli(argv);

describe('gatehouse kill (through the running instance)', () => {
  it('engages, shows, and releases per scope', async () => {
    let r = await cli('--agent', 'rogue', '--reason', 'exfiltration attempt');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Kill switch engaged: agent rogue');

    r = await cli('--service', 'github');
    expect(r.code).toBe(0);

    r = await cli('status', '--json');
    const status = JSON.parse(r.out) as { engaged: { scope: unknown; who: string; reason: string }[] };
    expect(status.engaged.map((e) => e.scope)).toEqual([
      { kind: 'agent', agent: 'rogue' },
      { kind: 'service', service: 'github' },
    ]);
    expect(status.engaged[0]!.reason).toBe('exfiltration attempt');

    r = await cli('release', '--agent', 'rogue');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Released: agent rogue');

    r = await cli('release', '--agent', 'rogue');
    expect(r.code).toBe(1);
    expect(r.out).toContain('Nothing to release');

    r = await cli('release', '--service', 'github');
    expect(r.code).toBe(0);
    r = await cli('status');
    expect(r.out).toContain('No kill switch engaged.');
  });

  it('refuses an ambiguous or empty scope with a usage error', async () => {
    expect((await cli()).code).toBe(2);
    expect((await cli('--all', '--agent', 'x')).code).toBe(2);
    expect((await cli('config', '--sandbox-action', 'explode')).code).toBe(2);
  });

  it('switches the sandbox action', async () => {
    const r = await cli('config', '--sandbox-action', 'stop', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ sandboxAction: 'stop' });
    await cli('config', '--sandbox-action', 'pause');
  });
});
