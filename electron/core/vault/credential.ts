import {
  credentialConfigSchema,
  type CredentialConfig,
  type CredentialKind,
  type CredentialState,
} from '../../../shared/api/vault.js';
import { open, seal } from './crypto.js';
import type { CredentialRow } from './store.js';

/** What is encrypted: the main value (key, refresh token, client secret, private key, subject token) and a client secret. */
export interface SecretPayload {
  value?: string;
  clientSecret?: string;
}

/** A credential as the unlocked vault holds it in memory. */
export interface Credential {
  name: string;
  kind: CredentialKind;
  config: CredentialConfig;
  hint: string;
  version: number;
  state: CredentialState;
  stateReason?: string;
  createdAt: string;
  updatedAt: string;
  /** Undefined when the row is corrupt. */
  secret?: SecretPayload;
}

/** Everything that is not encrypted is authenticated: a swapped token URL or kind fails to open. */
function aad(r: Pick<CredentialRow, 'name' | 'kind' | 'config' | 'hint' | 'version'>): Buffer {
  return Buffer.from(JSON.stringify(['gatehouse-vault:v1', r.name, r.kind, r.config, r.hint, r.version]));
}

export function sealCredential(key: Buffer, c: Credential, secret: SecretPayload): CredentialRow {
  const base = {
    name: c.name,
    kind: c.kind,
    config: JSON.stringify(c.config),
    hint: c.hint,
    version: c.version,
  };
  const sealed = seal(key, Buffer.from(JSON.stringify(secret)), aad(base));
  return {
    ...base,
    nonce: sealed.nonce,
    ciphertext: sealed.ciphertext,
    state: c.state,
    state_reason: c.stateReason ?? null,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

const CORRUPT_REASON =
  'The stored credential failed its integrity check (altered or damaged). It was kept as is: rotate or delete it.';

export function openCredential(key: Buffer, row: CredentialRow): Credential {
  let config: CredentialConfig | undefined;
  try {
    const parsed = credentialConfigSchema.safeParse(JSON.parse(row.config));
    if (parsed.success && parsed.data.kind === row.kind) config = parsed.data;
  } catch {
    config = undefined;
  }
  const plain = open(key, { nonce: row.nonce, ciphertext: row.ciphertext }, aad(row));
  let secret: SecretPayload | undefined;
  if (plain) {
    try {
      secret = JSON.parse(plain.toString('utf8')) as SecretPayload;
    } catch {
      secret = undefined;
    }
  }
  const kind = (config?.kind ?? 'static') as CredentialKind;
  const ok = config !== undefined && secret !== undefined;
  return {
    name: row.name,
    kind: ok ? kind : ((row.kind as CredentialKind) ?? kind),
    config: config ?? { kind: 'static' },
    hint: row.hint,
    version: row.version,
    state: ok ? (row.state as CredentialState) : 'corrupt',
    ...(ok ? (row.state_reason ? { stateReason: row.state_reason } : {}) : { stateReason: CORRUPT_REASON }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(ok ? { secret } : {}),
  };
}

/** A masked hint that identifies a value without revealing it: "sk-…3f9a", "…3f9a" or "•••". */
export function maskHint(kind: CredentialKind, value: string | undefined): string {
  if (value === undefined) return kind === 'oauth-pkce' ? '(not connected)' : '•••';
  if (kind === 'github-app') return 'private key';
  const v = value.trim();
  if (v.length >= 24) return `${v.slice(0, 3)}…${v.slice(-4)}`;
  if (v.length >= 12) return `…${v.slice(-4)}`;
  return '•••';
}
