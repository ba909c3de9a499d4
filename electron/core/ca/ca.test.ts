import { mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:https';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CertificateAuthority } from './ca.js';

describe('CertificateAuthority', () => {
  it('creates a CA once, keeps the key 0600, and reloads the same CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-ca-'));
    const ca = await CertificateAuthority.open({ dir });
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    const again = await CertificateAuthority.open({ dir });
    expect(again.certPem).toBe(ca.certPem);
    expect(ca.nodeCertificate().ca).toBe(true);
  });

  it('mints cached leaf certificates that a TLS client trusting the CA accepts', async () => {
    const ca = await CertificateAuthority.open({ dir: mkdtempSync(join(tmpdir(), 'gh-ca-')) });
    const leaf = await ca.leafFor('localhost');
    expect(await ca.leafFor('LOCALHOST')).toBe(leaf);
    const x = new X509Certificate(leaf.certPem);
    expect(x.checkIssued(ca.nodeCertificate())).toBe(true);
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.checkHost('example.org')).toBeUndefined();
    const ipLeaf = await ca.leafFor('127.0.0.1');
    expect(new X509Certificate(ipLeaf.certPem).checkIP('127.0.0.1')).toBe('127.0.0.1');

    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const get = (caPem: string | undefined) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            servername: 'localhost',
            path: '/',
            ca: caPem,
            headers: { host: 'localhost' },
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get(ca.certPem)).toBe('ok');
      await expect(get(undefined)).rejects.toThrow();
    } finally {
      server.close();
    }
  });
});
