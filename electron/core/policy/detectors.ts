import type { builtinDetectors } from '../../../shared/policy/schema.js';

export type DetectorName = (typeof builtinDetectors)[number];

/** A span found in a text: where and what kind, never the matched characters themselves. */
export interface Span {
  kind: string;
  start: number;
  end: number;
}

export interface Detector {
  kind: string;
  find(text: string): Span[];
}

/**
 * How much text one detector looks at. The regex runs on windows of `step + overlap` characters
 * (plus a little leading context for lookbehinds and \b), so a pattern's worst case is bounded
 * by the window, not the text; a match longer than `overlap` may be cut at a window edge. Past
 * `cap` characters nothing is scanned: the rest of the text is reported as one `unscanned` span,
 * so the guardrail's action (block / redact / flag) covers it — the guard fails closed.
 */
export interface ScanBudget {
  step: number;
  overlap: number;
  cap: number;
}
export const BUILTIN_BUDGET: ScanBudget = { step: 64 * 1024, overlap: 16 * 1024, cap: 8 * 1024 * 1024 };
export const CUSTOM_BUDGET: ScanBudget = { step: 4 * 1024, overlap: 1024, cap: 1024 * 1024 };
const CONTEXT = 64;

/** A regex detector; `group` narrows the span to one capture group (the value after its context). */
function regexDetector(
  kind: string,
  re: RegExp,
  accept?: (match: string) => boolean,
  group = 0,
  budget: ScanBudget = BUILTIN_BUDGET,
): Detector {
  const flags = re.flags.includes('g') ? re.flags : `${re.flags}g`;
  return {
    kind,
    find(text) {
      const out: Span[] = [];
      const g = new RegExp(re.source, flags);
      const end = Math.min(text.length, budget.cap);
      let lastEnd = 0;
      for (let own = 0; own < end; own += budget.step) {
        const from = Math.max(0, own - CONTEXT);
        const chunk = text.slice(from, Math.min(end, own + budget.step + budget.overlap));
        for (const m of chunk.matchAll(g)) {
          const value = m[group];
          if (!value || m.index === undefined) continue;
          const at = from + m.index;
          if (at >= own + budget.step) break; // the next window's
          if (at < own || at < lastEnd) continue; // the previous window's
          if (accept && !accept(value)) continue;
          const start = at + (group === 0 ? 0 : m[0].indexOf(value));
          out.push({ kind, start, end: start + value.length });
          lastEnd = at + m[0].length;
        }
      }
      if (text.length > end) out.push({ kind: 'unscanned', start: end, end: text.length });
      return out;
    },
  };
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function ibanValid(raw: string): boolean {
  const s = raw.replace(/ /g, '').toUpperCase();
  if (s.length < 15 || s.length > 34) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? String(code - 55) : ch;
    for (const digit of v) rem = (rem * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const CONTEXT_WORDS =
  'secret|token|passw(?:or)?d|passwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth';

export const detectors: Record<DetectorName, Detector> = {
  aws_access_key: regexDetector('aws_access_key', /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/),
  aws_secret_key: regexDetector(
    'aws_secret_key',
    /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/i,
    undefined,
    1,
  ),
  github_token: regexDetector(
    'github_token',
    /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/,
  ),
  slack_token: regexDetector(
    'slack_token',
    /\bxox[abposr]-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,}/,
  ),
  anthropic_key: regexDetector('anthropic_key', /\bsk-ant-[A-Za-z0-9_-]{20,}/),
  openai_key: regexDetector('openai_key', /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/),
  private_key: regexDetector(
    'private_key',
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]{0,8192})/,
  ),
  jwt: regexDetector('jwt', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/),
  high_entropy: regexDetector(
    'high_entropy',
    new RegExp(`(?:${CONTEXT_WORDS})[A-Za-z0-9_-]{0,40}["']?\\s*[:=]\\s*["']?([A-Za-z0-9+/=_.~-]{16,})`, 'i'),
    (v) => entropy(v) >= 3.5 && /\d/.test(v) && /[A-Za-z]/.test(v),
    1,
  ),
  email: regexDetector('email', /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/),
  card_number: regexDetector('card_number', /\b\d(?:[ -]?\d){12,18}\b/, (v) => luhn(v.replace(/[ -]/g, ''))),
  // International (+CC ...), (415) 555-0132, or 415-555-0132 / 415.555.0132: bare digit groups
  // separated by spaces are too often order numbers and amounts.
  phone_number: regexDetector(
    'phone_number',
    /(?<![\w+])(?:\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}|\(\d{3}\) ?\d{3}[-.]\d{4}|\d{3}[-.]\d{3}[-.]\d{4})(?!\w)/,
    (v) => {
      const digits = v.replace(/\D/g, '').length;
      return digits >= 9 && digits <= 15;
    },
  ),
  iban: regexDetector('iban', /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/, ibanValid),
};

/**
 * Detector order matters for overlaps: when two spans overlap the earlier-listed detector's
 * span is kept (a card number is not also reported as a phone number, a JWT not as entropy).
 */
export const detectorOrder: DetectorName[] = [
  'private_key',
  'aws_access_key',
  'aws_secret_key',
  'github_token',
  'slack_token',
  'anthropic_key',
  'openai_key',
  'jwt',
  'iban',
  'card_number',
  'email',
  'phone_number',
  'high_entropy',
];

export function customDetector(kind: string, pattern: string, flags = ''): Detector {
  const re = new RegExp(pattern, `${[...new Set(`${flags}u`)].join('')}g`);
  return regexDetector(kind, re, undefined, 0, CUSTOM_BUDGET);
}
