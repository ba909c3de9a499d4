import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveChild } from '../testing/serve-child.js';

// The headless default key source, for real: `gatehouse serve` in a D-Bus session with
// gnome-keyring's Secret Service (its own HOME, so its keyring file is the test's). With no
// GATEHOUSE_VAULT_KEY the vault picks the keyring, keeps its master key there (no key file in the
// data dir) and finds it again after a restart in a new session; with no keyring answering it
// falls back to a passphrase and starts locked.

const have = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
const available = have('dbus-run-session') && have('gnome-keyring-daemon');
const CANARY = 'sk-keyring-canary-5e1d9a7c3b2f4e6d8a0c';

const root = mkdtempSync(join(tmpdir(), 'gh-keyring-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A D-Bus session with an unlocked gnome-keyring (Secret Service), then the command. */
const inKeyringSession = [
  'dbus-run-session',
  '--',
  'sh',
  '-c',
  'printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"',
  'sh',
];

describe.skipIf(!available)('the OS keyring key source (Secret Service)', () => {
  const home = join(root, 'home');
  const dataDir = join(root, 'data');
  mkdirSync(home, { recursive: true });
  const env = { HOME: home, KEYRING_PASSWORD: 'login-password', GATEHOUSE_VAULT_KEY: '' };

  it('is the default where it answers: the master key lives there and survives a restart', async () => {
    const first = await serveChild(env, dataDir, inKeyringSession);
    try {
      const status = JSON.parse((await first.cli(['vault', 'status', '--json'])).stdout) as Record<
        string,
        unknown
      >;
      expect(status).toMatchObject({ locked: false, keySource: 'keyring' });
      const set = await first.cli(
        ['vault', 'set', 'k', '--kind', 'static', '--header', 'x-api-key'],
        `${CANARY}\n`,
      );
      expect(set.code).toBe(0);
    } finally {
      await first.stop();
    }
    expect(readdirSync(dataDir)).not.toContain('vault.key');
    expect(existsSync(join(home, '.local/share/keyrings'))).toBe(true);

    // A new D-Bus session (a new login), the same keyring file: the same key opens the vault.
    const again = await serveChild(env, dataDir, inKeyringSession);
    try {
      const status = JSON.parse((await again.cli(['vault', 'status', '--json'])).stdout) as Record<
        string,
        unknown
      >;
      expect(status).toMatchObject({ locked: false, keySource: 'keyring', credentials: 1 });
      expect(status.problem).toBeUndefined(); // a different key would be reported, never reset
    } finally {
      await again.stop();
    }
  });

  it('where no keyring answers, the default is a passphrase and the vault starts locked', async () => {
    const lone = await serveChild(
      { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' },
      join(root, 'lone'),
    );
    try {
      const status = JSON.parse((await lone.cli(['vault', 'status', '--json'])).stdout) as Record<
        string,
        unknown
      >;
      expect(status).toMatchObject({ locked: true, keySource: 'passphrase' });
    } finally {
      await lone.stop();
    }
  });
});
