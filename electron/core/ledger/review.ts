import type { LedgerEvent } from '../../../shared/events.js';
import type { RunTotals } from './queries.js';

export interface GroupStats {
  runs: number;
  /** Means per run. */
  durationMs: number;
  llmCalls: number;
  tokens: number;
  costUsd: number;
  toolCalls: number;
  denials: number;
  errors: number;
  /** How many runs ended each way. */
  outcomes: Record<string, number>;
}

export const compareMetrics = [
  'durationMs',
  'llmCalls',
  'tokens',
  'costUsd',
  'toolCalls',
  'denials',
  'errors',
] as const;
export type CompareMetric = (typeof compareMetrics)[number];

export interface Comparison {
  a: GroupStats;
  b: GroupStats;
  /** b − a per metric, and b / a where a is not zero. */
  metrics: { metric: CompareMetric; a: number; b: number; delta: number; ratio?: number }[];
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

export function groupStats(runs: RunTotals[]): GroupStats {
  const n = runs.length;
  const mean = (f: (r: RunTotals) => number): number =>
    n ? round(runs.reduce((s, r) => s + f(r), 0) / n) : 0;
  const outcomes: Record<string, number> = {};
  for (const r of runs) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return {
    runs: n,
    durationMs: mean((r) => r.durationMs),
    llmCalls: mean((r) => r.llmCalls),
    tokens: mean((r) => r.tokens),
    costUsd: mean((r) => r.costUsd),
    toolCalls: mean((r) => r.toolCalls),
    denials: mean((r) => r.denials),
    errors: mean((r) => r.errors),
    outcomes,
  };
}

/** Two runs, or two groups of runs (agent version A vs B), side by side. */
export function compareGroups(a: RunTotals[], b: RunTotals[]): Comparison {
  const sa = groupStats(a);
  const sb = groupStats(b);
  return {
    a: sa,
    b: sb,
    metrics: compareMetrics.map((metric) => ({
      metric,
      a: sa[metric],
      b: sb[metric],
      delta: round(sb[metric] - sa[metric]),
      ...(sa[metric] ? { ratio: round(sb[metric] / sa[metric]) } : {}),
    })),
  };
}

export type ReplayStep = LedgerEvent & { offsetMs: number; gapMs: number };

/** A run's events in order with their timings: offset from the run's start and gap from the previous step. */
export function replaySteps(events: LedgerEvent[], startMs: number, prevMs?: number): ReplayStep[] {
  let prev = prevMs ?? startMs;
  return events.map((e) => {
    const t = Date.parse(e.ts);
    const step = { ...e, offsetMs: t - startMs, gapMs: Math.max(0, t - prev) };
    prev = t;
    return step;
  });
}

export interface TreeNode {
  id: string;
  kind: string;
  summary?: string;
  operation?: string;
  status?: string;
  decision?: string;
  ts: string;
  latencyMs?: number;
  children: TreeNode[];
}

/** The call tree of a run from `parent` links; events whose parent is not in the run are roots. */
export function callTree(events: LedgerEvent[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const e of events)
    nodes.set(e.id, {
      id: e.id,
      kind: e.kind,
      ts: e.ts,
      ...(e.summary ? { summary: e.summary } : {}),
      ...(e.operation ? { operation: e.operation } : {}),
      ...(e.status ? { status: e.status } : {}),
      ...(e.decision ? { decision: e.decision } : {}),
      ...(e.latencyMs !== undefined ? { latencyMs: e.latencyMs } : {}),
      children: [],
    });
  const roots: TreeNode[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    const node = nodes.get(e.id) as TreeNode;
    // Only an earlier event can be a parent, so a forged link cannot make a cycle.
    const parent = e.parent && seen.has(e.parent) ? nodes.get(e.parent) : undefined;
    seen.add(e.id);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}
