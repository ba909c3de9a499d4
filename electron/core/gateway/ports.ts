import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LedgerEventInput, Usage } from '../../../shared/events.js';
import type { Agent } from '../agents/registry.js';

/**
 * The small interfaces the gateway pipeline needs from its neighbours. The real classes
 * (Ledger, PolicyEngine, Limits, Guardrails, Approvals, Vault, KillSwitch, the adapters and
 * McpHub) satisfy them structurally; the composition root (app.ts) passes them in.
 */

export interface LedgerPort {
  append(e: LedgerEventInput): string;
  appendDurable(e: LedgerEventInput): Promise<string>;
  newRunId?(): string;
}

export type KillScope =
  | { kind: 'global' }
  | { kind: 'agent'; agent: string }
  | { kind: 'service'; service: string }
  | { kind: 'agent-service'; agent: string; service: string };

export interface KillSwitchPort {
  halted(agent: string, service?: string): KillScope | undefined;
}

export type Operation =
  | { type: 'llm'; provider: string; model: string }
  | { type: 'mcp'; server: string; tool: string; arguments: Record<string, unknown>; method?: string }
  | {
      type: 'http';
      method: string;
      host: string;
      path: string;
      query: Record<string, string>;
      body?: unknown;
    };

export interface PolicyService {
  name: string;
  kind: string;
}

export interface PolicyRequest {
  agent: Agent;
  service: PolicyService;
  operation: Operation;
}

export interface PolicyDecision {
  effect: 'allow' | 'deny' | 'approve';
  rule: string;
  reason: string;
  version: number;
  observed?: { effect: string; rule: string }[];
  approvalTimeoutSeconds?: number;
}

export interface PolicyPort {
  decide(r: PolicyRequest): PolicyDecision;
}

export type LimitCheck = { ok: true } | { ok: false; reason: string; rule: string };

export interface LimitsPort {
  check(agentId: string, service: string): LimitCheck;
  record(agentId: string, service: string, usage: Usage, costUsd: number | null): void;
}

export interface GuardrailScan {
  action: 'none' | 'block' | 'redact' | 'flag';
  detections: { kind: string; start: number; end: number }[];
  text: string;
}

export interface GuardrailsPort {
  scan(
    text: string,
    where: 'request' | 'response',
    ctx?: { agent?: { id: string; template: string }; service?: string },
  ): GuardrailScan;
  /** A scanner for a stream (findings split across chunks are still caught); undefined = none applies. */
  stream(
    where: 'request' | 'response',
    ctx: { agent?: { id: string; template: string }; service?: string },
    lineOriented: boolean,
  ): GuardrailStreamPort | undefined;
}

export interface GuardrailStreamPort {
  readonly pending: number;
  push(text: string): GuardrailScan;
  flush(): GuardrailScan;
  end(): GuardrailScan;
}

export interface ApprovalsPort {
  request(ctx: {
    agent: Agent;
    service: PolicyService;
    operation: Operation;
    summary: string;
    rule?: string;
    timeoutSeconds?: number;
    run?: string;
    parent?: string;
    /** Aborted when the agent gives up or the kill switch cuts the request. */
    signal?: AbortSignal;
  }): Promise<'approved' | 'denied'>;
}

export interface LeaseRequest {
  agent: string;
  service: string;
  credential: string;
  operation: string;
}

export interface Lease {
  id: string;
  credential: string;
  value: string;
  expiresAt: string;
}

export interface VaultPort {
  readonly locked: boolean;
  lease(req: LeaseRequest): Promise<Lease>;
  knownSecretValues(): string[];
  /** A sealer keyed from the vault's master key (undefined while locked); the CA key uses 'ca-key'. */
  keyWrap?(purpose: string):
    | {
        seal(plain: Buffer, aad: Buffer): Buffer | Promise<Buffer>;
        open(sealed: Buffer, aad: Buffer): Buffer | Promise<Buffer>;
      }
    | undefined;
}

/** What an adapter makes of a request body. */
export interface ParsedLlmRequest {
  model?: string;
  stream?: boolean;
  events?: LedgerEventInput[];
}

/** Fed a copy of the response bytes; never holds them back from the agent. */
export interface ResponseParserPort {
  push(chunk: Buffer): void;
  /** One already-framed event (a Responses WebSocket message). */
  pushEvent?(event: unknown): void;
  end(): { events: LedgerEventInput[]; usage?: Partial<Usage>; complete?: boolean; model?: string };
}

export interface AdapterPort {
  parseRequest(body: unknown): ParsedLlmRequest;
  responseParser(opts: { contentType: string; model?: string }): ResponseParserPort;
}

export interface AdaptersPort {
  adapterFor(serviceKind: string, path: string, host?: string): AdapterPort | undefined;
  costOf?(provider: string, model: string, usage: Partial<Usage>): number | null;
}

export interface McpHubPort {
  /** `body`: the parsed JSON body when the gateway has already read it (POST). */
  handle(req: IncomingMessage, res: ServerResponse, agent: Agent, body?: unknown): unknown;
  /** The tools this agent may see, for the in-sandbox `gate tools`. */
  tools?(
    agent: Agent,
  ): Promise<{ server: string; name: string; description?: string; inputSchema?: unknown }[]>;
}
