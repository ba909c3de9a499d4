import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { GatehouseError } from '../../../../shared/errors.js';
import { assertSecureEndpoint, refreshAt, type MintedToken } from './minted.js';

/** GitHub App installation tokens, minted per operation for exactly the repositories and permissions asked. */

export interface GithubAppConfig {
  appId: string;
  installationId: string;
  apiUrl: string;
}

export interface GithubScope {
  /** "repo" or "owner/repo" (the installation's account is implied). */
  repositories?: string[];
  /** e.g. { contents: 'read', issues: 'write' } */
  permissions?: Record<string, string>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function parsePrivateKey(pem: string): KeyObject {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not rsa');
    return key;
  } catch {
    throw new GatehouseError('bad_input', 'A GitHub App credential needs the app’s RSA private key (PEM).');
  }
}

/** The App JWT (RS256): issued 60 s in the past against clock drift, valid 9 minutes (GitHub allows 10). */
export function appJwt(appId: string, key: KeyObject, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000) - 60;
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ iat, exp: iat + 600 - 60, iss: appId }));
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), key);
  return `${head}.${body}.${b64url(sig)}`;
}

export function describeGithubScope(scope: GithubScope): string {
  const repos = [...(scope.repositories ?? [])].sort().join(',');
  const perms = Object.entries(scope.permissions ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
  return [`repositories=${repos || 'all'}`, `permissions=${perms || 'installation'}`].join('; ');
}

const headers = (auth: string) => ({
  accept: 'application/vnd.github+json',
  authorization: auth,
  'x-github-api-version': '2022-11-28',
  'user-agent': 'gatehouse-vault',
});

export async function installationToken(
  config: GithubAppConfig,
  key: KeyObject,
  scope: GithubScope,
  now: () => number,
): Promise<MintedToken> {
  const base = assertSecureEndpoint(config.apiUrl);
  const api = base.href.replace(/\/$/, '');
  const body: Record<string, unknown> = {};
  if (scope.repositories?.length) body.repositories = scope.repositories.map((r) => r.split('/').pop() ?? r);
  if (scope.permissions && Object.keys(scope.permissions).length) body.permissions = scope.permissions;
  const issuedAt = now();
  let res: Response;
  try {
    res = await fetch(`${api}/app/installations/${config.installationId}/access_tokens`, {
      method: 'POST',
      headers: {
        ...headers(`Bearer ${appJwt(config.appId, key, issuedAt)}`),
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
      redirect: 'error',
    });
  } catch {
    throw new GatehouseError('credential_upstream_unreachable', `GitHub (${base.host}) did not answer.`, 502);
  }
  const json = (await res.json().catch(() => ({}))) as { token?: unknown; expires_at?: unknown };
  if (res.status === 401) {
    throw new GatehouseError(
      'credential_rejected',
      'GitHub refused the App JWT: check the app id and private key.',
      502,
    );
  }
  if (res.status === 404) {
    throw new GatehouseError(
      'credential_rejected',
      `GitHub knows no installation ${config.installationId} for this app.`,
      502,
    );
  }
  if (res.status === 422 || res.status === 403) {
    throw new GatehouseError(
      'credential_scope_refused',
      `The installation cannot grant ${describeGithubScope(scope)}.`,
      403,
    );
  }
  if (!res.ok || typeof json.token !== 'string') {
    throw new GatehouseError(
      'credential_mint_failed',
      `GitHub answered ${res.status} to the installation token request.`,
      502,
    );
  }
  const token = json.token;
  const parsed = typeof json.expires_at === 'string' ? Date.parse(json.expires_at) : NaN;
  const expiresAtMs = Number.isFinite(parsed) ? parsed : issuedAt + 3600_000;
  return {
    value: token,
    expiresAtMs,
    refreshAtMs: refreshAt(issuedAt, expiresAtMs),
    scope: describeGithubScope(scope),
    revoke: async () => {
      await fetch(`${api}/installation/token`, {
        method: 'DELETE',
        headers: headers(`token ${token}`),
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
    },
  };
}
