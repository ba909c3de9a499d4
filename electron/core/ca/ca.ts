import { webcrypto, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface LeafCertificate {
  certPem: string;
  keyPem: string;
  context: SecureContext;
}

/**
 * Gatehouse's own certificate authority, used to terminate intercepted CONNECT tunnels. Created
 * on first run (EC P-256); the private key stays in the data dir with mode 0600 and never
 * enters a sandbox (only ca.crt is mounted). Leaf certificates are minted per host and cached.
 * TODO(vault): encrypt ca.key with the vault's master key once the vault exposes it.
 */
export class CertificateAuthority {
  private readonly leaves = new Map<string, Promise<LeafCertificate>>();

  private constructor(
    readonly certPem: string,
    readonly certPath: string,
    private readonly cert: x509.X509Certificate,
    private readonly key: CryptoKey,
  ) {}

  static async open(opts: { dir: string; commonName?: string }): Promise<CertificateAuthority> {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    const certPath = join(opts.dir, 'ca.crt');
    const keyPath = join(opts.dir, 'ca.key');
    if (existsSync(certPath) && existsSync(keyPath)) {
      const certPem = readFileSync(certPath, 'utf8').trim();
      const key = await webcrypto.subtle.importKey(
        'pkcs8',
        pemToDer(readFileSync(keyPath, 'utf8')),
        ALG,
        false,
        ['sign'],
      );
      return new CertificateAuthority(certPem, certPath, new x509.X509Certificate(certPem), key as CryptoKey);
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
    const keyDer = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    writeFileSync(keyPath, derToPem(keyDer, 'PRIVATE KEY'), { mode: 0o600 });
    chmodSync(keyPath, 0o600);
    const certPem = cert.toString('pem').trim();
    writeFileSync(certPath, certPem + '\n', { mode: 0o644 });
    return new CertificateAuthority(certPem, certPath, cert, keys.privateKey);
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
      signingKey: this.key,
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

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

function derToPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trim()}\n-----END ${label}-----\n`;
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
