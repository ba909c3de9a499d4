/** Well-known credential shapes, redacted even when nobody registered the value (defence in depth). */
const PATTERN =
  /sk-ant-[A-Za-z0-9_-]{20,}|\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}|\bgh[pousr]_[A-Za-z0-9]{36,}|\bgithub_pat_[A-Za-z0-9_]{40,}|\bAKIA[0-9A-Z]{16}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}/g;
/** Cheap pre-check: most events contain none of these prefixes. */
const PREFIX = /sk-|gh[pousr]_|github_pat_|AKIA|xox[abprs]-/;

function patternLabel(m: string): string {
  if (m.startsWith('sk-ant-')) return 'anthropic-key';
  if (m.startsWith('sk-')) return 'openai-key';
  if (m.startsWith('AKIA')) return 'aws-key';
  if (m.startsWith('xox')) return 'slack-token';
  return 'github-token';
}

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
    if (PREFIX.test(out)) out = out.replace(PATTERN, (m) => `[REDACTED:${patternLabel(m)}]`);
    return out;
  }
}
