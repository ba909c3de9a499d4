import { Transform, type TransformCallback } from 'node:stream';

export const REDACTED = '[REDACTED]';

/**
 * Replaces known secret values in a byte stream. A value split across chunks is still caught:
 * only the shortest tail that could be the start of a secret is held back (usually nothing), so
 * SSE events pass through at once.
 */
export class SecretRedactor extends Transform {
  private readonly secrets: Buffer[];
  private readonly replacement = Buffer.from(REDACTED);
  private carry: Buffer = Buffer.alloc(0);
  redactions = 0;

  constructor(values: Iterable<string>) {
    super();
    this.secrets = [...new Set(values)].filter((v) => v.length >= 6).map((v) => Buffer.from(v));
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const replaced = this.replaceAll(buf);
    const hold = this.partialTail(replaced);
    this.carry = hold ? Buffer.from(replaced.subarray(replaced.length - hold)) : Buffer.alloc(0);
    const out = hold ? replaced.subarray(0, replaced.length - hold) : replaced;
    if (out.length) this.push(out);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.carry.length) this.push(this.carry);
    cb();
  }

  /** One-shot use for whole bodies. */
  redact(buf: Buffer): Buffer {
    return this.replaceAll(buf);
  }

  private replaceAll(buf: Buffer): Buffer {
    let out = buf;
    for (const s of this.secrets) {
      let i = out.indexOf(s);
      if (i < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (i >= 0) {
        parts.push(out.subarray(from, i), this.replacement);
        this.redactions++;
        from = i + s.length;
        i = out.indexOf(s, from);
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  }

  private partialTail(buf: Buffer): number {
    let hold = 0;
    for (const s of this.secrets) {
      const max = Math.min(s.length - 1, buf.length);
      for (let k = max; k > hold; k--) {
        if (buf.subarray(buf.length - k).equals(s.subarray(0, k))) {
          hold = k;
          break;
        }
      }
    }
    return hold;
  }
}
