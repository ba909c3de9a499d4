import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEHOUSE_BIN } from '../../core/testing/serve-child.js';
import { startCliHarness, type CliHarness } from '../../core/testing/cli-harness.js';
import {
  driveBrowser,
  startOAuthServer,
  type OAuthTestServer,
} from '../../core/vault/testing/oauth-server.js';

const CANARY = 'sk-cli-canary-93b1f0c4d2e7a6b5c8d9e0f1';
const PASSPHRASE = 'tr0ub4dor & 3 horses';

type Instance = CliHarness;
const instances: Instance[] = [];
let as: OAuthTestServer;
/** Everything every command printed: searched for the canary at the end. */
const transcript: string[] = [];

async function start(vaultKey: string, existingDir?: string): Promise<Instance> {
  const inst = await startCliHarness({
    prefix: 'gh-vault-cli-',
    dir: existingDir,
    command: ['vault'],
    env: { GATEHOUSE_VAULT_KEY: vaultKey },
  });
  instances.push(inst);
  return inst;
}

/** Stops an instance but keeps its data dir (a restart). */
async function stop(inst: Instance): Promise<void> {
  await inst.close({ keepDir: true });
  instances.splice(instances.indexOf(inst), 1);
}

beforeAll(async () => {
  as = await startOAuthServer();
});
afterAll(async () => {
  for (const i of instances) await i.close();
  await as?.close();
});

async function cli(inst: Instance, argv: string[], stdinText?: string) {
  const { code, out, err } = await inst.cli(argv, { input: stdinText ?? '' });
  transcript.push(out, err);
  return { code, out, err };
}

/**
 * Runs the real CLI on a real pseudo-terminal (util-linux `script`), answering each prompt as it
 * appears — what a person typing at the hidden prompt does.
 */
function atTerminal(
  args: string[],
  answers: [prompt: string, text: string][],
): Promise<{ code: number; out: string }> {
  const cmd = [process.execPath, GATEHOUSE_BIN, ...args]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const pending = [...answers];
  const onOut = (c: Buffer): void => {
    out += c.toString();
    const next = pending[0];
    if (next && out.includes(next[0])) {
      pending.shift();
      child.stdin.write(`${next[1]}\r`);
    }
  };
  child.stdout.on('data', onOut);
  child.stderr.on('data', onOut);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out })));
}
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('gatehouse vault (through the running instance)', () => {
  it('set reads the value from stdin; ls/status/leases show hints only; rotate and rm', async () => {
    const inst = await start('file');
    let r = await cli(inst, ['set', 'anthropic', '--kind', 'static', '--header', 'x-api-key'], `${CANARY}\n`);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Stored anthropic (static, sk-…');
    r = await cli(inst, ['ls']);
    expect(r.out).toMatch(/anthropic\s+static\s+sk-…e0f1/);
    r = await cli(inst, ['ls', '--json']);
    expect(JSON.parse(r.out).credentials[0]).toMatchObject({ name: 'anthropic', state: 'ok' });
    r = await cli(inst, ['status']);
    expect(r.out).toContain('vault unlocked (key: file), 1 credential(s)');

    expect(inst.core.api.names()).toContain('vault.leases');
    r = await cli(inst, ['leases']);
    expect(r.out).toContain('No outstanding leases.');

    r = await cli(inst, ['rotate', 'anthropic'], 'sk-rotated-value-000000000000000000\n');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Rotated anthropic');
    r = await cli(inst, ['rm', 'anthropic']);
    expect(r.out).toContain('Deleted anthropic');
    r = await cli(inst, ['rm', 'anthropic']);
    expect(r.code).toBe(1);
  });

  it('refuses a value on the command line', async () => {
    const inst = instances[0] as Instance;
    const r = await cli(inst, ['set', 'k', CANARY, '--kind', 'static']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('never argv');
    const r2 = await cli(inst, ['set', 'k', '--kind', 'static', `--value=${CANARY}`]);
    expect(r2.code).toBe(2);
  });

  it('connect: prints the authorize URL; the browser step completes it; the credential becomes usable', async () => {
    const inst = instances[0] as Instance;
    let r = await cli(inst, [
      'set',
      'me',
      '--kind',
      'oauth-pkce',
      '--authorize-url',
      as.authorizeUrl,
      '--token-url',
      as.tokenUrl,
      '--client-id',
      as.cli.clientId,
      '--scope',
      'openid read',
    ]);
    expect(r.out).toContain('Next: gatehouse vault connect me');
    r = await cli(inst, ['ls', '--json']);
    expect(JSON.parse(r.out).credentials.find((c: { name: string }) => c.name === 'me').state).toBe(
      'not_connected',
    );
    r = await cli(inst, ['connect', 'me', '--no-wait', '--json']);
    const flow = JSON.parse(r.out) as { id: string; authorizeUrl: string };
    expect((await driveBrowser(flow.authorizeUrl)).status).toBe(200);
    r = await cli(inst, ['ls', '--json']);
    expect(JSON.parse(r.out).credentials.find((c: { name: string }) => c.name === 'me').state).toBe('ok');
  });

  it.skipIf(!hasScript)(
    'the first unlock at a terminal asks twice and sets nothing when they differ',
    async () => {
      const inst = await start('passphrase');
      const args = ['vault', 'unlock', '--data-dir', inst.dir];
      const differ = await atTerminal(args, [
        ['New vault passphrase', 'first try 123'],
        ['Repeat the passphrase', 'first try 124'],
      ]);
      expect(differ.code).toBe(2);
      expect(differ.out).toContain('the two passphrases differ; nothing was set');
      expect(JSON.parse((await cli(inst, ['status', '--json'])).out)).toMatchObject({
        locked: true,
        initialized: false,
      });
      const same = await atTerminal(args, [
        ['New vault passphrase', 'first try 123'],
        ['Repeat the passphrase', 'first try 123'],
      ]);
      expect(same.out).toContain('Vault unlocked.');
      expect(same.code).toBe(0);
      expect(same.out).not.toContain('first try'); // typed without echo
    },
  );

  it('unlock reads the passphrase from stdin; a wrong one is refused and the vault stays locked', async () => {
    const inst = await start('passphrase');
    let r = await cli(inst, ['status']);
    expect(r.out).toContain('vault LOCKED (key: passphrase)');
    r = await cli(inst, ['set', 'k', '--kind', 'static'], CANARY);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/locked/);
    r = await cli(inst, ['unlock'], `${PASSPHRASE}\n`);
    expect(r.out).toContain('Vault unlocked.');
    r = await cli(inst, ['set', 'k', '--kind', 'static'], CANARY);
    expect(r.code).toBe(0);
    // Restart on the same data dir: locked again; a wrong passphrase is refused.
    await stop(inst);
    const reopened = await start('passphrase', inst.dir);
    r = await cli(reopened, ['status']);
    expect(r.out).toContain('vault LOCKED');
    r = await cli(reopened, ['unlock'], 'not the passphrase\n');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('Wrong passphrase');
    r = await cli(reopened, ['unlock'], `${PASSPHRASE}\n`);
    expect(r.out).toContain('Vault unlocked.');
    r = await cli(reopened, ['ls']);
    expect(r.out).toMatch(/^k\s+static/m);
  });

  it('no command output ever contained the secret values', () => {
    const all = transcript.join('\n');
    expect(all.length).toBeGreaterThan(100);
    expect(all).not.toContain(CANARY);
    expect(all).not.toContain('sk-rotated-value');
    expect(all).not.toContain(PASSPHRASE);
  });
});
