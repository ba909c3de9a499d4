import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real OAuth 2.0 / OIDC authorization server for tests: oidc-provider (maintained, certified)
 * on 127.0.0.1, with clients for refresh, client credentials, PKCE and RFC 8693 token exchange.
 * The only thing we add is the login step (the test "user" is always alice) and an auto-consent.
 */

interface OidcModel {
  find(value: string): Promise<{ destroy(): Promise<void>; scope?: string } | undefined>;
}
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: unknown,
    opts?: unknown,
  ): Promise<void>;
  registerGrantType(name: string, handler: (ctx: OidcCtx) => Promise<void>, params?: string[]): void;
  AccessToken: OidcModel;
  RefreshToken: OidcModel;
  ClientCredentials: OidcModel &
    (new (p: { client: unknown; scope?: string }) => { save(): Promise<string>; expiration: number });
  Grant: (new (p: { clientId: string; accountId: string }) => OidcGrant) & {
    find(id: string): Promise<OidcGrant | undefined>;
  };
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{
    prompt: {
      name: string;
      details: {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
    };
    grantId?: string;
    session?: { accountId: string };
    params: Record<string, unknown>;
  }>;
  on(event: string, fn: (...args: unknown[]) => void): void;
}
interface OidcGrant {
  addOIDCScope(s: string): void;
  addOIDCClaims(c: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}
interface OidcCtx {
  oidc: {
    params: Record<string, string | undefined>;
    client: { clientId: string };
  };
  body: unknown;
}
interface OidcModule {
  default: new (issuer: string, config: Record<string, unknown>) => OidcProvider;
  errors: { InvalidGrant: new (m: string) => Error; InvalidRequest: new (m: string) => Error };
}

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

export interface OAuthTestServer {
  issuer: string;
  tokenUrl: string;
  authorizeUrl: string;
  /** A confidential client allowed client_credentials and token exchange. */
  service: { clientId: string; clientSecret: string };
  /** A public (PKCE) client allowed authorization_code + refresh_token. */
  cli: { clientId: string };
  provider: OidcProvider;
  /** Tokens issued by the token endpoint, by grant type (to check what the vault did). */
  tokenCalls: string[];
  revokeRefreshToken(value: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function startOAuthServer(opts: { accessTokenTtl?: number } = {}): Promise<OAuthTestServer> {
  const moduleName = 'oidc-provider';
  const { default: Provider, errors } = (await import(moduleName)) as OidcModule;
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const service = { clientId: 'svc', clientSecret: `svc-secret-${randomBytes(12).toString('hex')}` };
  const cli = { clientId: 'cli' };
  const ttl = opts.accessTokenTtl ?? 600;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: cli.clientId,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
      {
        client_id: service.clientId,
        client_secret: service.clientSecret,
        grant_types: ['client_credentials', TOKEN_EXCHANGE],
        response_types: [],
        redirect_uris: [],
        scope: 'read write',
      },
    ],
    scopes: ['openid', 'read', 'write'],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      revocation: { enabled: true },
    },
    pkce: { required: () => true },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(g: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      RefreshToken: 86400,
      Grant: 86400,
      Session: 86400,
      Interaction: 600,
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    cookies: { keys: [randomBytes(16).toString('hex')] },
  });

  const tokenCalls: string[] = [];
  provider.on('grant.success', (ctx: unknown) => {
    const c = ctx as OidcCtx;
    tokenCalls.push(c.oidc.params.grant_type ?? '?');
  });

  provider.registerGrantType(
    TOKEN_EXCHANGE,
    async (ctx) => {
      const p = ctx.oidc.params;
      if (p.subject_token_type !== 'urn:ietf:params:oauth:token-type:access_token') {
        throw new errors.InvalidRequest('unsupported subject_token_type');
      }
      const subject =
        (await provider.AccessToken.find(p.subject_token ?? '')) ??
        (await provider.ClientCredentials.find(p.subject_token ?? ''));
      if (!subject) throw new errors.InvalidGrant('subject token is invalid or expired');
      const token = new provider.ClientCredentials({ client: ctx.oidc.client, scope: p.scope || undefined });
      const value = await token.save();
      ctx.body = {
        access_token: value,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: token.expiration,
        ...(p.scope ? { scope: p.scope } : {}),
      };
    },
    ['subject_token', 'subject_token_type', 'audience', 'resource', 'scope', 'requested_token_type'],
  );

  const handle = provider.callback();
  const finishInteraction = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: 'alice' } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({
          accountId: details.session?.accountId ?? 'alice',
          clientId: String(details.params.client_id),
        });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };
  server.on('request', (req, res) => {
    const m = /^\/interaction\/([\w-]+)/.exec(req.url ?? '');
    if (m) {
      // The "user" signs in as alice and consents to whatever the client asks.
      finishInteraction(req, res).catch(() => res.writeHead(500).end());
      return;
    }
    handle(req, res);
  });

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    authorizeUrl: `${issuer}/auth`,
    service,
    cli,
    provider,
    tokenCalls,
    async revokeRefreshToken(value) {
      const rt = await provider.RefreshToken.find(value);
      if (!rt) return false;
      await rt.destroy();
      return true;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/**
 * Plays the user's browser: follows the authorize URL through login and consent (carrying
 * cookies) up to the loopback redirect, which it calls like a browser would.
 */
export async function driveBrowser(authorizeUrl: string): Promise<{ status: number; body: string }> {
  const jar = new Map<string, string>();
  let url = authorizeUrl;
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    const next = res.headers.get('location');
    if (process.env.DEBUG_BROWSER) console.log(res.status, url, '->', next, res.headers.getSetCookie());
    if (res.status >= 300 && res.status < 400 && next) {
      url = new URL(next, url).href;
      continue;
    }
    return { status: res.status, body: await res.text() };
  }
  throw new Error('too many redirects');
}
