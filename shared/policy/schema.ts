import { z } from 'zod';
import { regexHazard } from './redos.js';

/**
 * The policy document (resources/policy/default.yaml is an example). Shared by the core, which
 * enforces it, and the console, which edits it. Deny by default: a request no enforcing rule
 * matches is denied by `default-deny`. Precedence: deny > approve > allow, except that an allow
 * rule with `settlesApproval: true` (what "approve always" writes) also settles an approve.
 */

const compiles = (source: string, flags: string): boolean => {
  try {
    new RegExp(source, flags);
    return true;
  } catch {
    return false;
  }
};
/** Why a pattern is refused: it does not compile, or it has a catastrophic-backtracking shape (redos.ts). */
export function regexProblem(source: string, flags = ''): string | undefined {
  const f = [...new Set(`${flags}u`)].join('');
  if (!compiles(source, f)) return 'Not a valid regular expression.';
  const h = regexHazard(source, f);
  if (h)
    return `This pattern can backtrack catastrophically (ReDoS): ${h.message}, at character ${h.offset + 1}. Rewrite it so a repeated part cannot also match where the next repetition starts (e.g. (\\w+\\s)+ instead of (\\w+\\s?)+).`;
  return undefined;
}
const regexSchema = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    const problem = regexProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** One glob or a list of them (`*` any run of characters; in paths `*` stays inside a segment, `**` crosses). */
export const globsSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .describe('A glob or a list of globs; a request matches if any glob does.');

export const conditionSchema = z
  .union([
    z.string(),
    z.number(),
    z.boolean(),
    z
      .object({
        equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
        in: z
          .array(z.union([z.string(), z.number(), z.boolean()]))
          .min(1)
          .optional(),
        glob: globsSchema.optional(),
        notGlob: globsSchema.optional(),
        regex: regexSchema.optional(),
        exists: z.boolean().optional(),
        max: z.number().optional(),
        min: z.number().optional(),
      })
      .strict()
      .refine((c) => Object.keys(c).length > 0, 'A condition needs at least one test.'),
  ])
  .describe('A bare value means equals; an object combines tests (all must hold).');
export type Condition = z.infer<typeof conditionSchema>;

export const agentMatchSchema = z
  .object({
    id: globsSchema.optional(),
    name: globsSchema.optional(),
    template: globsSchema.optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const llmMatchSchema = z
  .object({ model: globsSchema.optional(), provider: globsSchema.optional() })
  .strict()
  .describe('Matches LLM calls; omitted fields match anything.');
export const mcpMatchSchema = z
  .object({
    server: globsSchema.optional(),
    tool: globsSchema.optional(),
    /** tools/call (default), resources/read, prompts/get. */
    method: globsSchema.optional(),
  })
  .strict()
  .describe('Matches MCP calls; omitted fields match anything.');
export const httpMatchSchema = z
  .object({ method: globsSchema.optional(), host: globsSchema.optional(), path: globsSchema.optional() })
  .strict()
  .describe('Matches plain HTTP requests; omitted fields match anything.');

export const ruleIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'Rule ids are letters, digits and . _ : - (max 128).')
  .refine((s) => s !== 'default-deny' && s !== 'policy-error', 'This rule id is reserved.');

export const ruleSchema = z
  .object({
    id: ruleIdSchema,
    description: z.string().optional(),
    effect: z.enum(['allow', 'deny', 'approve']),
    /** observe = shadow: the rule's verdict is recorded on the decision, never enforced. */
    mode: z.enum(['enforce', 'observe']).default('enforce'),
    agent: agentMatchSchema.optional(),
    /** Service names. */
    service: globsSchema.optional(),
    /** Service kinds (anthropic, openai, mcp, http, ...). */
    serviceKind: globsSchema.optional(),
    llm: llmMatchSchema.optional(),
    mcp: mcpMatchSchema.optional(),
    http: httpMatchSchema.optional(),
    /**
     * Conditions on the operation's fields, all of which must hold: `arguments.<path>` (MCP tool
     * arguments), `query.<name>` and `body.<path>` (HTTP), `model`, `tool`, `host`, `path`, ...
     */
    when: z.record(z.string().min(1), conditionSchema).optional(),
    /** Only for allow rules: also settles an approve rule for the same request (deny still wins). */
    settlesApproval: z.boolean().optional(),
    /** Seconds an approval raised by this rule waits before it is denied. */
    approvalTimeoutSeconds: z.number().int().positive().max(86_400).optional(),
  })
  .strict()
  .refine((r) => [r.llm, r.mcp, r.http].filter(Boolean).length <= 1, {
    message: 'A rule matches one kind of operation: use at most one of llm, mcp, http.',
  })
  .refine((r) => !r.settlesApproval || r.effect === 'allow', {
    message: 'settlesApproval is only meaningful on allow rules.',
    path: ['settlesApproval'],
  });
export type PolicyRule = z.infer<typeof ruleSchema>;
export type PolicyRuleInput = z.input<typeof ruleSchema>;

export const limitSchema = z
  .object({
    id: ruleIdSchema,
    description: z.string().optional(),
    /** An agent id, or `*` for every agent counted separately. Omitted: all agents together. */
    agent: z.string().min(1).optional(),
    /** A service name, or `*` for every service counted separately. Omitted: all services together. */
    service: z.string().min(1).optional(),
    requestsPerMinute: z.number().int().positive().optional(),
    tokensPerDay: z.number().int().positive().optional(),
    costUsdPerDay: z.number().positive().optional(),
    /** refuse (default): later calls are refused; kill: also engage the kill switch for the scope. */
    onExhausted: z.enum(['refuse', 'kill']).default('refuse'),
  })
  .strict()
  .refine((l) => l.agent !== undefined || l.service !== undefined, {
    message: 'A limit needs an agent, a service or both (use "*" for each one separately).',
  })
  .refine((l) => [l.requestsPerMinute, l.tokensPerDay, l.costUsdPerDay].some((v) => v !== undefined), {
    message: 'A limit needs requestsPerMinute, tokensPerDay or costUsdPerDay.',
  });
export type PolicyLimit = z.infer<typeof limitSchema>;

export const builtinDetectors = [
  'aws_access_key',
  'aws_secret_key',
  'github_token',
  'slack_token',
  'openai_key',
  'anthropic_key',
  'private_key',
  'jwt',
  'high_entropy',
  'email',
  'card_number',
  'phone_number',
  'iban',
] as const;
export const detectorGroups = {
  secrets: builtinDetectors.slice(0, 9),
  pii: builtinDetectors.slice(9),
} as const;
export const detectorNameSchema = z.enum([...builtinDetectors, 'secrets', 'pii']);

export const guardrailSchema = z
  .object({
    id: ruleIdSchema,
    description: z.string().optional(),
    /** Built-in detectors, or the groups `secrets` and `pii`. */
    detect: z.array(detectorNameSchema).default([]),
    custom: z
      .array(
        z
          .object({
            kind: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'kind: lowercase letters, digits, _ and -.'),
            pattern: z.string().min(1),
            flags: z
              .string()
              .regex(/^[imsu]*$/, 'flags: any of i, m, s, u.')
              .optional(),
          })
          .strict()
          .superRefine((c, ctx) => {
            const problem = regexProblem(c.pattern, /^[imsu]*$/.test(c.flags ?? '') ? c.flags : '');
            if (problem) ctx.addIssue({ code: 'custom', path: ['pattern'], message: problem });
          }),
      )
      .default([]),
    on: z
      .array(z.enum(['request', 'response']))
      .min(1)
      .default(['request', 'response']),
    action: z.enum(['block', 'redact', 'flag']),
    agent: agentMatchSchema.optional(),
    service: globsSchema.optional(),
    /** Engage the agent's kill switch after this many firings within the window. */
    kill: z
      .object({ after: z.number().int().positive(), withinSeconds: z.number().int().positive().default(600) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((g) => g.detect.length + g.custom.length > 0, { message: 'A guardrail needs detect or custom.' });
export type PolicyGuardrail = z.infer<typeof guardrailSchema>;

export const policyDocumentSchema = z
  .object({
    /** The document format version (not the applied-version number, which the core assigns). */
    policy: z.literal(1),
    description: z.string().optional(),
    defaults: z
      .object({ approvalTimeoutSeconds: z.number().int().positive().max(86_400).default(120) })
      .strict()
      .default({ approvalTimeoutSeconds: 120 }),
    rules: z.array(ruleSchema).default([]),
    limits: z.array(limitSchema).default([]),
    guardrails: z.array(guardrailSchema).default([]),
  })
  .strict()
  .superRefine((doc, ctx) => {
    for (const key of ['rules', 'limits', 'guardrails'] as const) {
      const seen = new Set<string>();
      doc[key].forEach((item, i) => {
        if (seen.has(item.id))
          ctx.addIssue({ code: 'custom', path: [key, i, 'id'], message: `Duplicate id "${item.id}".` });
        seen.add(item.id);
      });
    }
  });
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type PolicyDocumentInput = z.input<typeof policyDocumentSchema>;

/** A validation problem, positioned in the YAML text (1-based line and column). */
export const policyProblemSchema = z.object({
  line: z.number().int(),
  column: z.number().int(),
  path: z.string(),
  message: z.string(),
});
export type PolicyProblem = z.infer<typeof policyProblemSchema>;
