import { webcrypto, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill
import * as x509 from '@peculiar/x509';
import { GatehouseError } from '../../../shared/errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/**
 * Seals the CA private key at rest: the vault's `keyWrap('ca-key')` (a key derived from its
 * master key), so the key is protected like the vault's secrets. `open` throws on tampering.
 */
export interface KeyWrap {
  seal(plain: Buffer, aad: Buffer): Buffer | Promise<Buffer>;
  open(sealed: Buffer, aad: Buffer): Buffer | Promise<Buffer>;
}

/** How ca.key is held: sealed by the vault, a 0600 file (no vault key available), or not loaded yet. */
export type KeyProtection = 'vault' | 'file' | 'locked';

const AAD = Buffer.from('gatehouse:ca-key:v1');

export interface LeafCertificate {
  certPem: string;
  keyPem: string;
  context: SecureContext;
}

/**
 * Gatehouse's own certificate authority, used to terminate intercepted CONNECT tunnels. Created
 * on first run (EC P-256); it never enters a sandbox (only ca.crt is mounted). With a KeyWrap
 * (the vault's master key) the private key is stored only sealed (`ca.key.sealed`); without one
 * it is a 0600 PKCS#8 file (`ca.key`), sealed and deleted the first time a KeyWrap is offered.
 * A sealed key whose wrap is not available yet (passphrase vault still locked) leaves the CA
 * locked: leafFor refuses (`ca_locked`) until unlock(). Leaf certificates are minted per host and cached.
 */
export class CertificateAuthority {
  private readonly leaves = new Map<string, Promise<LeafCertificate>>();

  private constructor(
    readonly certPem: string,
    readonly certPath: string,
    private readonly dir: string,
    private readonly cert: x509.X509Certificate,
    private key: CryptoKey | undefined,
    private protectedBy: KeyProtection,
  ) {}

  get protection(): KeyProtection {
    return this.protectedBy;
  }

  static async open(opts: {
    dir: string;
    commonName?: string;
    keyWrap?: KeyWrap;
  }): Promise<CertificateAuthority> {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const certPath = join(opts.dir, 'ca.crt');
    const plainPath = join(opts.dir, 'ca.key');
    const sealedPath = join(opts.dir, 'ca.key.sealed');
    if (existsSync(certPath) && (existsSync(plainPath) || existsSync(sealedPath))) {
      const certPem = readFileSync(certPath, 'utf8').trim();
      const ca = new CertificateAuthority(
        certPem,
        certPath,
        opts.dir,
        new x509.X509Certificate(certPem),
        undefined,
        'locked',
      );
      if (existsSync(plainPath)) {
        ca.key = await importKey(pemToDer(readFileSync(plainPath, 'utf8')));
        ca.protectedBy = 'file';
      }
      if (opts.keyWrap) await ca.unlock(opts.keyWrap);
      return ca;
    }
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=${opts.commonName ?? 'Gatehouse Local CA'}, O=Gatehouse`,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 3650 * DAY),
      signingAlgorithm: ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const keyDer = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    if (opts.keyWrap) writePrivate(sealedPath, await opts.keyWrap.seal(keyDer, AAD));
    else writePrivate(plainPath, Buffer.from(derToPem(keyDer, 'PRIVATE KEY')));
    const key = await importKey(keyDer);
    keyDer.fill(0);
    const certPem = cert.toString('pem').trim();
    writeFileSync(certPath, certPem + '\n', { mode: 0o644 });
    return new CertificateAuthority(certPem, certPath, opts.dir, cert, key, opts.keyWrap ? 'vault' : 'file');
  }

  /**
   * Offers the vault's KeyWrap: a sealed key is opened; a plaintext ca.key is sealed and the
   * plaintext file deleted. Throws (CA stays as it was) when the sealed key does not open.
   */
  async unlock(wrap: KeyWrap): Promise<void> {
    const plainPath = join(this.dir, 'ca.key');
    const sealedPath = join(this.dir, 'ca.key.sealed');
    if (existsSync(sealedPath)) {
      let der: Buffer;
      try {
        der = Buffer.from(await wrap.open(readFileSync(sealedPath), AAD));
      } catch {
        throw new GatehouseError(
          'ca_key_unreadable',
          'The CA private key could not be unsealed with the vault key.',
          500,
        );
      }
      this.key = await importKey(der);
      der.fill(0);
      this.protectedBy = 'vault';
      rmSync(plainPath, { force: true });
      return;
    }
    if (!existsSync(plainPath)) return;
    const der = pemToDer(readFileSync(plainPath, 'utf8'));
    writePrivate(sealedPath, await wrap.seal(der, AAD));
    der.fill(0);
    rmSync(plainPath, { force: true });
    this.protectedBy = 'vault';
  }

  /** A leaf certificate for host (a DNS name or an IP), cached for the life of the process. */
  leafFor(host: string): Promise<LeafCertificate> {
    const h = host.toLowerCase();
    let leaf = this.leaves.get(h);
    if (!leaf) {
      leaf = this.mint(h);
      this.leaves.set(h, leaf);
      leaf.catch(() => this.leaves.delete(h));
    }
    return leaf;
  }

  get cachedLeaves(): number {
    return this.leaves.size;
  }

  private async mint(host: string): Promise<LeafCertificate> {
    const signingKey = this.key;
    if (!signingKey)
      throw new GatehouseError('ca_locked', 'The CA key is sealed by the vault, which is locked.', 503);
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const san = isIP(host) ? { type: 'ip' as const, value: host } : { type: 'dns' as const, value: host };
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${host.replace(/[,=+<>#;"\\]/g, '')}`,
      issuer: this.cert.subject,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 90 * DAY),
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([san]),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
      ],
    });
    const certPem = cert.toString('pem');
    const keyPem = derToPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
    return {
      certPem,
      keyPem,
      context: createSecureContext({ cert: certPem + '\n' + this.certPem, key: keyPem }),
    };
  }

  /** For tests and diagnostics: Node's own view of the CA certificate. */
  nodeCertificate(): X509Certificate {
    return new X509Certificate(this.certPem);
  }
}

function importKey(der: Buffer): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']) as Promise<CryptoKey>;
}

/** Writes a private file atomically with mode 0600 (temp + rename in the 0700 dir). */
function writePrivate(path: string, data: Buffer): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

function derToPem(der: ArrayBuffer | Buffer, label: string): string {
  const b64 = (Buffer.isBuffer(der) ? der : Buffer.from(der)).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trim()}\n-----END ${label}-----\n`;
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
