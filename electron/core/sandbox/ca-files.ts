import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where distributions keep their root bundle; the first that exists is combined with Gatehouse's CA. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
  '/etc/ssl/ca-bundle.pem',
];

/**
 * Writes the public certs a sandbox trusts into <dataDir>/sandbox-ca: ca.pem (Gatehouse's CA,
 * for NODE_EXTRA_CA_CERTS) and ca-bundle.pem (system roots + Gatehouse's CA, for tools whose
 * variable replaces the default roots, so tunnelled hosts still verify). Public certs only.
 */
export function writeCaDir(dataDir: string, caCertPem: string | undefined): string | undefined {
  if (!caCertPem) return undefined;
  const dir = join(dataDir, 'sandbox-ca');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const pem = caCertPem.trim() + '\n';
  const system = SYSTEM_BUNDLES.find((p) => existsSync(p));
  const bundle = (system ? readFileSync(system, 'utf8').trim() + '\n' : '') + pem;
  writeFileSync(join(dir, 'ca.pem'), pem, { mode: 0o644 });
  writeFileSync(join(dir, 'ca-bundle.pem'), bundle, { mode: 0o644 });
  return dir;
}
