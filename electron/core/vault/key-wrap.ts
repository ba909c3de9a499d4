import { hkdfSync } from 'node:crypto';
import { KEY_BYTES, open, seal } from './crypto.js';

/** Seals and opens a blob for one purpose (e.g. the CA's private key) outside the credential store. */
export interface KeyWrap {
  seal(plain: Buffer, aad: Buffer): Buffer;
  open(sealed: Buffer, aad: Buffer): Buffer;
}

/**
 * A key wrap derived from the vault's master key with HKDF-SHA256 and the purpose as info, so
 * each purpose has its own key and none of them is the master key itself. Sealed form:
 * nonce (12 bytes) ‖ ciphertext ‖ tag.
 */
export function deriveKeyWrap(masterKey: Buffer, purpose: string): KeyWrap {
  const key = Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), `gatehouse:keywrap:${purpose}`, KEY_BYTES),
  );
  return {
    seal(plain, aad) {
      const s = seal(key, plain, aad);
      return Buffer.concat([s.nonce, s.ciphertext]);
    },
    open(sealed, aad) {
      const plain = open(key, { nonce: sealed.subarray(0, 12), ciphertext: sealed.subarray(12) }, aad);
      if (!plain)
        throw new Error(
          `The sealed ${purpose} does not open with this vault's key (altered, or another vault).`,
        );
      return plain;
    },
  };
}
