import { z } from 'zod';

/**
 * The ledger's event model, shared by the core (which writes events) and the console (which
 * shows them). The first six kinds are the agent-event classes; the rest are what Gatehouse
 * itself decided or did. See electron/core/ledger/README.md for the OpenTelemetry mapping.
 */
export const eventKinds = [
  // agent-event classes
  'prompt', // system prompt / instructions sent to a model
  'input', // user (or tool-result) turn entering a model call
  'context', // context retrieval: tool results and resources entering the context
  'tool_call', // a tool the model asked for, or an MCP tools/call through the gateway
  'output', // model output text (assistant turn), or a tool's result returned to the agent
  'action', // an HTTP request to a service, or a file written / command run reported by the agent
  'reasoning', // thinking / reasoning summaries
  // gateway
  'request', // a request arrived at a door (durable before it goes upstream)
  'response', // the upstream answered (status, usage, latency); streams record completeness
  'decision', // a policy decision (allow / deny / approve) naming its rule
  'approval', // an approval raised, answered or timed out
  'guardrail', // a guardrail detection (kind and position, never the matched value)
  'lease', // a credential lease (credential, scope, expiry — never the value)
  'limit', // a rate limit or budget refusal
  // platform
  'sandbox', // sandbox lifecycle: created, started, paused, died (exit code), removed
  'kill', // kill switch engaged or released: who, why, what was cut
  'config', // configuration change: policy applied, service added, credential rotated...
  'error', // something went wrong that is not a decision (upstream unreachable, bad input)
] as const;
export const eventKindSchema = z.enum(eventKinds);
export type EventKind = z.infer<typeof eventKindSchema>;

export const decisionEffectSchema = z.enum(['allow', 'deny', 'approve']);
export type DecisionEffect = z.infer<typeof decisionEffectSchema>;

export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative().default(0),
  outputTokens: z.number().int().nonnegative().default(0),
  cacheReadTokens: z.number().int().nonnegative().default(0),
  cacheWriteTokens: z.number().int().nonnegative().default(0),
  reasoningTokens: z.number().int().nonnegative().default(0),
});
export type Usage = z.infer<typeof usageSchema>;

/** What a component hands to the ledger. Ids, time and the hash chain are the ledger's job. */
export const ledgerEventInputSchema = z.object({
  kind: eventKindSchema,
  agent: z.string().optional(),
  sandbox: z.string().optional(),
  /** A run groups one agent session (a sandbox's life, or a host agent's conversation). */
  run: z.string().optional(),
  /** The event this one belongs under in the call tree (a response's request, a tool call's model call). */
  parent: z.string().optional(),
  service: z.string().optional(),
  /** llm:<model> | mcp:<server>/<tool> | http:<METHOD> <host><path> | a lifecycle verb. */
  operation: z.string().optional(),
  decision: decisionEffectSchema.optional(),
  rule: z.string().optional(),
  /** ok | error | denied | incomplete | ... */
  status: z.string().optional(),
  latencyMs: z.number().nonnegative().optional(),
  usage: usageSchema.partial().optional(),
  /** null = price unknown for this model. */
  costUsd: z.number().nonnegative().nullable().optional(),
  requestBytes: z.number().int().nonnegative().optional(),
  responseBytes: z.number().int().nonnegative().optional(),
  /** A short line for lists ("POST api.github.com/repos/acme/x/issues → 201"). */
  summary: z.string().optional(),
  payload: z.unknown().optional(),
});
export type LedgerEventInput = z.input<typeof ledgerEventInputSchema>;

export const ledgerEventSchema = ledgerEventInputSchema.extend({
  /** Time-ordered id (sortable as a string). */
  id: z.string(),
  seq: z.number().int(),
  /** ISO 8601. */
  ts: z.string(),
  hash: z.string(),
});
export type LedgerEvent = z.infer<typeof ledgerEventSchema>;
