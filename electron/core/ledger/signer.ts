import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Signs ledger checkpoints. The vault can provide one; otherwise the ledger keeps a key file. */
export interface CheckpointSigner {
  sign(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** SPKI PEM of the Ed25519 public key. */
  publicKey: string;
}

export function signerFromKey(privateKey: KeyObject): CheckpointSigner {
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { publicKey, sign: (bytes) => sign(null, bytes, privateKey) };
}

/** Loads (or creates, mode 0600) the Ed25519 key at `file`. */
export function fileSigner(file: string): CheckpointSigner {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return signerFromKey(createPrivateKey(readFileSync(file)));
}

export function checkpointMessage(
  kind: 'checkpoint' | 'prune',
  seq: number,
  hash: string,
  tsMs: number,
): Buffer {
  return Buffer.from(`gatehouse-ledger-${kind}:v1:${seq}:${hash}:${tsMs}`, 'utf8');
}

export function signatureValid(publicKeyPem: string, message: Buffer, signatureB64: string): boolean {
  try {
    return verify(null, message, createPublicKey(publicKeyPem), Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}
