import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';
import { Entry } from '@napi-rs/keyring';
import { GatehouseError } from '../../../shared/errors.js';
import { KEY_BYTES } from './crypto.js';

/**
 * Where the vault's 32-byte master key lives. The Electron shell implements this over
 * safeStorage; headless Gatehouse uses the OS keyring or, with a warning, a key file.
 * A passphrase vault has no provider: its key is derived (scrypt) at unlock.
 */
export interface KeyProvider {
  /** Shown in vault.status; a provider from outside the core (the shell's safeStorage) may leave it out. */
  readonly source?: 'keyring' | 'file' | 'memory' | 'provider';
  /** The stored key, or undefined if none was ever stored. Throws if the store cannot be read. */
  load(): Promise<Buffer | undefined>;
  store(key: Buffer): Promise<void>;
  /** A warning to show in status and at startup (the file key source). */
  readonly warning?: string;
}

export type KeySource = 'keyring' | 'file' | 'passphrase' | 'memory';

export function newMasterKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function checkKey(key: Buffer, where: string): Buffer {
  if (key.length !== KEY_BYTES) {
    throw new GatehouseError(
      'vault_key_invalid',
      `The vault master key in ${where} is not a valid ${KEY_BYTES}-byte key. Restore it from a backup; the vault is left untouched.`,
      500,
    );
  }
  return key;
}

/**
 * The OS keyring. On Linux the entry is pinned to the Secret Service: the kernel keyring
 * (the library's fallback) forgets keys at logout, which would make the vault unreadable.
 */
export function keyringProvider(dataDir: string): KeyProvider {
  const account = `vault-master-key:${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
  const entry = () =>
    new Entry(
      'gatehouse',
      account,
      platform() === 'linux' ? { linux: { store: 'secret-service' } } : undefined,
    );
  const unavailable = () =>
    new GatehouseError(
      'vault_keyring_unavailable',
      'The OS keyring (Secret Service) does not answer. Start a keyring daemon, or set GATEHOUSE_VAULT_KEY=passphrase (or =file).',
      503,
    );
  return {
    source: 'keyring',
    async load() {
      let stored: string | null;
      try {
        stored = entry().getPassword();
      } catch {
        throw unavailable();
      }
      return stored === null ? undefined : checkKey(Buffer.from(stored, 'base64'), 'the OS keyring');
    },
    async store(key) {
      try {
        entry().setPassword(key.toString('base64'));
      } catch {
        throw unavailable();
      }
    },
  };
}

/** True if the OS keyring answers (used to pick the headless default). */
export function keyringAvailable(): boolean {
  try {
    const probe = new Entry(
      'gatehouse',
      'probe',
      platform() === 'linux' ? { linux: { store: 'secret-service' } } : undefined,
    );
    probe.getPassword();
    return true;
  } catch {
    return false;
  }
}

export const KEY_FILE = 'vault.key';

/** A 0600 key file next to the database: protects against nothing that can read the data dir. */
export function fileProvider(dataDir: string): KeyProvider {
  const file = join(dataDir, KEY_FILE);
  return {
    source: 'file',
    warning: `The vault master key is in a plain file (${file}): anyone who can read the data dir can read every credential. Use the OS keyring or a passphrase (GATEHOUSE_VAULT_KEY=keyring|passphrase) where you can.`,
    async load() {
      if (!existsSync(file)) return undefined;
      if (platform() !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return checkKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'), file);
    },
    async store(key) {
      writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    },
  };
}

/** Tests only: the key lives as long as the provider object. */
export function memoryProvider(initial?: Buffer): KeyProvider {
  let key = initial;
  return {
    source: 'memory',
    async load() {
      return key;
    },
    async store(k) {
      key = Buffer.from(k);
    },
  };
}

/** GATEHOUSE_VAULT_KEY=keyring|passphrase|file, else the keyring where it answers, else a passphrase. */
export function keySourceFromEnv(env: NodeJS.ProcessEnv): KeySource {
  const chosen = env.GATEHOUSE_VAULT_KEY?.trim().toLowerCase();
  if (chosen === 'keyring' || chosen === 'passphrase' || chosen === 'file' || chosen === 'memory')
    return chosen;
  if (chosen) {
    throw new GatehouseError(
      'bad_config',
      `GATEHOUSE_VAULT_KEY must be keyring, passphrase or file (got "${chosen}").`,
    );
  }
  return keyringAvailable() ? 'keyring' : 'passphrase';
}
