import { utf8 } from './sse.js';

/**
 * Support for the exact-shape fast paths each parser runs on its hot delta events (an anchored
 * regex per protocol, run natively; a miss means "parse this event in full", so a fast path can
 * be skipped but never be wrong). The bodies they capture are raw JSON string bodies in latin1
 * (bytes as chars), collected here and decoded once: concatenated bodies form one valid body, so
 * a whole block costs one UTF-8 decode and, only if it has escapes, one JSON.parse.
 */
export class RawText {
  private parts: string[] = [];
  private decoded = '';

  /** A raw body (latin1 slice between the quotes). */
  raw(body: string): void {
    this.parts.push(body);
  }

  /** Already-decoded text (from a fully parsed event), kept in order with the raw parts. */
  text(value: string): void {
    if (this.parts.length) this.flush();
    this.decoded += value;
  }

  value(): string {
    if (this.parts.length) this.flush();
    return this.decoded;
  }

  private flush(): void {
    const joined = utf8(this.parts.join(''));
    this.parts = [];
    if (joined.indexOf('\\') === -1) {
      this.decoded += joined;
      return;
    }
    try {
      this.decoded += JSON.parse(`"${joined}"`) as string;
    } catch {
      this.decoded += joined;
    }
  }
}
