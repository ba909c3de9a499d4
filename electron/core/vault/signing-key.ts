import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { KeyWrap } from './key-wrap.js';
import type { VaultStore } from './store.js';

/** What the ledger needs to sign checkpoints (structurally the ledger's CheckpointSigner). */
export interface SigningKey {
  /** SPKI PEM of the Ed25519 public key. */
  publicKey: string;
  sign(bytes: Uint8Array): Uint8Array;
}

const META = 'ledger_signing_key';
const AAD = Buffer.from('gatehouse:ledger-signing-key:v1');

/**
 * The ledger's checkpoint signing key, held by the vault: an Ed25519 key stored only sealed
 * (`vault_meta.ledger_signing_key`, AES-256-GCM under a key derived from the master key), so it
 * is protected like the vault's secrets and unusable while the vault is locked.
 *
 * `legacyFile` is the 0600 key file a ledger keeps when no vault signs for it (earlier versions,
 * or a ledger opened alone): on first use it is adopted — sealed and deleted — so checkpoints it
 * signed and the ones signed from now on share one key. Once a sealed key exists, a file found
 * there is removed (a private key lying in the data dir could forge checkpoints).
 */
export function vaultSigningKey(store: VaultStore, wrap: KeyWrap, legacyFile?: string): SigningKey {
  const sealed = store.meta(META);
  let key: KeyObject;
  if (sealed) {
    key = createPrivateKey({
      key: wrap.open(Buffer.from(sealed, 'base64'), AAD),
      format: 'der',
      type: 'pkcs8',
    });
  } else {
    key =
      legacyFile && existsSync(legacyFile)
        ? createPrivateKey(readFileSync(legacyFile))
        : generateKeyPairSync('ed25519').privateKey;
    if (key.asymmetricKeyType !== 'ed25519')
      throw new Error(`The ledger signing key in ${legacyFile} is not an Ed25519 key.`);
    const der = key.export({ type: 'pkcs8', format: 'der' });
    store.setMeta(META, wrap.seal(der, AAD).toString('base64'));
  }
  if (legacyFile && existsSync(legacyFile)) rmSync(legacyFile, { force: true });
  const publicKey = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  return { publicKey, sign: (bytes) => sign(null, bytes, key) };
}
