import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  scrypt as scryptCb,
  type ScryptOptions,
} from 'node:crypto';

/** AES-256-GCM with a random 96-bit nonce; the tag is appended to the ciphertext. */
export interface Sealed {
  nonce: Buffer;
  ciphertext: Buffer;
}

export const KEY_BYTES = 32;
const TAG_BYTES = 16;

export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, ciphertext: Buffer.concat([body, cipher.getAuthTag()]) };
}

/** Returns undefined when the key is wrong or anything (ciphertext, nonce, AAD) was altered. */
export function open(key: Buffer, sealed: Sealed, aad: Buffer): Buffer | undefined {
  if (sealed.nonce.length !== 12 || sealed.ciphertext.length < TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.ciphertext.subarray(sealed.ciphertext.length - TAG_BYTES));
    const body = sealed.ciphertext.subarray(0, sealed.ciphertext.length - TAG_BYTES);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}

export interface KdfParams {
  salt: string; // base64
  N: number;
  r: number;
  p: number;
}

/** scrypt parameters for a new passphrase: N=2^15 (32 MiB), interactive-grade per the scrypt paper. */
export function newKdfParams(): KdfParams {
  return { salt: randomBytes(16).toString('base64'), N: 1 << 15, r: 8, p: 1 };
}

export function deriveKey(passphrase: string, params: KdfParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scryptCb(
      passphrase.normalize('NFC'),
      Buffer.from(params.salt, 'base64'),
      KEY_BYTES,
      options,
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}
