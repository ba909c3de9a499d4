/** A token the vault minted (or a static value), held only in memory. */
export interface MintedToken {
  value: string;
  /** Epoch ms; Infinity for static values. */
  expiresAtMs: number;
  /** When the cache stops handing it out (shortly before expiry). */
  refreshAtMs: number;
  /** What it is good for, in words: "scope=read write", "repositories=acme/x; contents=read". */
  scope: string;
  /** Upstream revocation, where the provider has one (GitHub installation tokens). */
  revoke?: () => Promise<void>;
}

/** Refresh at 90 % of the lifetime, and at least a minute early for long-lived tokens. */
export function refreshAt(issuedAtMs: number, expiresAtMs: number): number {
  const life = expiresAtMs - issuedAtMs;
  return expiresAtMs - Math.min(60_000, Math.max(0, life * 0.1));
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '::1', 'localhost']);

/** Secrets travel over TLS; plain http only to loopback (local providers, tests). */
export function assertSecureEndpoint(url: string): URL {
  const u = new URL(url);
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) return u;
  throw new Error(`insecure endpoint ${u.protocol}//${u.host}`);
}
