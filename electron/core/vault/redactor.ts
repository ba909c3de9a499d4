import type { VaultLedger } from './vault.js';

/** Shorter values are not secrets worth matching (and would redact ordinary text). */
const MIN_LENGTH = 6;

/**
 * Every secret value the vault has seen this process: stored values, rotated refresh tokens,
 * minted access tokens. New ones go to the ledger's redaction list the moment they are known.
 */
export class Redactor {
  private readonly known = new Set<string>();
  private pattern: RegExp | undefined;

  private readonly sinks: Pick<VaultLedger, 'addRedactions'>[];

  constructor(...sinks: (Pick<VaultLedger, 'addRedactions'> | undefined)[]) {
    this.sinks = sinks.filter((s) => s !== undefined);
  }

  add(values: Iterable<string | undefined>): void {
    const fresh: string[] = [];
    for (const v of values) {
      if (v === undefined || v.length < MIN_LENGTH || this.known.has(v)) continue;
      this.known.add(v);
      fresh.push(v);
    }
    if (!fresh.length) return;
    this.pattern = undefined;
    for (const sink of this.sinks) sink.addRedactions(fresh);
  }

  values(): string[] {
    return [...this.known];
  }

  redact(text: string): string {
    if (!this.known.size) return text;
    this.pattern ??= new RegExp(
      [...this.known]
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, '[REDACTED:vault]');
  }
}

/** The values worth matching inside a PEM key: the whole text and its base64 body. */
export function pemParts(pem: string): string[] {
  const body = pem
    .split(/\r?\n/)
    .filter((l) => l && !l.startsWith('-----'))
    .join('');
  return [pem, pem.trim(), body];
}
