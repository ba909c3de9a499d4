import { GatehouseError } from '../../../shared/errors.js';
import { deriveKey, newKdfParams, open, seal, type KdfParams } from './crypto.js';
import { newMasterKey, type KeyProvider } from './key-source.js';
import type { VaultStore } from './store.js';

/**
 * The master key's life: created on first use, then checked on every unlock against a sealed
 * check value, so a wrong key or passphrase is reported instead of producing garbage (and a
 * missing key is never "fixed" by minting a new one over existing credentials).
 */

const CHECK_AAD = Buffer.from('gatehouse-vault:check:v1');
const CHECK_PLAIN = Buffer.from('gatehouse vault key check v1');

interface CheckRecord {
  source: string;
  nonce: string;
  ciphertext: string;
}

function readCheck(store: VaultStore): CheckRecord | undefined {
  const raw = store.meta('check');
  if (raw === undefined) return undefined;
  try {
    const rec = JSON.parse(raw) as CheckRecord;
    if (typeof rec.nonce === 'string' && typeof rec.ciphertext === 'string' && typeof rec.source === 'string')
      return rec;
  } catch {
    // fall through
  }
  throw new GatehouseError(
    'vault_corrupt',
    'The vault key check record in the database is damaged. Restore gatehouse.db from a backup; nothing was reset.',
    500,
  );
}

function writeCheck(store: VaultStore, key: Buffer, source: string): void {
  const s = seal(key, CHECK_PLAIN, CHECK_AAD);
  const rec: CheckRecord = {
    source,
    nonce: s.nonce.toString('base64'),
    ciphertext: s.ciphertext.toString('base64'),
  };
  store.setMeta('check', JSON.stringify(rec));
}

function keyMatches(rec: CheckRecord, key: Buffer): boolean {
  const plain = open(
    key,
    { nonce: Buffer.from(rec.nonce, 'base64'), ciphertext: Buffer.from(rec.ciphertext, 'base64') },
    CHECK_AAD,
  );
  return plain !== undefined && plain.equals(CHECK_PLAIN);
}

/** Which key source sealed this vault, if any (so a mismatch can name the right setting). */
export function sealedWith(store: VaultStore): string | undefined {
  return readCheck(store)?.source;
}

export async function unlockWithProvider(store: VaultStore, provider: KeyProvider): Promise<Buffer> {
  const source = provider.source ?? 'provider';
  const check = readCheck(store);
  if (check && check.source === 'passphrase') {
    throw new GatehouseError(
      'vault_key_source_mismatch',
      'This vault is protected by a passphrase. Start with GATEHOUSE_VAULT_KEY=passphrase and run `gatehouse vault unlock`.',
      409,
    );
  }
  const key = await provider.load();
  if (!key) {
    if (check) {
      throw new GatehouseError(
        'vault_key_missing',
        `The vault was sealed with a master key that the ${source} key source no longer holds. Restore the key (or select the key source it was created with); nothing was reset.`,
        500,
      );
    }
    const fresh = newMasterKey();
    await provider.store(fresh);
    writeCheck(store, fresh, source);
    return fresh;
  }
  if (!check) {
    writeCheck(store, key, source);
    return key;
  }
  if (!keyMatches(check, key)) {
    throw new GatehouseError(
      'vault_key_mismatch',
      `The master key from the ${source} key source does not open this vault (or its check record was altered). Restore the right key; nothing was reset.`,
      500,
    );
  }
  return key;
}

/** Shortest passphrase a new vault accepts (an existing vault opens with whatever it was given). */
export const MIN_PASSPHRASE = 8;

export async function unlockWithPassphrase(store: VaultStore, passphrase: string): Promise<Buffer> {
  const check = readCheck(store);
  if (!check) {
    // First use sets the passphrase: nothing can recover a vault whose passphrase is forgotten.
    if (passphrase.length < MIN_PASSPHRASE)
      throw new GatehouseError(
        'vault_passphrase_too_short',
        `A new vault passphrase needs at least ${MIN_PASSPHRASE} characters; nothing was set.`,
        400,
      );
    const params = newKdfParams();
    const key = await deriveKey(passphrase, params);
    store.setMeta('kdf', JSON.stringify(params));
    writeCheck(store, key, 'passphrase');
    return key;
  }
  if (check.source !== 'passphrase') {
    throw new GatehouseError(
      'vault_key_source_mismatch',
      check.source === 'provider'
        ? "This vault's master key is kept by the desktop app (OS-protected safeStorage), not a passphrase: open it with the desktop app."
        : `This vault's master key is kept by the ${check.source} key source, not a passphrase. Start with GATEHOUSE_VAULT_KEY=${check.source}.`,
      409,
    );
  }
  const rawKdf = store.meta('kdf');
  let params: KdfParams;
  try {
    params = JSON.parse(rawKdf ?? '') as KdfParams;
    if (!params.salt || !Number.isInteger(params.N)) throw new Error('bad');
  } catch {
    throw new GatehouseError(
      'vault_corrupt',
      'The vault passphrase parameters in the database are damaged. Restore gatehouse.db from a backup; nothing was reset.',
      500,
    );
  }
  const key = await deriveKey(passphrase, params);
  if (!keyMatches(check, key)) {
    throw new GatehouseError('vault_wrong_passphrase', 'Wrong passphrase: the vault stays locked.', 401);
  }
  return key;
}
