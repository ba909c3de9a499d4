import type { LiveTopic } from '../../../shared/api/live.js';
import { deriveKeyWrap, type KeyWrap } from './key-wrap.js';
import type { CredentialInfo, LeaseInfo, VaultStatus } from '../../../shared/api/vault.js';
import type { LedgerEventInput } from '../../../shared/events.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { Db } from '../db/database.js';
import { ConnectFlows, type ConnectFlow } from './connect.js';
import { LeaseDesk } from './lease-desk.js';
import { lockedError, usable } from './lease-errors.js';
import { CredentialBook, type SetInput } from './credential-book.js';
import type { Credential } from './credential.js';
import {
  fileProvider,
  keyringProvider,
  keySourceFromEnv,
  memoryProvider,
  type KeyProvider,
  type KeySource,
} from './key-source.js';
import { TokenEndpointError, tokenRequest } from './kinds/oauth.js';
import type { Lease, LeaseFilter, LeaseRequest } from './leases.js';
import { unlockWithPassphrase, unlockWithProvider } from './master-key.js';
import { Minter } from './mint.js';
import { Redactor } from './redactor.js';
import { VaultStore } from './store.js';
import { vaultSigningKey, type SigningKey } from './signing-key.js';

export type { Lease, LeaseRequest, LeaseScope, LeaseFilter } from './leases.js';
export type { KeyProvider } from './key-source.js';

export interface VaultLedger {
  append(e: LedgerEventInput): string;
  addRedactions(values: Iterable<string>): void;
}

export interface VaultOptions {
  dataDir: string;
  db: Db;
  /** Default: GATEHOUSE_VAULT_KEY, else the keyring where it answers, else a passphrase. */
  keySource?: KeySource;
  /** The Electron shell's safeStorage-backed key store; wins over keySource. */
  keyProvider?: KeyProvider;
  env?: NodeJS.ProcessEnv;
  ledger?: VaultLedger;
  /** Further places that must scrub secret values (the core log). */
  redactTo?: Pick<VaultLedger, 'addRedactions'>[];
  live?: { publish(topic: LiveTopic, data?: unknown): void };
  /** Injectable clock (tests). */
  now?: () => number;
  defaultLeaseTtlSeconds?: number;
  warn?: (line: string) => void;
}

/** The token vault: encrypted credentials in the core DB, short-lived scoped leases out. See README.md. */
export class Vault {
  private key: Buffer | undefined;
  private signingKey: SigningKey | undefined;
  private problem: { code: string; message: string } | undefined;
  private readonly desk: LeaseDesk;
  private readonly connects = new ConnectFlows();
  private readonly minter: Minter;
  private readonly creds: CredentialBook;
  private readonly now: () => number;
  private readonly ttlMs: number;
  readonly redactor: Redactor;

  private constructor(
    private readonly opts: VaultOptions,
    private readonly store: VaultStore,
    private readonly source: KeySource | 'provider',
    private readonly provider: KeyProvider | undefined,
  ) {
    this.now = opts.now ?? Date.now;
    this.ttlMs = (opts.defaultLeaseTtlSeconds ?? 300) * 1000;
    this.redactor = new Redactor(opts.ledger, ...(opts.redactTo ?? []));
    this.creds = new CredentialBook(store, this.redactor, () => this.key, this.now);
    this.minter = new Minter({
      now: this.now,
      storeRefreshToken: (name, token) => this.creds.storeRefreshToken(name, token),
      needsReconnect: (name, reason) => {
        this.creds.setState(name, 'reconnect_needed', reason);
        this.changed(name);
      },
      subjectToken: async (name, req) => (await this.lease({ ...req, credential: name })).value,
    });
    this.minter.currentRefreshToken = (cred) => this.creds.get(cred.name)?.secret?.value;
    this.desk = new LeaseDesk({
      now: this.now,
      ttlMs: this.ttlMs,
      minter: this.minter,
      redactor: this.redactor,
      record: (e) => this.record(e),
      changed: (data) => this.opts.live?.publish('vault.changed', data),
      exists: (name) => this.creds.get(name) !== undefined,
    });
  }

  static async open(opts: VaultOptions): Promise<Vault> {
    const store = new VaultStore(opts.db);
    const source = opts.keyProvider
      ? 'provider'
      : (opts.keySource ?? keySourceFromEnv(opts.env ?? process.env));
    const provider =
      opts.keyProvider ??
      (source === 'keyring'
        ? keyringProvider(opts.dataDir)
        : source === 'file'
          ? fileProvider(opts.dataDir)
          : source === 'memory'
            ? memoryProvider()
            : undefined);
    const vault = new Vault(opts, store, source, provider);
    if (provider) {
      if (provider.warning) (opts.warn ?? ((l: string) => console.warn(l)))(`WARNING: ${provider.warning}`);
      try {
        vault.unlocked(await unlockWithProvider(store, provider));
      } catch (e) {
        vault.problem = problemOf(e);
      }
    }
    return vault;
  }

  get locked(): boolean {
    return this.key === undefined;
  }

  /** A sealer for one purpose keyed from the master key ('ca-key' for the CA); undefined while locked. */
  keyWrap(purpose: string): KeyWrap | undefined {
    return this.key ? deriveKeyWrap(this.key, purpose) : undefined;
  }

  /**
   * The ledger's checkpoint signer, its key sealed in the vault (see signing-key.ts); undefined
   * while locked. `legacyKeyFile`: a ledger's own key file to adopt (sealed, then deleted).
   */
  checkpointSigner(legacyKeyFile?: string): SigningKey | undefined {
    if (!this.key) return undefined;
    const key = (this.signingKey ??= vaultSigningKey(
      this.store,
      deriveKeyWrap(this.key, 'ledger-signing-key'),
      legacyKeyFile,
    ));
    return {
      publicKey: key.publicKey,
      sign: (bytes) => {
        // Locked again since (not merely closed: the ledger closes last and signs a final checkpoint).
        if (this.signingKey !== key) this.assertUnlocked();
        return key.sign(bytes);
      },
    };
  }

  async unlock(passphrase: string): Promise<VaultStatus> {
    if (this.source !== 'passphrase') {
      throw new GatehouseError(
        'vault_not_passphrase',
        `This vault's key comes from the ${this.source} key source; there is nothing to unlock.`,
        409,
      );
    }
    if (!this.locked) return this.status();
    this.unlocked(await unlockWithPassphrase(this.store, passphrase));
    this.opts.live?.publish('vault.changed', { unlocked: true });
    return this.status();
  }

  /** Forgets the key, every decrypted value and every cached token. */
  lock(): void {
    if (this.source !== 'passphrase') return;
    this.revokeAll();
    this.key = undefined;
    this.signingKey = undefined;
    this.creds.clear();
    this.opts.live?.publish('vault.changed', { locked: true });
  }

  status(): VaultStatus {
    const corrupt = this.locked ? 0 : this.creds.all().filter((c) => c.state === 'corrupt').length;
    const problem =
      this.problem ??
      (corrupt
        ? {
            code: 'vault_corrupt',
            message: `${corrupt} stored credential(s) failed their integrity check; rotate or delete them (nothing was reset).`,
          }
        : undefined);
    return {
      locked: this.locked,
      keySource: this.source,
      initialized: this.store.meta('check') !== undefined,
      credentials: this.store.count(),
      activeLeases: this.desk.count(),
      ...(problem ? { problem } : {}),
      ...(this.provider?.warning ? { warning: this.provider.warning } : {}),
    };
  }

  list(): CredentialInfo[] {
    return this.creds.infos((name) => this.desk.count({ credential: name }), this.locked);
  }

  set(input: SetInput, actor = 'system'): CredentialInfo {
    this.assertUnlocked();
    const existed = this.creds.get(input.name) !== undefined;
    if (existed) this.dropCredential(input.name);
    const c = this.creds.set(input);
    this.record({
      kind: 'config',
      operation: existed ? 'vault.replace' : 'vault.create',
      status: 'ok',
      summary: `${actor} ${existed ? 'replaced' : 'created'} credential ${c.name} (${c.kind})`,
      payload: { credential: c.name, kind: c.kind, actor },
    });
    this.changed(c.name);
    return this.info(c);
  }

  rotate(input: { name: string; value: string; clientSecret?: string }, actor = 'system'): CredentialInfo {
    this.assertUnlocked();
    const revoked = this.dropCredential(input.name);
    const c = this.creds.rotate(input);
    this.record({
      kind: 'config',
      operation: 'vault.rotate',
      status: 'ok',
      summary: `${actor} rotated credential ${c.name}; ${revoked} lease(s) revoked`,
      payload: { credential: c.name, actor, leasesRevoked: revoked },
    });
    this.changed(c.name);
    return this.info(c);
  }

  delete(name: string, actor = 'system'): { deleted: boolean; leasesRevoked: number } {
    const leasesRevoked = this.dropCredential(name);
    const deleted = this.creds.remove(name);
    if (deleted) {
      this.record({
        kind: 'config',
        operation: 'vault.delete',
        status: 'ok',
        summary: `${actor} deleted credential ${name}; ${leasesRevoked} lease(s) revoked`,
        payload: { credential: name, actor, leasesRevoked },
      });
      this.changed(name);
    }
    return { deleted, leasesRevoked };
  }

  /** The gateway's call: a value for this one operation, scoped as narrowly as the kind allows. */
  async lease(req: LeaseRequest): Promise<Lease> {
    try {
      return await this.leaseOrThrow(req);
    } catch (e) {
      const code = e instanceof GatehouseError ? e.code : 'internal';
      this.record({
        kind: 'lease',
        agent: req.agent,
        service: req.service,
        operation: req.operation,
        status: 'error',
        summary: `lease of ${req.credential} refused: ${code}`,
        payload: { credential: req.credential, code },
      });
      if (e instanceof GatehouseError) throw e;
      throw new GatehouseError(
        'credential_mint_failed',
        `The vault could not mint a token for credential "${req.credential}".`,
        502,
      );
    }
  }

  /** Whether a lease is still outstanding (not expired, revoked, rotated or deleted). */
  leaseActive(id: string): boolean {
    return this.desk.isActive(id);
  }

  leases(filter: LeaseFilter = {}): LeaseInfo[] {
    return this.desk.list(filter);
  }

  /** Revokes matching leases and drops their cached tokens (kill switch, deletion, rotation). */
  revokeAll(filter: { agent?: string; service?: string; credential?: string } = {}): number {
    return this.desk.revoke(filter);
  }

  /** The kill switch's scopes (global, agent, service, agent × service) as a revocation. */
  revokeForKill(scope: { kind: string; agent?: string; service?: string }): number {
    return this.revokeAll({
      ...(scope.kind !== 'global' && scope.agent !== undefined ? { agent: scope.agent } : {}),
      ...(scope.kind !== 'global' && scope.service !== undefined ? { service: scope.service } : {}),
    });
  }

  /** Every stored or minted value the process knows: redact these wherever they could surface. */
  knownSecretValues(): string[] {
    return this.redactor.values();
  }

  /** Replaces every known secret value in text with [REDACTED:vault]. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  async connectStart(name: string, timeoutSeconds = 300): Promise<ConnectFlow> {
    this.assertUnlocked();
    const cred = this.creds.require(name);
    const c = cred.config;
    if (c.kind !== 'oauth-pkce') {
      throw new GatehouseError(
        'bad_input',
        `Credential "${name}" is ${cred.kind}; only oauth-pkce credentials connect through the browser.`,
      );
    }
    return this.connects.start({
      credential: name,
      authorizeUrl: c.authorizeUrl,
      clientId: c.clientId,
      ...(c.scopes ? { scopes: c.scopes } : {}),
      ...(c.authorizeParams ? { authorizeParams: c.authorizeParams } : {}),
      timeoutMs: timeoutSeconds * 1000,
      complete: async (code, verifier, redirectUri) => {
        const current = this.creds.require(name);
        const clientSecret = current.secret?.clientSecret;
        let r;
        try {
          r = await tokenRequest(
            {
              tokenUrl: c.tokenUrl,
              clientId: c.clientId,
              ...(c.authMethod ? { authMethod: c.authMethod } : {}),
              ...(clientSecret !== undefined ? { clientSecret } : {}),
            },
            { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri },
            this.now,
          );
        } catch (e) {
          throw e instanceof TokenEndpointError
            ? new Error(`The provider refused the code (${e.oauthError}).`)
            : e;
        }
        if (!r.refreshToken)
          throw new Error('The provider returned no refresh token (ask for offline access).');
        this.dropCredential(name);
        this.creds.storeRefreshToken(name, r.refreshToken, 'ok');
        this.redactor.add([r.token.value]);
        this.record({
          kind: 'config',
          operation: 'vault.connect',
          status: 'ok',
          summary: `credential ${name} connected on behalf of a user`,
          payload: { credential: name },
        });
        this.changed(name);
      },
    });
  }

  connectStatus(id: string): ConnectFlow | undefined {
    return this.connects.status(id);
  }

  async close(): Promise<void> {
    this.connects.close();
    this.desk.clear();
    this.creds.clear();
    this.key = undefined;
  }

  private async leaseOrThrow(req: LeaseRequest): Promise<Lease> {
    if (this.locked) throw lockedError(this.problem);
    return this.desk.issue(usable(this.creds.get(req.credential), req), req);
  }

  private unlocked(key: Buffer): void {
    this.key = key;
    this.problem = undefined;
    this.creds.load();
  }

  private dropCredential(name: string): number {
    this.minter.forget(name);
    return this.revokeAll({ credential: name });
  }

  private assertUnlocked(): void {
    if (this.locked)
      throw new GatehouseError(
        'vault_locked',
        'The vault is locked: unlock it first (`gatehouse vault unlock`).',
        503,
      );
  }

  private info(c: Credential): CredentialInfo {
    return this.creds.info(c, this.desk.count({ credential: c.name }));
  }

  private record(e: LedgerEventInput): void {
    this.opts.ledger?.append(e);
  }

  private changed(name: string): void {
    this.opts.live?.publish('vault.changed', { credential: name });
  }
}

function problemOf(e: unknown): { code: string; message: string } {
  if (e instanceof GatehouseError) return { code: e.code, message: e.message };
  return { code: 'vault_unavailable', message: 'The vault master key could not be loaded.' };
}
