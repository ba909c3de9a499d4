import { createCipheriv, createDecipheriv, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority, type KeyWrap } from './ca.js';

/** AES-256-GCM under a fixed key: the shape of the vault's keyWrap('ca-key'). */
function wrapWith(key: Buffer): KeyWrap {
  return {
    seal(plain, aad) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    open(sealed, aad) {
      const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12)).setAAD(aad);
      d.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
    },
  };
}

const issuedBy = async (ca: CertificateAuthority, host: string): Promise<boolean> =>
  new X509Certificate((await ca.leafFor(host)).certPem).checkIssued(ca.nodeCertificate());

describe('CA private key sealed by the vault key', () => {
  it('stores only the sealed key, reopens with the wrap, and stays locked without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-ca-sealed-'));
    const wrap = wrapWith(randomBytes(32));
    const ca = await CertificateAuthority.open({ dir, keyWrap: wrap });
    expect(ca.protection).toBe('vault');
    expect(existsSync(join(dir, 'ca.key'))).toBe(false);
    const sealed = readFileSync(join(dir, 'ca.key.sealed'));
    expect(statSync(join(dir, 'ca.key.sealed')).mode & 0o777).toBe(0o600);
    expect(sealed.toString('latin1')).not.toContain('PRIVATE KEY');
    expect(await issuedBy(ca, 'localhost')).toBe(true);

    const again = await CertificateAuthority.open({ dir, keyWrap: wrap });
    expect(again.certPem).toBe(ca.certPem);
    expect(await issuedBy(again, 'example.test')).toBe(true);

    // Vault locked at start: the public cert is there, minting is refused (fail closed) until unlock.
    const locked = await CertificateAuthority.open({ dir });
    expect(locked.protection).toBe('locked');
    expect(locked.certPem).toBe(ca.certPem);
    await expect(locked.leafFor('localhost')).rejects.toMatchObject({ code: 'ca_locked' });
    await expect(locked.unlock(wrapWith(randomBytes(32)))).rejects.toMatchObject({
      code: 'ca_key_unreadable',
    });
    await locked.unlock(wrap);
    expect(locked.protection).toBe('vault');
    expect(await issuedBy(locked, 'localhost')).toBe(true);
  });

  it('migrates a plaintext ca.key from an earlier run into the sealed form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-ca-sealed-'));
    const plain = await CertificateAuthority.open({ dir });
    expect(plain.protection).toBe('file');
    expect(existsSync(join(dir, 'ca.key'))).toBe(true);
    const wrap = wrapWith(randomBytes(32));
    const sealed = await CertificateAuthority.open({ dir, keyWrap: wrap });
    expect(sealed.protection).toBe('vault');
    expect(sealed.certPem).toBe(plain.certPem);
    expect(existsSync(join(dir, 'ca.key'))).toBe(false);
    expect(existsSync(join(dir, 'ca.key.sealed'))).toBe(true);
    expect(await issuedBy(sealed, 'localhost')).toBe(true);
    const reopened = await CertificateAuthority.open({ dir, keyWrap: wrap });
    expect(await issuedBy(reopened, 'localhost')).toBe(true);
  });
});
