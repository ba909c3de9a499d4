import { z } from 'zod';

/** What the policy sees of an operation, normalised by the gateway from whichever door it came through. */
export const operationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('llm'), provider: z.string(), model: z.string() }),
  z.object({
    type: z.literal('mcp'),
    server: z.string(),
    tool: z.string(),
    /** tools/call when omitted; also resources/read and prompts/get. */
    method: z.string().optional(),
    arguments: z.record(z.string(), z.unknown()),
  }),
  z.object({
    type: z.literal('http'),
    method: z.string(),
    host: z.string(),
    path: z.string(),
    query: z.record(z.string(), z.string()),
    body: z.unknown().optional(),
  }),
]);
export type Operation = z.infer<typeof operationSchema>;

/** The agent fields policy matches on (a structural subset of the gateway's Agent). */
export const policyAgentSchema = z.object({
  id: z.string(),
  name: z.string().default(''),
  template: z.string(),
  labels: z.record(z.string(), z.string()).default({}),
});
export type PolicyAgent = z.input<typeof policyAgentSchema>;

export const policyRequestSchema = z.object({
  agent: policyAgentSchema,
  service: z.object({ name: z.string(), kind: z.string() }),
  operation: operationSchema,
});
export type PolicyRequest = z.input<typeof policyRequestSchema>;

export const observedDecisionSchema = z.object({
  effect: z.enum(['allow', 'deny', 'approve']),
  rule: z.string(),
  /** rule: a rule in observe mode in the live policy; shadow: the whole draft policy running beside it. */
  source: z.enum(['rule', 'shadow']),
});
export type ObservedDecision = z.infer<typeof observedDecisionSchema>;

export const policyDecisionSchema = z.object({
  effect: z.enum(['allow', 'deny', 'approve']),
  /** The rule id that decided, or default-deny / policy-error. */
  rule: z.string(),
  reason: z.string(),
  /** The applied policy version that decided. */
  version: z.number().int(),
  observed: z.array(observedDecisionSchema).optional(),
  /** For approve: how long the approval may wait. */
  approvalTimeoutSeconds: z.number().optional(),
});
export type PolicyDecision = z.infer<typeof policyDecisionSchema>;

/** A short, stable rendering of an operation, the same shape as ledger events' `operation`. */
export function describeOperation(op: Operation): string {
  switch (op.type) {
    case 'llm':
      return `llm:${op.model}`;
    case 'mcp':
      return op.method && op.method !== 'tools/call'
        ? `mcp:${op.server}/${op.method}:${op.tool}`
        : `mcp:${op.server}/${op.tool}`;
    case 'http':
      return `http:${op.method.toUpperCase()} ${op.host}${op.path}`;
  }
}
