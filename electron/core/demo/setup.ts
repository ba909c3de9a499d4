import { randomBytes } from 'node:crypto';
import { parseDocument, isSeq } from 'yaml';
import type { NewService } from '../../../shared/api/services.js';
import type { McpServerInput } from '../../../shared/api/mcp.js';
import type { CredentialConfigInput } from '../../../shared/api/vault.js';

/** What the demo needs from its neighbours (the real ServiceStore, McpServerStore, Vault and Policy fit). */
export interface DemoSetupDeps {
  services: {
    get(name: string): { baseUrl: string } | undefined;
    add(s: NewService, o?: { replace?: boolean }): unknown;
  };
  mcpServers?: {
    get(name: string): { url?: string } | undefined;
    add(s: McpServerInput): unknown;
    remove(name: string): boolean;
  };
  vault: {
    readonly locked: boolean;
    set(input: { name: string; config: CredentialConfigInput; value?: string }, actor?: string): unknown;
  };
  policy: {
    get(): { yaml: string };
    apply(yaml: string, meta: { author: string; note?: string }): unknown;
  };
}

export const DEMO_API_SERVICE = 'demo-api';
export const DEMO_API_CREDENTIAL = 'demo-api-token';
export const DEMO_MCP_SERVER = 'demo';
export const DEMO_BUDGET_TOKENS = 250_000;

/** The policy stanzas the scenarios rely on; added once (by id), never rewritten if the admin edited them. */
const DEMO_RULES = [
  {
    id: 'demo-helpful-docs',
    description: 'Demo: the helpful agent may search the docs through the demo MCP server.',
    effect: 'allow',
    agent: { template: 'demo-helpful' },
    mcp: { server: DEMO_MCP_SERVER, tool: 'search_docs' },
  },
  {
    id: 'demo-helpful-api-read',
    description: 'Demo: the helpful agent may read the project API status (the vault adds the token).',
    effect: 'allow',
    agent: { template: 'demo-helpful' },
    service: DEMO_API_SERVICE,
    // The service's base URL ends in /api; policy matches the upstream path.
    http: { method: 'GET', path: '/api/status' },
  },
  {
    id: 'demo-no-destructive-tools',
    description: 'Demo: nobody deletes repositories through an agent.',
    effect: 'deny',
    mcp: { server: DEMO_MCP_SERVER, tool: 'delete_*' },
  },
];
const DEMO_LIMITS = [
  {
    id: 'demo-budget',
    description: 'Demo: each agent gets this many tokens a day from the demo provider.',
    agent: '*',
    service: 'demo',
    tokensPerDay: DEMO_BUDGET_TOKENS,
  },
];

/**
 * Makes the demo world consistent with this run of the core: the project API service and the
 * MCP server point at the demo provider's current port, the API token exists only in the vault
 * (rotated to a fresh value each start; the provider is told the same value in memory), and the
 * demo policy stanzas exist. Returns the token for the provider.
 */
export function ensureDemoSetup(deps: DemoSetupDeps, providerAddress: string): string | undefined {
  const apiBase = `${providerAddress}/api`;
  if (deps.services.get(DEMO_API_SERVICE)?.baseUrl !== apiBase) {
    deps.services.add(
      {
        name: DEMO_API_SERVICE,
        kind: 'http',
        baseUrl: apiBase,
        credential: {
          credential: DEMO_API_CREDENTIAL,
          inject: { type: 'header', name: 'authorization', prefix: 'Bearer ' },
        },
      },
      { replace: true },
    );
  }
  const mcpUrl = `${providerAddress}/mcp`;
  const mcp = deps.mcpServers;
  if (mcp && mcp.get(DEMO_MCP_SERVER)?.url !== mcpUrl) {
    mcp.remove(DEMO_MCP_SERVER);
    mcp.add({ name: DEMO_MCP_SERVER, url: mcpUrl });
  }
  ensureDemoPolicy(deps.policy);
  if (deps.vault.locked) return undefined;
  const token = `demo_${randomBytes(24).toString('base64url')}`;
  deps.vault.set({ name: DEMO_API_CREDENTIAL, config: { kind: 'static' }, value: token }, 'demo');
  return token;
}

export function ensureDemoPolicy(policy: DemoSetupDeps['policy']): boolean {
  const doc = parseDocument(policy.get().yaml);
  let changed = false;
  for (const [key, items] of [
    ['rules', DEMO_RULES],
    ['limits', DEMO_LIMITS],
  ] as const) {
    let seq = doc.get(key);
    if (!isSeq(seq)) {
      doc.set(key, doc.createNode([]));
      seq = doc.get(key);
    }
    if (!isSeq(seq)) continue;
    const ids = new Set(
      seq.items.map((i) =>
        i && typeof i === 'object' && 'get' in i ? String((i as { get(k: string): unknown }).get('id')) : '',
      ),
    );
    for (const item of items) {
      if (ids.has(item.id)) continue;
      seq.items.push(doc.createNode(item));
      changed = true;
    }
  }
  if (changed)
    policy.apply(doc.toString(), { author: 'demo', note: 'Added the demo scenarios’ rules and budget.' });
  return changed;
}
