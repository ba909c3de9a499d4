import type { LedgerEvent } from '../../../../shared/events.js';

export const fmtMs = (ms: number): string =>
  ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;

export const fmtUsd = (v: number | null | undefined): string =>
  v === null || v === undefined ? '—' : `$${v < 0.01 ? v.toFixed(5) : v.toFixed(3)}`;

export const fmtTime = (iso: string): string => {
  const d = new Date(iso);
  return `${d.toLocaleTimeString()}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

/** One line for an event row: its own summary, or what we can say from its fields. */
export function eventLine(e: LedgerEvent): string {
  if (e.summary) return e.summary;
  const parts = [
    e.operation,
    e.service && `(${e.service})`,
    e.decision && `→ ${e.decision}`,
    e.rule && `rule ${e.rule}`,
    e.status,
  ];
  return parts.filter(Boolean).join(' ') || e.kind;
}

export const kindTone = (e: Pick<LedgerEvent, 'kind' | 'decision' | 'status'>): string =>
  e.decision === 'deny' || e.kind === 'limit' || e.kind === 'error' || e.status === 'denied'
    ? 'bad'
    : e.decision === 'approve' || e.kind === 'approval' || e.kind === 'guardrail'
      ? 'warn'
      : e.decision === 'allow'
        ? 'ok'
        : '';
