import { safeStorage } from 'electron';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyProvider } from '../core/vault/key-source.js';

/**
 * The vault's master key in the desktop app: stored encrypted by the OS (Keychain, DPAPI,
 * libsecret) through Electron's safeStorage, in the data dir.
 */
export function safeStorageKeyProvider(dataDir: string): KeyProvider {
  const file = join(dataDir, 'vault.key.safe');
  return {
    source: 'provider',
    async load(): Promise<Buffer | undefined> {
      if (!existsSync(file)) return undefined;
      return Buffer.from(safeStorage.decryptString(readFileSync(file)), 'base64');
    },
    async store(key: Buffer): Promise<void> {
      if (!safeStorage.isEncryptionAvailable())
        throw new Error('The OS offers no encrypted storage for the vault key.');
      writeFileSync(file, safeStorage.encryptString(key.toString('base64')), { mode: 0o600 });
    },
  };
}
