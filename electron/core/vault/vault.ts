import { randomUUID } from 'node:crypto';
import type { LiveTopic } from '../../../shared/api/live.js';
import type { CredentialInfo, LeaseInfo, VaultStatus } from '../../../shared/api/vault.js';
import type { LedgerEventInput } from '../../../shared/events.js';
import { GatehouseError } from '../../../shared/errors.js';
import type { Db } from '../db/database.js';
import { ConnectFlows, type ConnectFlow } from './connect.js';
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
import type { MintedToken } from './kinds/minted.js';
import { TokenEndpointError, tokenRequest } from './kinds/oauth.js';
import { LeaseBook, leaseMatches, type Lease, type LeaseFilter, type LeaseRequest } from './leases.js';
import { unlockWithPassphrase, unlockWithProvider } from './master-key.js';
import { Minter } from './mint.js';
import { Redactor } from './redactor.js';
import { VaultStore } from './store.js';

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

interface CacheEntry extends MintedToken {
  agent: string;
  service: string;
  credential: string;
}

interface PendingMint {
  agent: string;
  service: string;
  credential: string;
  cancelled: boolean;
}

/** The token vault: encrypted credentials in the core DB, short-lived scoped leases out. See README.md. */
export class Vault {
  private key: Buffer | undefined;
  private problem: { code: string; message: string } | undefined;
  private readonly leaseBook = new LeaseBook();
  private readonly cache = new Map<string, CacheEntry>();
  /** The current lease per (credential, agent, service, scope): reused during its first half-life. */
  private readonly held = new Map<string, { lease: Lease; renewAtMs: number }>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();
  private readonly pending = new Set<PendingMint>();
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
      activeLeases: this.leaseBook.count(this.now()),
      ...(problem ? { problem } : {}),
      ...(this.provider?.warning ? { warning: this.provider.warning } : {}),
    };
  }

  list(): CredentialInfo[] {
    const now = this.now();
    return this.creds.infos((name) => this.leaseBook.count(now, { credential: name }), this.locked);
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
    return this.leaseBook.isActive(id, this.now());
  }

  leases(filter: LeaseFilter = {}): LeaseInfo[] {
    return this.leaseBook.list(this.now(), filter);
  }

  /** Revokes matching leases and drops their cached tokens (kill switch, deletion, rotation). */
  revokeAll(filter: { agent?: string; service?: string; credential?: string } = {}): number {
    for (const p of this.pending) if (leaseMatches(p, filter)) p.cancelled = true;
    for (const [k, entry] of this.cache) {
      if (!leaseMatches(entry, filter)) continue;
      this.cache.delete(k);
      void entry.revoke?.();
    }
    const n = this.leaseBook.revoke(filter, this.now());
    for (const [k, h] of this.held) if (!this.leaseBook.isActive(h.lease.id, this.now())) this.held.delete(k);
    if (n > 0) {
      this.record({
        kind: 'lease',
        status: 'revoked',
        ...(filter.agent ? { agent: filter.agent } : {}),
        ...(filter.service ? { service: filter.service } : {}),
        summary: `${n} lease(s) revoked${filter.credential ? ` for ${filter.credential}` : ''}`,
        payload: { ...filter, revoked: n },
      });
      this.opts.live?.publish('vault.changed', { leasesRevoked: n });
    }
    return n;
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
    this.cache.clear();
    this.creds.clear();
    this.key = undefined;
  }

  private async leaseOrThrow(req: LeaseRequest): Promise<Lease> {
    if (this.locked) {
      throw new GatehouseError(
        'vault_locked',
        this.problem
          ? `The vault is locked (${this.problem.code}): ${this.problem.message}`
          : 'The vault is locked: unlock it with `gatehouse vault unlock` (or in the console) and retry.',
        503,
      );
    }
    const cred = this.creds.get(req.credential);
    if (!cred) {
      throw new GatehouseError(
        'credential_not_found',
        `Service "${req.service}" is bound to credential "${req.credential}", which does not exist (deleted?). Create it with \`gatehouse vault set ${req.credential}\` or bind the service to another credential.`,
        424,
      );
    }
    if (cred.state === 'corrupt') {
      throw new GatehouseError(
        'vault_corrupt',
        `Credential "${cred.name}" failed its integrity check; rotate or re-create it.`,
        500,
      );
    }
    if (cred.state === 'reconnect_needed') {
      throw new GatehouseError(
        'credential_reconnect_needed',
        `Credential "${cred.name}" must be reconnected: \`gatehouse vault connect ${cred.name}\` or Vault → Reconnect in the console.`,
        424,
      );
    }
    const now = this.now();
    const s = req.scope;
    const scopeKey = s
      ? JSON.stringify([
          s.scopes,
          s.audience,
          s.resource,
          s.repositories?.slice().sort(),
          s.permissions && Object.entries(s.permissions).sort(),
        ])
      : '';
    const cacheKey = `${cred.name}\0${req.agent}\0${req.service}\0${scopeKey}`;
    let token: CacheEntry | undefined = this.cache.get(cacheKey);
    let minted = false;
    if (!token || token.refreshAtMs <= now) {
      token = await this.mintShared(cacheKey, cred, req);
      minted = true;
    }
    // A lease covers this agent's operations on this service with this scope while it is in its first
    // half-life: the per-request path then costs a lookup, and the ledger gets one event per lease.
    const heldKey = s?.ttlSeconds ? `${cacheKey}\0${s.ttlSeconds}` : cacheKey;
    const held = this.held.get(heldKey);
    if (
      held &&
      held.renewAtMs > now &&
      held.lease.value === token.value &&
      this.leaseBook.isActive(held.lease.id, now)
    ) {
      return held.lease;
    }
    const ttlMs = Math.min(s?.ttlSeconds ? s.ttlSeconds * 1000 : this.ttlMs, token.expiresAtMs - now);
    const expiresAtMs = now + ttlMs;
    const info: LeaseInfo = {
      id: randomUUID(),
      agent: req.agent,
      service: req.service,
      credential: cred.name,
      operation: req.operation,
      scope: token.scope,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(expiresAtMs).toISOString(),
    };
    this.leaseBook.add(info, expiresAtMs, now);
    this.record({
      kind: 'lease',
      agent: req.agent,
      service: req.service,
      operation: req.operation,
      status: 'ok',
      summary: `${cred.name} leased (${token.scope}) until ${info.expiresAt}`,
      payload: {
        lease: info.id,
        credential: cred.name,
        kind: cred.kind,
        scope: token.scope,
        expiresAt: info.expiresAt,
        minted,
      },
    });
    const lease: Lease = Object.freeze({
      id: info.id,
      credential: cred.name,
      value: token.value,
      expiresAt: info.expiresAt,
      scope: token.scope,
    });
    if (this.held.size > 100_000) this.held.clear();
    this.held.set(heldKey, { lease, renewAtMs: now + ttlMs / 2 });
    return lease;
  }

  /** One mint per cache key at a time; a revocation during the mint fails it closed. */
  private async mintShared(cacheKey: string, cred: Credential, req: LeaseRequest): Promise<CacheEntry> {
    const pending: PendingMint = {
      agent: req.agent,
      service: req.service,
      credential: cred.name,
      cancelled: false,
    };
    this.pending.add(pending);
    try {
      let p = this.inflight.get(cacheKey);
      if (!p) {
        p = this.minter.mint(cred, req).then((t) => {
          this.redactor.add([t.value]);
          return { ...t, agent: req.agent, service: req.service, credential: cred.name };
        });
        this.inflight.set(cacheKey, p);
        void p.then(
          (entry) => {
            this.inflight.delete(cacheKey);
            if (!pending.cancelled && this.creds.get(cred.name)) this.cache.set(cacheKey, entry);
            else void entry.revoke?.();
          },
          () => this.inflight.delete(cacheKey),
        );
      }
      const entry = await p;
      if (pending.cancelled) {
        throw new GatehouseError(
          'lease_revoked',
          `Leases of credential "${cred.name}" were revoked while this one was minted.`,
          409,
        );
      }
      return entry;
    } finally {
      this.pending.delete(pending);
    }
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
    return this.creds.info(c, this.leaseBook.count(this.now(), { credential: c.name }));
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
