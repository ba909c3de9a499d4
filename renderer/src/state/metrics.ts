import { create } from 'zustand';
import type { LedgerEvent } from '../../../shared/events.js';

export const WINDOW_SECONDS = 300;

export interface Bucket {
  /** Unix seconds. */
  t: number;
  requests: number;
  denials: number;
  tokens: number;
  costUsd: number;
}

export interface Denial {
  id: string;
  ts: string;
  agent?: string;
  service?: string;
  operation?: string;
  rule?: string;
  summary?: string;
}

interface MetricsState {
  buckets: Bucket[];
  denials: Denial[];
  /** Events seen since the console opened. */
  seen: number;
  add(events: LedgerEvent[]): void;
  tick(nowSeconds: number): void;
}

const empty = (t: number): Bucket => ({ t, requests: 0, denials: 0, tokens: 0, costUsd: 0 });

/** Rolls per-second buckets forward to `now`, keeping the last WINDOW_SECONDS. */
export function roll(buckets: Bucket[], now: number): Bucket[] {
  const last = buckets.at(-1)?.t ?? now - WINDOW_SECONDS;
  if (last >= now) return buckets;
  const out = buckets.slice();
  for (let t = Math.max(last + 1, now - WINDOW_SECONDS + 1); t <= now; t++) out.push(empty(t));
  return out.slice(-WINDOW_SECONDS);
}

export function fold(buckets: Bucket[], events: LedgerEvent[]): { buckets: Bucket[]; denials: Denial[] } {
  const denials: Denial[] = [];
  const byT = new Map(buckets.map((b) => [b.t, { ...b }]));
  for (const e of events) {
    const t = Math.floor(Date.parse(e.ts) / 1000);
    const b = byT.get(t);
    const isDenial = (e.kind === 'decision' && e.decision === 'deny') || e.kind === 'limit';
    if (isDenial)
      denials.push({
        id: e.id,
        ts: e.ts,
        agent: e.agent,
        service: e.service,
        operation: e.operation,
        rule: e.rule,
        summary: e.summary,
      });
    if (!b) continue;
    if (e.kind === 'request') b.requests++;
    if (isDenial) b.denials++;
    if (e.usage)
      b.tokens += (e.usage.inputTokens ?? 0) + (e.usage.outputTokens ?? 0) + (e.usage.reasoningTokens ?? 0);
    if (typeof e.costUsd === 'number') b.costUsd += e.costUsd;
  }
  return { buckets: buckets.map((b) => byT.get(b.t) ?? b), denials };
}

/** Live figures for the overview charts, folded from the ledger stream as it arrives. */
export const useMetrics = create<MetricsState>((set) => ({
  buckets: roll([], Math.floor(Date.now() / 1000)),
  denials: [],
  seen: 0,
  add(events) {
    set((s) => {
      const rolled = roll(s.buckets, Math.floor(Date.now() / 1000));
      const { buckets, denials } = fold(rolled, events);
      return {
        buckets,
        denials: denials.length ? [...denials.reverse(), ...s.denials].slice(0, 50) : s.denials,
        seen: s.seen + events.length,
      };
    });
  },
  tick(now) {
    set((s) => ({ buckets: roll(s.buckets, now) }));
  },
}));
