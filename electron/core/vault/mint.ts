import type { KeyObject } from 'node:crypto';
import { GatehouseError } from '../../../shared/errors.js';
import type { Credential } from './credential.js';
import { installationToken, parsePrivateKey } from './kinds/github-app.js';
import type { MintedToken } from './kinds/minted.js';
import { TOKEN_EXCHANGE_GRANT, TokenEndpointError, tokenRequest, type TokenClient } from './kinds/oauth.js';
import type { LeaseRequest } from './leases.js';

/** What minting needs from the vault, without reaching into it. */
export interface MintContext {
  now(): number;
  /** Stores a rotated refresh token (re-sealed) before the new access token is used. */
  storeRefreshToken(name: string, refreshToken: string): void;
  /** Marks a credential as needing the user (expired/revoked refresh token). */
  needsReconnect(name: string, reason: string): void;
  /** Leases another credential's value (token exchange's subject token). */
  subjectToken(name: string, req: LeaseRequest): Promise<string>;
}

const reconnect = (name: string) =>
  new GatehouseError(
    'credential_reconnect_needed',
    `The provider no longer accepts the refresh token of credential "${name}" (expired or revoked). Reconnect it in the console (Vault → Reconnect) or with \`gatehouse vault connect ${name}\`.`,
    424,
  );

function refused(name: string, e: TokenEndpointError): GatehouseError {
  if (e.oauthError === 'invalid_client' || e.oauthError === 'unauthorized_client') {
    return new GatehouseError(
      'credential_rejected',
      `The provider rejected the client of credential "${name}" (${e.oauthError}): check the client id and secret.`,
      502,
    );
  }
  if (e.oauthError === 'invalid_scope' || e.oauthError === 'invalid_target') {
    return new GatehouseError(
      'credential_scope_refused',
      `The provider refused the scope asked for credential "${name}" (${e.oauthError}).`,
      403,
    );
  }
  return new GatehouseError(
    'credential_mint_failed',
    `The token endpoint refused credential "${name}" (${e.oauthError}, HTTP ${e.httpStatus}).`,
    502,
  );
}

export class Minter {
  private readonly keys = new Map<string, { pem: string; key: KeyObject }>();
  /** Refresh-token grants run one at a time per credential: with rotation, two in parallel would spend the same token. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly ctx: MintContext) {}

  async mint(cred: Credential, req: LeaseRequest): Promise<MintedToken> {
    const secret = cred.secret ?? {};
    const scope = req.scope ?? {};
    const c = cred.config;
    const clientOf = (x: {
      tokenUrl: string;
      clientId: string;
      authMethod?: TokenClient['authMethod'];
      revocationUrl?: string;
    }) => ({
      tokenUrl: x.tokenUrl,
      clientId: x.clientId,
      ...(x.revocationUrl ? { revocationUrl: x.revocationUrl } : {}),
      ...(x.authMethod ? { authMethod: x.authMethod } : {}),
      ...(secret.clientSecret !== undefined ? { clientSecret: secret.clientSecret } : {}),
    });
    const now = () => this.ctx.now();
    try {
      switch (c.kind) {
        case 'static':
          return { value: secret.value ?? '', expiresAtMs: Infinity, refreshAtMs: Infinity, scope: 'static' };
        case 'oauth-refresh':
        case 'oauth-pkce':
          return await this.serial(cred.name, async () => {
            // Read the refresh token inside the chain: the previous grant may have rotated it.
            const refreshToken = this.currentRefreshToken(cred);
            if (!refreshToken) {
              throw new GatehouseError(
                'credential_not_connected',
                `Credential "${cred.name}" is not connected yet: run \`gatehouse vault connect ${cred.name}\` or connect it in the console.`,
                424,
              );
            }
            const r = await tokenRequest(
              clientOf(c),
              { grant_type: 'refresh_token', refresh_token: refreshToken, scope: scope.scopes?.join(' ') },
              now,
            );
            if (r.refreshToken && r.refreshToken !== refreshToken)
              this.ctx.storeRefreshToken(cred.name, r.refreshToken);
            return r.token;
          });
        case 'oauth-client-credentials': {
          const r = await tokenRequest(
            { ...clientOf(c), clientSecret: secret.value ?? '' },
            {
              grant_type: 'client_credentials',
              scope: (scope.scopes ?? c.scopes)?.join(' '),
              audience: scope.audience ?? c.audience,
              resource: scope.resource,
            },
            now,
          );
          return r.token;
        }
        case 'token-exchange': {
          const subject = c.subjectCredential
            ? await this.ctx.subjectToken(c.subjectCredential, req)
            : (secret.value ?? '');
          const r = await tokenRequest(
            clientOf(c),
            {
              grant_type: TOKEN_EXCHANGE_GRANT,
              subject_token: subject,
              subject_token_type: c.subjectTokenType,
              requested_token_type: c.requestedTokenType,
              audience: scope.audience ?? c.audience,
              resource: scope.resource ?? c.resource,
              scope: (scope.scopes ?? c.scopes)?.join(' '),
            },
            now,
          );
          return r.token;
        }
        case 'github-app':
          return await installationToken(
            c,
            this.privateKey(cred.name, secret.value ?? ''),
            {
              ...(scope.repositories ? { repositories: scope.repositories } : {}),
              ...(scope.permissions ? { permissions: scope.permissions } : {}),
            },
            now,
          );
      }
    } catch (e) {
      if (!(e instanceof TokenEndpointError)) throw e;
      if (e.oauthError === 'invalid_grant' && (c.kind === 'oauth-refresh' || c.kind === 'oauth-pkce')) {
        this.ctx.needsReconnect(
          cred.name,
          'The provider refused the refresh token (expired or revoked): reconnect.',
        );
        throw reconnect(cred.name);
      }
      throw refused(cred.name, e);
    }
  }

  /** Forget cached parsed keys and pending chains for a credential (deleted or rotated). */
  forget(name: string): void {
    this.keys.delete(name);
  }

  /** The vault swaps cred.secret on rotation; the chain reads through this hook. */
  currentRefreshToken: (cred: Credential) => string | undefined = (cred) => cred.secret?.value;

  private privateKey(name: string, pem: string): KeyObject {
    const hit = this.keys.get(name);
    if (hit && hit.pem === pem) return hit.key;
    const key = parsePrivateKey(pem);
    this.keys.set(name, { pem, key });
    return key;
  }

  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.chains.set(name, settled);
    void settled.then(() => {
      if (this.chains.get(name) === settled) this.chains.delete(name);
    });
    return next;
  }
}
