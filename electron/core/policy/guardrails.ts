import { detectorGroups, type PolicyGuardrail } from '../../../shared/policy/schema.js';
import type { PolicyAgent } from '../../../shared/policy/request.js';
import { customDetector, detectorOrder, detectors, type Detector, type DetectorName } from './detectors.js';
import { compileGlobs, type StringTest } from './glob.js';
import type { EngageKill } from './limits.js';
import { GuardrailStream } from './guardrail-stream.js';

export type GuardrailAction = 'none' | 'block' | 'redact' | 'flag';
export type Where = 'request' | 'response';

/** One finding: kind and position in the scanned text, and which guardrail fired. Never the value. */
export interface Detection {
  kind: string;
  start: number;
  end: number;
  guardrail: string;
  action: Exclude<GuardrailAction, 'none'>;
}

export interface ScanResult {
  action: GuardrailAction;
  detections: Detection[];
  /** The text with every block/redact span replaced by [REDACTED:<kind>]; flagged spans stay. */
  text: string;
}

export interface ScanContext {
  agent?: Pick<PolicyAgent, 'id' | 'template'> & Partial<PolicyAgent>;
  service?: string;
}

interface CompiledGuardrail {
  id: string;
  action: Exclude<GuardrailAction, 'none'>;
  where: Set<Where>;
  detectors: Detector[];
  matchAgent?: (a: NonNullable<ScanContext['agent']>) => boolean;
  matchService?: StringTest;
  kill?: { after: number; withinSeconds: number };
}

const strength: Record<GuardrailAction, number> = { none: 0, flag: 1, redact: 2, block: 3 };

/**
 * The policy's guardrails: detectors for secrets and PII plus custom regexes, on requests and
 * responses. scan() reports kind and position only; when spans overlap the more specific
 * detector wins (see detectorOrder), and the strongest action wins for the whole text.
 */
export class Guardrails {
  private rules: CompiledGuardrail[] = [];
  private readonly firings = new Map<string, number[]>();

  constructor(
    rules: readonly PolicyGuardrail[],
    private readonly opts: { engageKill?: EngageKill; now?: () => Date } = {},
  ) {
    this.configure(rules);
  }

  configure(rules: readonly PolicyGuardrail[]): void {
    this.rules = rules.map(compileGuardrail);
    this.firings.clear();
  }

  setEngageKill(fn: EngageKill | undefined): void {
    this.opts.engageKill = fn;
  }

  scan(text: string, where: Where, ctx: ScanContext = {}): ScanResult {
    const detections = this.detect(text, where, ctx);
    if (!detections.length) return { action: 'none', detections, text };
    this.recordFirings(detections, ctx);
    return this.outcome(text, detections);
  }

  /**
   * A scanner for a stream whose chunks may split a finding (see guardrail-stream.ts);
   * undefined when no guardrail applies, so the stream passes untouched and nothing waits.
   */
  stream(where: Where, ctx: ScanContext, lineOriented: boolean): GuardrailStream | undefined {
    return this.applies(where, ctx) ? new GuardrailStream(this, where, ctx, lineOriented) : undefined;
  }

  /** The action these findings call for, and `text` with them redacted. */
  outcome(text: string, detections: Detection[]): ScanResult {
    if (!detections.length) return { action: 'none', detections, text };
    return { action: strongest(detections), detections, text: redactSpans(text, detections) };
  }

  /** Does any guardrail apply here? (If not, a stream need not be scanned or held back at all.) */
  applies(where: Where, ctx: ScanContext = {}): boolean {
    return this.rules.some((g) => this.matches(g, where, ctx));
  }

  /**
   * The findings in `text` (sorted, non-overlapping), without counting them towards a
   * guardrail's kill threshold: streams count only what they pass on (`recordFirings`).
   */
  detect(text: string, where: Where, ctx: ScanContext = {}): Detection[] {
    const found: {
      span: { kind: string; start: number; end: number };
      rank: number;
      g: CompiledGuardrail;
    }[] = [];
    const cache = new Map<Detector, { kind: string; start: number; end: number }[]>();
    for (const g of this.rules) {
      if (!this.matches(g, where, ctx)) continue;
      for (const d of g.detectors) {
        let spans = cache.get(d);
        if (!spans) cache.set(d, (spans = d.find(text)));
        const rank = rankOf(d.kind);
        for (const span of spans) found.push({ span, rank, g });
      }
    }
    if (!found.length) return [];
    return resolveOverlaps(found).map((k) => ({ ...k.span, guardrail: k.g.id, action: k.g.action }));
  }

  /** Counts these findings towards their guardrails' kill thresholds (once per guardrail). */
  recordFirings(detections: readonly Detection[], ctx: ScanContext): void {
    if (!detections.length) return;
    const ids = new Set(detections.map((d) => d.guardrail));
    this.countFirings(new Set(this.rules.filter((g) => ids.has(g.id))), ctx);
  }

  private matches(g: CompiledGuardrail, where: Where, ctx: ScanContext): boolean {
    if (!g.where.has(where)) return false;
    // Without a context, filtered guardrails still apply: a filter narrows, it never opens a hole.
    if (ctx.agent && g.matchAgent && !g.matchAgent(ctx.agent)) return false;
    if (ctx.service !== undefined && g.matchService && !g.matchService(ctx.service)) return false;
    return true;
  }

  private countFirings(fired: Set<CompiledGuardrail>, ctx: ScanContext): void {
    const agent = ctx.agent?.id;
    if (!agent) return;
    const now = (this.opts.now?.() ?? new Date()).getTime();
    for (const g of fired) {
      if (!g.kill) continue;
      const key = `${g.id}\u0000${agent}`;
      const w = (this.firings.get(key) ?? []).filter((t) => t > now - g.kill!.withinSeconds * 1000);
      w.push(now);
      this.firings.set(key, w);
      if (w.length >= g.kill.after && this.opts.engageKill) {
        this.firings.delete(key);
        const reason = `guardrail "${g.id}" fired ${w.length} times within ${g.kill.withinSeconds}s`;
        void Promise.resolve()
          .then(() => this.opts.engageKill?.({ kind: 'agent', agent }, reason))
          .catch(() => undefined);
      }
    }
  }
}

function compileGuardrail(g: PolicyGuardrail): CompiledGuardrail {
  const names = new Set<DetectorName>();
  for (const d of g.detect) {
    if (d === 'secrets' || d === 'pii') for (const n of detectorGroups[d]) names.add(n);
    else names.add(d);
  }
  const a = g.agent;
  const tests: ((x: NonNullable<ScanContext['agent']>) => boolean)[] = [];
  if (a?.id !== undefined) {
    const t = compileGlobs(a.id);
    tests.push((x) => t(x.id));
  }
  if (a?.template !== undefined) {
    const t = compileGlobs(a.template);
    tests.push((x) => t(x.template));
  }
  if (a?.name !== undefined) {
    const t = compileGlobs(a.name);
    tests.push((x) => t(x.name ?? ''));
  }
  if (a?.labels) {
    const wanted = Object.entries(a.labels).map(([k, v]) => [k, compileGlobs(v)] as const);
    tests.push((x) =>
      wanted.every(
        ([k, t]) => x.labels !== undefined && Object.hasOwn(x.labels, k) && t(x.labels[k] as string),
      ),
    );
  }
  return {
    id: g.id,
    action: g.action,
    where: new Set(g.on),
    detectors: [
      ...g.custom.map((c) => customDetector(c.kind, c.pattern, c.flags)),
      ...[...names].map((n) => detectors[n]),
    ],
    ...(tests.length
      ? { matchAgent: (x: NonNullable<ScanContext['agent']>) => tests.every((t) => t(x)) }
      : {}),
    ...(g.service !== undefined ? { matchService: compileGlobs(g.service) } : {}),
    ...(g.kill ? { kill: g.kill } : {}),
  };
}

/** The strongest action among these findings. */
export function strongest(detections: readonly Detection[]): GuardrailAction {
  let action: GuardrailAction = 'none';
  for (const d of detections) if (strength[d.action] > strength[action]) action = d.action;
  return action;
}

/** Custom detectors rank first (the user asked for them by name), then the built-in order. */
function rankOf(kind: string): number {
  const i = detectorOrder.indexOf(kind as DetectorName);
  return i < 0 ? -1 : i;
}

function resolveOverlaps<
  T extends { span: { start: number; end: number }; rank: number; g: CompiledGuardrail },
>(found: T[]): T[] {
  // Best first: rank, then the stronger action, then the longer span.
  const sorted = [...found].sort(
    (x, y) =>
      x.rank - y.rank ||
      strength[y.g.action] - strength[x.g.action] ||
      y.span.end - y.span.start - (x.span.end - x.span.start),
  );
  const kept: T[] = [];
  for (const f of sorted) {
    if (kept.some((k) => f.span.start < k.span.end && k.span.start < f.span.end)) continue;
    kept.push(f);
  }
  return kept.sort((x, y) => x.span.start - y.span.start);
}

/** Replaces detections (sorted, non-overlapping) by [REDACTED:<kind>]; flagged ones stay unless `all`. */
export function redactSpans(text: string, detections: readonly Detection[], all = false): string {
  let out = '';
  let at = 0;
  for (const d of detections) {
    if (d.action === 'flag' && !all) continue;
    out += text.slice(at, d.start) + `[REDACTED:${d.kind}]`;
    at = d.end;
  }
  return out + text.slice(at);
}
