/** Well-known credential shapes, redacted even when nobody registered the value (defence in depth). */
const PATTERNS: [RegExp, string][] = [
  [/sk-ant-[A-Za-z0-9_-]{20,}/g, 'anthropic-key'],
  [/\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}/g, 'openai-key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}/g, 'github-token'],
  [/\bgithub_pat_[A-Za-z0-9_]{40,}/g, 'github-token'],
  [/\bAKIA[0-9A-Z]{16}\b/g, 'aws-key'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, 'slack-token'],
];

/** Shorter values would redact ordinary words; secrets are longer than this. */
export const MIN_SECRET_LENGTH = 6;

/**
 * Replaces registered secret values (and well-known key shapes) in the JSON text of an event
 * before it leaves the main thread. Works on JSON text, so it also matches a value inside a
 * JSON-encoded string (escaped once or twice).
 */
export class Redactor {
  private readonly values = new Map<string, string>();
  private forms: [string, string][] = [];

  add(values: Iterable<string>, label = 'secret'): void {
    let changed = false;
    for (const v of values) {
      if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH || this.values.has(v)) continue;
      this.values.set(v, label);
      changed = true;
    }
    if (changed) this.rebuild();
  }

  get size(): number {
    return this.values.size;
  }

  private rebuild(): void {
    const forms = new Map<string, string>();
    for (const [v, label] of this.values) {
      const once = JSON.stringify(v).slice(1, -1);
      const twice = JSON.stringify(once).slice(1, -1);
      for (const f of [v, once, twice]) forms.set(f, `[REDACTED:${label}]`);
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.forms = [...forms].sort((a, b) => b[0].length - a[0].length);
  }

  apply(json: string): string {
    let out = json;
    for (const [form, mark] of this.forms) if (out.includes(form)) out = out.split(form).join(mark);
    for (const [re, label] of PATTERNS) {
      re.lastIndex = 0;
      if (re.test(out)) out = out.replace(re, `[REDACTED:${label}]`);
    }
    return out;
  }
}
