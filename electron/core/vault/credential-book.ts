import type {
  CredentialConfig,
  CredentialConfigInput,
  CredentialInfo,
  CredentialState,
} from '../../../shared/api/vault.js';
import { credentialConfigSchema } from '../../../shared/api/vault.js';
import { GatehouseError } from '../../../shared/errors.js';
import {
  maskHint,
  openCredential,
  sealCredential,
  type Credential,
  type SecretPayload,
} from './credential.js';
import { parsePrivateKey } from './kinds/github-app.js';
import { pemParts, type Redactor } from './redactor.js';
import type { VaultStore } from './store.js';

export interface SetInput {
  name: string;
  config: CredentialConfig | CredentialConfigInput;
  value?: string;
  clientSecret?: string;
}

/** The unlocked vault's credentials in memory, written through to the store sealed. */
export class CredentialBook {
  private readonly creds = new Map<string, Credential>();

  constructor(
    private readonly store: VaultStore,
    private readonly redactor: Redactor,
    private readonly key: () => Buffer | undefined,
    private readonly now: () => number,
  ) {}

  load(): void {
    const key = this.mustKey();
    this.creds.clear();
    for (const row of this.store.all()) {
      const c = openCredential(key, row);
      this.creds.set(c.name, c);
      this.remember(c);
    }
  }

  clear(): void {
    this.creds.clear();
  }

  get(name: string): Credential | undefined {
    return this.creds.get(name);
  }

  require(name: string): Credential {
    const c = this.creds.get(name);
    if (!c) throw new GatehouseError('credential_not_found', `No credential named "${name}".`, 404);
    return c;
  }

  all(): Credential[] {
    return [...this.creds.values()];
  }

  set(input: SetInput): Credential {
    const config = credentialConfigSchema.parse(input.config);
    validateValue(config, input.value);
    const prev = this.creds.get(input.name);
    const ts = new Date(this.now()).toISOString();
    const value = config.kind === 'oauth-pkce' ? undefined : input.value;
    const c: Credential = {
      name: input.name,
      kind: config.kind,
      config,
      hint: maskHint(config.kind, value),
      version: (prev?.version ?? 0) + 1,
      state: config.kind === 'oauth-pkce' ? 'not_connected' : 'ok',
      createdAt: prev?.createdAt ?? ts,
      updatedAt: ts,
    };
    return this.write(c, { ...(value !== undefined ? { value } : {}), ...clientSecretOf(input) });
  }

  rotate(input: { name: string; value: string; clientSecret?: string }): Credential {
    const prev = this.require(input.name);
    if (prev.state === 'corrupt') {
      throw new GatehouseError(
        'vault_corrupt',
        `Credential "${input.name}" is corrupt, so its settings cannot be trusted: re-create it with \`gatehouse vault set\` (full settings) or delete it.`,
        409,
      );
    }
    validateValue(prev.config, input.value);
    const clientSecret = input.clientSecret ?? prev.secret?.clientSecret;
    return this.write(
      {
        ...prev,
        hint: maskHint(prev.kind, input.value),
        version: prev.version + 1,
        state: 'ok',
        stateReason: undefined,
        updatedAt: new Date(this.now()).toISOString(),
      },
      { value: input.value, ...(clientSecret !== undefined ? { clientSecret } : {}) },
    );
  }

  /** A rotated (or newly connected) refresh token replaces the stored one before it is used again. */
  storeRefreshToken(name: string, refreshToken: string, state?: CredentialState): void {
    const prev = this.require(name);
    const clientSecret = prev.secret?.clientSecret;
    this.write(
      {
        ...prev,
        hint: maskHint(prev.kind, refreshToken),
        version: prev.version + 1,
        state: state ?? prev.state,
        ...(state === 'ok' ? { stateReason: undefined } : {}),
        updatedAt: new Date(this.now()).toISOString(),
      },
      { value: refreshToken, ...(clientSecret !== undefined ? { clientSecret } : {}) },
    );
  }

  setState(name: string, state: CredentialState, reason: string): void {
    const c = this.creds.get(name);
    if (!c) return;
    c.state = state;
    c.stateReason = reason;
    this.store.setState(name, state, reason);
  }

  remove(name: string): boolean {
    this.creds.delete(name);
    return this.store.remove(name);
  }

  info(c: Credential, activeLeases: number): CredentialInfo {
    return {
      name: c.name,
      kind: c.kind,
      hint: c.hint,
      state: c.state,
      ...(c.stateReason ? { stateReason: c.stateReason } : {}),
      config: c.config,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      activeLeases,
    };
  }

  /** Listing works while locked too: names, kinds and hints are stored in the clear (authenticated). */
  infos(leases: (name: string) => number, locked: boolean): CredentialInfo[] {
    if (!locked) return this.all().map((c) => this.info(c, leases(c.name)));
    return this.store.all().map((row) => {
      const parsed = safeConfig(row.config);
      return {
        name: row.name,
        kind: parsed?.kind ?? 'static',
        hint: row.hint,
        state: (row.state as CredentialState) ?? 'ok',
        stateReason: 'The vault is locked.',
        config: parsed ?? { kind: 'static' },
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        activeLeases: 0,
      };
    });
  }

  private write(c: Credential, secret: SecretPayload): Credential {
    const row = sealCredential(this.mustKey(), c, secret);
    const stored: Credential = { ...c, secret };
    if (stored.stateReason === undefined) delete stored.stateReason;
    this.remember(stored);
    this.store.put(row);
    this.creds.set(c.name, stored);
    return stored;
  }

  private remember(c: Credential): void {
    const v = c.secret?.value;
    this.redactor.add([...(v && c.kind === 'github-app' ? pemParts(v) : [v]), c.secret?.clientSecret]);
  }

  private mustKey(): Buffer {
    const k = this.key();
    if (!k) throw new GatehouseError('vault_locked', 'The vault is locked.', 503);
    return k;
  }
}

function clientSecretOf(input: { clientSecret?: string }): SecretPayload {
  return input.clientSecret !== undefined ? { clientSecret: input.clientSecret } : {};
}

function safeConfig(raw: string): CredentialConfig | undefined {
  try {
    const p = credentialConfigSchema.safeParse(JSON.parse(raw));
    return p.success ? p.data : undefined;
  } catch {
    return undefined;
  }
}

function validateValue(config: CredentialConfig, value: string | undefined): void {
  const needs =
    config.kind === 'oauth-pkce'
      ? false
      : config.kind === 'token-exchange'
        ? !config.subjectCredential
        : true;
  if (needs && !value) {
    throw new GatehouseError(
      'bad_input',
      `A ${config.kind} credential needs a value (read from stdin by the CLI).`,
    );
  }
  if (config.kind === 'github-app' && value) parsePrivateKey(value);
}
