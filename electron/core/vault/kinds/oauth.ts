import { GatehouseError } from '../../../../shared/errors.js';
import { assertSecureEndpoint, refreshAt, type MintedToken } from './minted.js';

/** The OAuth 2.0 token endpoint calls the vault makes (RFC 6749 §4.1, §4.4, §6; RFC 8693). */

export interface TokenClient {
  tokenUrl: string;
  clientId: string;
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  clientSecret?: string;
  revocationUrl?: string;
}

export interface TokenResult {
  token: MintedToken;
  /** Present when the provider rotated the refresh token: the vault must store it. */
  refreshToken?: string;
}

/** A refusal from the token endpoint: `oauthError` is the RFC 6749 §5.2 code, never a value. */
export class TokenEndpointError extends Error {
  constructor(
    readonly oauthError: string,
    readonly httpStatus: number,
  ) {
    super(`token endpoint refused: ${oauthError}`);
  }
}

const DEFAULT_EXPIRES_S = 300;
const TIMEOUT_MS = 15_000;

export async function tokenRequest(
  client: TokenClient,
  params: Record<string, string | undefined>,
  now: () => number,
): Promise<TokenResult> {
  let url: URL;
  try {
    url = assertSecureEndpoint(client.tokenUrl);
  } catch {
    throw new GatehouseError(
      'credential_insecure_endpoint',
      'The token URL must be https (plain http is allowed for loopback only).',
    );
  }
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') body.set(k, v);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const method = client.authMethod ?? (client.clientSecret ? 'client_secret_basic' : 'none');
  if (method === 'client_secret_basic' && client.clientSecret !== undefined) {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(client.clientId)}:${enc(client.clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', client.clientId);
    if (method === 'client_secret_post' && client.clientSecret !== undefined)
      body.set('client_secret', client.clientSecret);
  }
  const issuedAt = now();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    });
  } catch {
    throw new GatehouseError(
      'credential_upstream_unreachable',
      `The token endpoint ${url.host} did not answer. Check the network or the credential's token URL.`,
      502,
    );
  }
  const json = ((await res.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
  if (!res.ok || typeof json.access_token !== 'string') {
    const code =
      typeof json.error === 'string' && /^[\w.-]{1,64}$/.test(json.error) ? json.error : 'invalid_response';
    throw new TokenEndpointError(code, res.status);
  }
  const expiresIn =
    typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : DEFAULT_EXPIRES_S;
  const expiresAtMs = issuedAt + expiresIn * 1000;
  const scope = typeof json.scope === 'string' ? json.scope : (params.scope ?? '');
  return {
    token: {
      value: json.access_token,
      expiresAtMs,
      refreshAtMs: refreshAt(issuedAt, expiresAtMs),
      scope: describeScope(scope, params.audience ?? params.resource),
      ...(revoker(client, json.access_token) ? { revoke: revoker(client, json.access_token) } : {}),
    },
    ...(typeof json.refresh_token === 'string' ? { refreshToken: json.refresh_token } : {}),
  };
}

/** A form body with the client's authentication (RFC 6749 §2.3.1). */
function authenticated(client: TokenClient, params: Record<string, string | undefined>) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') body.set(k, v);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const method = client.authMethod ?? (client.clientSecret ? 'client_secret_basic' : 'none');
  if (method === 'client_secret_basic' && client.clientSecret !== undefined) {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(client.clientId)}:${enc(client.clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', client.clientId);
    if (method === 'client_secret_post' && client.clientSecret !== undefined)
      body.set('client_secret', client.clientSecret);
  }
  return { body, headers };
}

/** RFC 7009 token revocation, best effort: the token is dropped from the cache either way. */
function revoker(client: TokenClient, token: string): (() => Promise<void>) | undefined {
  if (!client.revocationUrl) return undefined;
  let url: URL;
  try {
    url = assertSecureEndpoint(client.revocationUrl);
  } catch {
    return undefined;
  }
  return async () => {
    const { body, headers } = authenticated(client, { token, token_type_hint: 'access_token' });
    await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(10_000),
      redirect: 'error',
    })
      .then((r) => r.body?.cancel())
      .catch(() => undefined);
  };
}

function describeScope(scope: string, audience: string | undefined): string {
  const parts = [scope ? `scope=${scope}` : '', audience ? `audience=${audience}` : ''].filter(Boolean);
  return parts.join('; ') || 'default';
}

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
