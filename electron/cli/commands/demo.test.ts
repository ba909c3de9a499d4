import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliHarness, type CliHarness } from '../../core/testing/cli-harness.js';

let h: CliHarness;

beforeAll(async () => {
  h = await startCliHarness({
    prefix: 'gh-demo-cli-',
    command: ['demo'],
    dataDirEnv: false,
    env: { GATEHOUSE_VAULT_KEY: 'file' },
  });
});
afterAll(async () => {
  await h?.close();
});

/** stdout and stderr together, as the user sees them. */
async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const r = await h.cli(argv);
  return { code: r.code, out: r.all };
}

describe('gatehouse demo', () => {
  it('runs the rogue scenario as a host agent and prints its transcript as it happens', async () => {
    const { code, out } = await cli('rogue', '--mode', 'host', '--pace', '0');
    expect(code, out).toBe(0);
    expect(out).toContain('as a host agent (unsandboxed)');
    expect(out).toMatch(/✗ .*collector\.invalid.*\[default-deny\]/);
    expect(out).toMatch(/\[demo-no-destructive-tools\]/);
    expect(out).toMatch(/limit .*\[demo-budget\]/);
    expect(out).toContain('Demo finished (agent exit code 3)');
  });

  it('refuses an unknown scenario', async () => {
    expect((await cli('evil')).code).toBe(2);
  });
});
