import { z } from 'zod';
import { procedure } from './contract.js';

/**
 * The token vault's control API. Secret values go IN (vault.set, vault.rotate) and never come
 * back out: every output names credentials, kinds, states and masked hints only.
 */

export const credentialKinds = [
  'static',
  'oauth-refresh',
  'oauth-client-credentials',
  'oauth-pkce',
  'github-app',
  'token-exchange',
] as const;
export const credentialKindSchema = z.enum(credentialKinds);
export type CredentialKind = z.infer<typeof credentialKindSchema>;

/** How the gateway puts a leased value on the upstream request (the service binding may override it). */
export const injectTemplateSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), name: z.string().min(1), prefix: z.string().optional() }),
  z.object({ type: z.literal('query'), name: z.string().min(1) }),
  z.object({ type: z.literal('basic'), username: z.string() }),
]);
export type InjectTemplate = z.infer<typeof injectTemplateSchema>;

const endpoint = z.url({ protocol: /^https?$/ });
const authMethod = z
  .enum(['client_secret_basic', 'client_secret_post', 'none'])
  .default('client_secret_basic');
const scopes = z.array(z.string().min(1)).optional();
/** RFC 7009: where dropped tokens are revoked upstream (kill switch, deletion, rotation). */
const revocationUrl = endpoint.optional();

export const credentialConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('static'), inject: injectTemplateSchema.optional() }),
  z.object({
    kind: z.literal('oauth-refresh'),
    tokenUrl: endpoint,
    revocationUrl,
    clientId: z.string().min(1),
    authMethod,
    scopes,
  }),
  z.object({
    kind: z.literal('oauth-client-credentials'),
    tokenUrl: endpoint,
    revocationUrl,
    clientId: z.string().min(1),
    authMethod,
    scopes,
    audience: z.string().optional(),
  }),
  z.object({
    kind: z.literal('oauth-pkce'),
    authorizeUrl: endpoint,
    tokenUrl: endpoint,
    revocationUrl,
    clientId: z.string().min(1),
    authMethod: authMethod.optional(),
    scopes,
    /** Extra authorize parameters (prompt, access_type, audience...). */
    authorizeParams: z.record(z.string(), z.string()).optional(),
  }),
  z.object({
    kind: z.literal('github-app'),
    appId: z.string().min(1),
    installationId: z.string().regex(/^\d+$/),
    apiUrl: endpoint.default('https://api.github.com'),
  }),
  z.object({
    kind: z.literal('token-exchange'),
    tokenUrl: endpoint,
    revocationUrl,
    clientId: z.string().min(1),
    authMethod,
    audience: z.string().optional(),
    resource: z.string().optional(),
    scopes,
    subjectTokenType: z.string().default('urn:ietf:params:oauth:token-type:access_token'),
    requestedTokenType: z.string().optional(),
    /** Take the subject token from another credential's lease instead of a stored value. */
    subjectCredential: z.string().optional(),
  }),
]);
export type CredentialConfig = z.output<typeof credentialConfigSchema>;
export type CredentialConfigInput = z.input<typeof credentialConfigSchema>;

/**
 * ok: usable. not_connected: an on-behalf-of credential waiting for `vault.connect.start`.
 * reconnect_needed: the provider refused the refresh token (expired, revoked): connect again or rotate.
 * corrupt: the stored row failed authentication; it is kept as is (never silently reset) until rotated or deleted.
 */
export const credentialStateSchema = z.enum(['ok', 'not_connected', 'reconnect_needed', 'corrupt']);
export type CredentialState = z.infer<typeof credentialStateSchema>;

export const credentialNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash and underscore (max 64)');

export const credentialInfoSchema = z.object({
  name: z.string(),
  kind: credentialKindSchema,
  /** Masked: "sk-…3f9a", "…3f9a" or "•••" for short values. */
  hint: z.string(),
  state: credentialStateSchema,
  /** Why the state is what it is, in a sentence (never a value). */
  stateReason: z.string().optional(),
  config: credentialConfigSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  activeLeases: z.number().int(),
});
export type CredentialInfo = z.infer<typeof credentialInfoSchema>;

export const keySourceSchema = z.enum(['keyring', 'file', 'passphrase', 'memory', 'provider']);
export type KeySourceName = z.infer<typeof keySourceSchema>;

export const vaultStatusSchema = z.object({
  locked: z.boolean(),
  keySource: keySourceSchema,
  /** False until the first key is created or the first passphrase is set. */
  initialized: z.boolean(),
  credentials: z.number().int(),
  activeLeases: z.number().int(),
  /** A problem the user has to act on (wrong key, corrupt rows), with what to do. */
  problem: z.object({ code: z.string(), message: z.string() }).optional(),
  warning: z.string().optional(),
});
export type VaultStatus = z.infer<typeof vaultStatusSchema>;

export const leaseInfoSchema = z.object({
  id: z.string(),
  agent: z.string(),
  service: z.string(),
  credential: z.string(),
  operation: z.string(),
  scope: z.string(),
  issuedAt: z.string(),
  expiresAt: z.string(),
});
export type LeaseInfo = z.infer<typeof leaseInfoSchema>;

export const connectStateSchema = z.enum(['pending', 'connected', 'failed', 'expired']);

const secretValue = z.string().min(1).max(65536);

export const vaultProcedures = {
  'vault.status': procedure(
    'Whether the vault is locked, where its master key comes from, and any problem to fix.',
    z.object({}).default({}),
    vaultStatusSchema,
  ),
  'vault.list': procedure(
    'Credentials with kind, state and a masked hint (never a value).',
    z.object({}).default({}),
    z.object({ credentials: z.array(credentialInfoSchema) }),
  ),
  'vault.set': procedure(
    'Creates or replaces a credential. The value is stored encrypted and never echoed back.',
    z.object({
      name: credentialNameSchema,
      config: credentialConfigSchema,
      /** static: the key; oauth-refresh: the refresh token; client credentials: the client secret;
       * github-app: the PEM private key; token-exchange: the subject token. oauth-pkce: none (connect). */
      value: secretValue.optional(),
      /** The OAuth client secret where the kind has one besides its main value. */
      clientSecret: secretValue.optional(),
    }),
    credentialInfoSchema,
  ),
  'vault.rotate': procedure(
    'Replaces a credential value, revoking its leases and dropping cached tokens.',
    z.object({ name: credentialNameSchema, value: secretValue, clientSecret: secretValue.optional() }),
    credentialInfoSchema,
  ),
  'vault.delete': procedure(
    'Deletes a credential, revoking its leases and dropping cached tokens.',
    z.object({ name: credentialNameSchema }),
    z.object({ deleted: z.boolean(), leasesRevoked: z.number().int() }),
  ),
  'vault.connect.start': procedure(
    'Starts an on-behalf-of (authorization code + PKCE) connection: open authorizeUrl in the system browser.',
    z.object({ name: credentialNameSchema, timeoutSeconds: z.number().int().min(10).max(3600).default(300) }),
    z.object({ id: z.string(), authorizeUrl: z.string(), redirectUri: z.string(), expiresAt: z.string() }),
  ),
  'vault.connect.status': procedure(
    'The state of a connection started with vault.connect.start.',
    z.object({ id: z.string() }),
    z.object({
      id: z.string(),
      credential: z.string(),
      state: connectStateSchema,
      error: z.string().optional(),
    }),
  ),
  'vault.leases': procedure(
    'Outstanding leases (agent, credential, scope, expiry; never the value).',
    z.object({ agent: z.string().optional(), credential: z.string().optional() }).default({}),
    z.object({ leases: z.array(leaseInfoSchema) }),
  ),
  'vault.revoke': procedure(
    'Revokes outstanding leases (all, or one agent / service) and drops their cached tokens.',
    z.object({ agent: z.string().optional(), service: z.string().optional() }).default({}),
    z.object({ revoked: z.number().int() }),
  ),
  'vault.unlock': procedure(
    'Unlocks a passphrase vault (sets the passphrase on first use).',
    z.object({ passphrase: z.string().min(8).max(1024) }),
    vaultStatusSchema,
  ),
};
