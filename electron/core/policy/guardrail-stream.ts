import type { Guardrails, ScanContext, ScanResult, Where } from './guardrails.js';

/** Longest partial line held back in a line-oriented stream before falling back to a byte tail. */
const MAX_HELD_LINE = 64 * 1024;
/** Held back when the text has no line structure: longer than any built-in detector's match. */
const TAIL = 512;

/**
 * Scans a stream whose chunks may split a finding anywhere. Each push scans the text held back
 * from the last push plus the new chunk and passes on everything up to a safe cut: the end of
 * the last complete line in a line-oriented stream (SSE, NDJSON — whole events, as upstreams
 * send them, pass at once and nothing waits), else all but the last TAIL characters. A finding
 * that straddles the cut moves the cut past it; one that starts after the cut is found again,
 * whole, next time; one that reaches the end of what has arrived may still be growing (a token
 * cut mid-way, a private key block whose END line is yet to come), so it waits, from its start.
 * `flush()` passes on what is held except such a finding (an idle gap); `end()` passes on all.
 * Findings are counted towards kill thresholds only when passed on, so once each.
 */
export class GuardrailStream {
  private held = '';

  constructor(
    private readonly guardrails: Guardrails,
    private readonly where: Where,
    private readonly ctx: ScanContext,
    private readonly lineOriented: boolean,
  ) {}

  /** Characters scanned but not yet passed on. */
  get pending(): number {
    return this.held.length;
  }

  push(text: string): ScanResult {
    return this.step(this.held + text, 'more');
  }

  /** An idle gap: pass on what is held, except a finding that may still be growing. */
  flush(): ScanResult {
    return this.step(this.held, 'idle');
  }

  /** The end of the stream: pass on everything (redacted). */
  end(): ScanResult {
    return this.step(this.held, 'end');
  }

  private step(text: string, mode: 'more' | 'idle' | 'end'): ScanResult {
    const found = this.guardrails.detect(text, this.where, this.ctx);
    let cut = mode === 'more' ? this.safeCut(text) : text.length;
    for (const d of found) if (d.start < cut && d.end > cut) cut = d.end; // sorted, non-overlapping
    const last = found[found.length - 1];
    if (mode !== 'end' && last && last.end >= text.length) cut = Math.min(cut, last.start);
    const passed = found.filter((d) => d.end <= cut);
    const out = text.slice(0, cut);
    this.held = text.slice(cut);
    this.guardrails.recordFirings(passed, this.ctx);
    return this.guardrails.outcome(out, passed);
  }

  private safeCut(text: string): number {
    if (this.lineOriented) {
      const line = text.lastIndexOf('\n') + 1;
      if (text.length - line <= MAX_HELD_LINE) return line;
    }
    return Math.max(0, text.length - TAIL);
  }
}
