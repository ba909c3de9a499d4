import { z } from 'zod';
import { procedure } from './contract.js';
import { eventKindSchema, ledgerEventSchema } from '../events.js';

const cursor = z.string().max(40).optional();
const limit = z.number().int().min(1).max(1000).optional();
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');

export const auditFilterSchema = z.object({
  run: z.string().optional(),
  agent: z.string().optional(),
  service: z.string().optional(),
  kind: z.union([eventKindSchema, z.array(eventKindSchema)]).optional(),
  decision: z.enum(['allow', 'deny', 'approve']).optional(),
  status: z.string().optional(),
  from: iso.optional(),
  to: iso.optional(),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export const runTotalsSchema = z.object({
  run: z.string(),
  agent: z.string().optional(),
  sandbox: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: z.number(),
  events: z.number(),
  calls: z.number(),
  llmCalls: z.number(),
  toolCalls: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  tokens: z.number(),
  costUsd: z.number(),
  costUnknownCalls: z.number(),
  denials: z.number(),
  errors: z.number(),
  outcome: z.string(),
});
export type RunTotalsDto = z.infer<typeof runTotalsSchema>;

export const treeRowSchema = z.object({
  id: z.string(),
  parent: z.string().optional(),
  depth: z.number().int(),
  kind: z.string(),
  ts: z.string(),
  summary: z.string().optional(),
  operation: z.string().optional(),
  status: z.string().optional(),
  decision: z.string().optional(),
  latencyMs: z.number().optional(),
});

export const transcriptItemSchema = z.object({
  type: z.enum([
    'system',
    'user',
    'assistant',
    'reasoning',
    'tool_call',
    'tool_result',
    'decision',
    'call',
    'note',
  ]),
  eventId: z.string(),
  ts: z.string(),
  text: z.string().optional(),
  name: z.string().optional(),
  arguments: z.unknown().optional(),
  callId: z.string().optional(),
  result: z.unknown().optional(),
  effect: z.string().optional(),
  rule: z.string().optional(),
  reason: z.string().optional(),
  operation: z.string().optional(),
  status: z.string().optional(),
  latencyMs: z.number().optional(),
  inputTokens: z.number().optional(),
  outputTokens: z.number().optional(),
  costUsd: z.number().nullable().optional(),
  kind: z.string().optional(),
  summary: z.string().optional(),
});
export type TranscriptItemDto = z.infer<typeof transcriptItemSchema>;

const groupSchema = z.object({
  run: z.string().optional(),
  runs: z.array(z.string()).max(1000).optional(),
  agent: z.string().optional(),
  label: z.object({ key: z.string(), value: z.string() }).optional(),
  from: iso.optional(),
  to: iso.optional(),
});
const groupStatsSchema = z.object({
  runs: z.number(),
  durationMs: z.number(),
  llmCalls: z.number(),
  tokens: z.number(),
  costUsd: z.number(),
  toolCalls: z.number(),
  denials: z.number(),
  errors: z.number(),
  outcomes: z.record(z.string(), z.number()),
});

export const verifyResultSchema = z.object({
  ok: z.boolean(),
  message: z.string(),
  events: z.number(),
  checkpoints: z.number(),
  firstSeq: z.number().optional(),
  lastSeq: z.number().optional(),
  broken: z.object({ seq: z.number(), id: z.string().optional(), reason: z.string() }).optional(),
  warnings: z.array(z.string()),
});

export const ledgerStatusSchema = z.object({
  ok: z.boolean(),
  state: z.enum(['ok', 'unavailable', 'closed']),
  file: z.string(),
  events: z.number(),
  pending: z.number(),
  dropped: z.number(),
  lastCommitAt: z.string().optional(),
  lastCheckpointSeq: z.number(),
  /** Checkpoints wait for the vault (which holds the signing key) to be unlocked. */
  checkpointsWaiting: z.boolean().optional(),
  bytes: z.number().optional(),
  problem: z.string().optional(),
  fix: z.string().optional(),
});

const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });

export const auditProcedures = {
  'audit.runs': procedure(
    'Runs with totals (calls, tokens, cost, denials, errors, duration, outcome), newest first.',
    z
      .object({ agent: z.string().optional(), from: iso.optional(), to: iso.optional(), cursor, limit })
      .default({}),
    page(runTotalsSchema),
  ),
  'audit.run': procedure(
    "One run's totals and its call tree (pre-order, with depth).",
    z.object({ run: z.string() }),
    z.object({ run: runTotalsSchema, tree: z.array(treeRowSchema), truncated: z.boolean() }),
  ),
  'audit.timeline': procedure(
    "A run's events in order, paged.",
    z.object({ run: z.string(), cursor, limit, payload: z.boolean().optional() }),
    page(ledgerEventSchema),
  ),
  'audit.events': procedure(
    'Events matching filters (agent, service, kind, decision, status, time), newest first.',
    auditFilterSchema.extend({ cursor, limit, payload: z.boolean().optional() }).default({}),
    page(ledgerEventSchema),
  ),
  'audit.event': procedure(
    'One event in full, conversation messages inlined.',
    z.object({ id: z.string() }),
    ledgerEventSchema,
  ),
  'audit.search': procedure(
    'Full-text search over prompts, inputs, outputs, reasoning, tool arguments and results.',
    auditFilterSchema.extend({ q: z.string().min(1).max(500), cursor, limit }),
    page(ledgerEventSchema.extend({ snippet: z.string() })),
  ),
  'audit.transcript': procedure(
    'A run rebuilt as a conversation: system prompt, user turns, assistant text, reasoning, tool calls and results, decisions.',
    z.object({ run: z.string() }),
    z.object({ run: runTotalsSchema, items: z.array(transcriptItemSchema), truncated: z.boolean() }),
  ),
  'audit.replay': procedure(
    "A run's events in order with their timings (offset from the start, gap from the previous step).",
    z.object({ run: z.string(), cursor, limit }),
    page(ledgerEventSchema.extend({ offsetMs: z.number(), gapMs: z.number() })).extend({
      startedAt: z.string(),
    }),
  ),
  'audit.compare': procedure(
    'Two runs, or two groups of runs (by agent, label or list), side by side.',
    z.object({ a: groupSchema, b: groupSchema }),
    z.object({
      a: groupStatsSchema,
      b: groupStatsSchema,
      metrics: z.array(
        z.object({
          metric: z.string(),
          a: z.number(),
          b: z.number(),
          delta: z.number(),
          ratio: z.number().optional(),
        }),
      ),
    }),
  ),
  'audit.verify': procedure(
    'Recompute the hash chain and check signed checkpoints: "intact, N events" or the first broken link.',
    z.object({}).default({}),
    verifyResultSchema,
  ),
  'audit.export': procedure(
    'JSONL export of a run or a time range, paged (one JSON event per line).',
    z
      .object({ run: z.string().optional(), from: iso.optional(), to: iso.optional(), cursor, limit })
      .default({}),
    z.object({ lines: z.array(z.string()), nextCursor: z.string().optional() }),
  ),
  'audit.exportOtlp': procedure(
    'Send a run to an OpenTelemetry collector (OTLP/HTTP JSON) as gen_ai spans, its content as span events.',
    z.object({
      run: z.string(),
      url: z.url(),
      /** Prompts, inputs, outputs, reasoning and tool calls as span events (default); false = attributes only. */
      content: z.boolean().default(true),
    }),
    /** events: the content span events sent (0 with content false). */
    z.object({
      spans: z.number(),
      events: z.number(),
      status: z.number(),
      /** The run has more events than one export sends (20,000): only the first were exported. */
      truncated: z.boolean().optional(),
    }),
  ),
  'audit.prune': procedure(
    'Delete whole runs older than a cutoff (or beyond a size), checkpointing first so verify still passes.',
    z.object({
      maxAgeDays: z.number().nonnegative().optional(),
      olderThan: iso.optional(),
      maxBytes: z.number().int().positive().optional(),
    }),
    z.object({ removedEvents: z.number(), removedRuns: z.number(), anchorSeq: z.number().optional() }),
  ),
  'audit.status': procedure(
    'Whether the ledger can write, and if not why and what to do.',
    z.object({}).default({}),
    ledgerStatusSchema,
  ),
};
