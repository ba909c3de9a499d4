import { z } from 'zod';
import { procedure } from './contract.js';
import { operationSchema, policyRequestSchema } from '../policy/request.js';
import { policyProblemSchema } from '../policy/schema.js';

const yamlText = z.string().max(2 * 1024 * 1024);

export const policyVersionInfoSchema = z.object({
  version: z.number().int(),
  author: z.string(),
  createdAt: z.string(),
  note: z.string(),
  /** Unified line diff against the previous version. */
  diff: z.string(),
  rollbackOf: z.number().int().nullable(),
  rules: z.number().int(),
});
export type PolicyVersionInfoView = z.infer<typeof policyVersionInfoSchema>;

const decisionBrief = z.object({ effect: z.string(), rule: z.string() });
export const dryRunReportSchema = z.object({
  evaluated: z.number().int(),
  unchanged: z.number().int(),
  changes: z.array(
    z.object({
      index: z.number().int(),
      agent: z.string(),
      service: z.string(),
      operation: z.string(),
      before: decisionBrief,
      after: decisionBrief,
      effectChanged: z.boolean(),
    }),
  ),
  summary: z.record(z.string(), z.number()),
});
export type DryRunReportView = z.infer<typeof dryRunReportSchema>;

export const pendingApprovalSchema = z.object({
  id: z.string(),
  agent: z.object({ id: z.string(), name: z.string(), template: z.string() }),
  service: z.object({ name: z.string(), kind: z.string() }),
  operation: operationSchema,
  summary: z.string(),
  rule: z.string(),
  raisedAt: z.string(),
  expiresAt: z.string(),
});
export type PendingApprovalView = z.infer<typeof pendingApprovalSchema>;

export const limitStatusSchema = z.object({
  limit: z.string(),
  agent: z.string().optional(),
  service: z.string().optional(),
  requestsLastMinute: z.number(),
  requestsPerMinute: z.number().optional(),
  tokensToday: z.number(),
  tokensPerDay: z.number().optional(),
  costUsdToday: z.number(),
  costUsdPerDay: z.number().optional(),
  exhausted: z.boolean(),
});

export const detectionSchema = z.object({
  kind: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  guardrail: z.string(),
  action: z.enum(['block', 'redact', 'flag']),
});

export const policyProcedures = {
  'policy.get': procedure(
    'The live policy (or one version): YAML text, author, time, note; and the shadow draft if one runs.',
    z.object({ version: z.number().int().positive().optional() }).default({}),
    z.object({
      version: z.number().int(),
      yaml: z.string(),
      author: z.string(),
      createdAt: z.string(),
      note: z.string(),
      live: z.boolean(),
      shadowYaml: z.string().nullable(),
    }),
  ),
  'policy.validate': procedure(
    'Checks a policy without applying it; problems carry line and column.',
    z.object({ yaml: yamlText }),
    z.object({ ok: z.boolean(), problems: z.array(policyProblemSchema) }),
  ),
  'policy.apply': procedure(
    'Applies a policy as a new version (new requests see it; in-flight ones finish). Invalid: nothing changes.',
    z.object({ yaml: yamlText, note: z.string().max(500).default('') }),
    policyVersionInfoSchema,
  ),
  'policy.history': procedure(
    'Every applied version, newest first, with author, time, note and diff.',
    z.object({ limit: z.number().int().positive().max(1000).default(50) }).default({ limit: 50 }),
    z.object({ versions: z.array(policyVersionInfoSchema) }),
  ),
  'policy.rollback': procedure(
    'Re-applies an earlier version as a new version.',
    z.object({ version: z.number().int().positive(), note: z.string().max(500).optional() }),
    policyVersionInfoSchema,
  ),
  'policy.test': procedure(
    'Dry-run: evaluates a draft against the last N recorded requests (or the ones given) and lists every decision that would change.',
    z.object({
      yaml: yamlText,
      last: z.number().int().positive().max(10_000).default(200),
      requests: z.array(policyRequestSchema).max(10_000).optional(),
    }),
    dryRunReportSchema,
  ),
  'policy.shadow': procedure(
    'Runs a draft policy in observe mode beside the live one (decisions recorded, not enforced); null stops it.',
    z.object({ yaml: yamlText.nullable(), note: z.string().max(500).default('') }),
    z.object({ active: z.boolean() }),
  ),
  'approvals.list': procedure(
    'Requests held for approval, oldest first.',
    z.object({}).default({}),
    z.object({ pending: z.array(pendingApprovalSchema) }),
  ),
  'approvals.answer': procedure(
    'Approve or deny a held request, once or always (always writes a rule into a new policy version).',
    z.object({
      id: z.string().min(1),
      decision: z.enum(['approve', 'deny']),
      scope: z.enum(['once', 'always']).default('once'),
    }),
    z.object({
      outcome: z.enum(['approved', 'denied']),
      version: z.number().int().optional(),
      settled: z.number().int(),
    }),
  ),
  'limits.status': procedure(
    "Each limit's use: requests in the last minute, tokens and cost today, and whether it is exhausted.",
    z.object({}).default({}),
    z.object({ limits: z.array(limitStatusSchema) }),
  ),
  'guardrails.test': procedure(
    'Runs the live guardrails on a text: detections (kind and position) and the text with every detection redacted.',
    z.object({
      text: z.string().max(1024 * 1024),
      where: z.enum(['request', 'response']).default('request'),
    }),
    z.object({
      action: z.enum(['none', 'block', 'redact', 'flag']),
      detections: z.array(detectionSchema),
      redacted: z.string(),
    }),
  ),
};
