import { Buffer } from 'node:buffer';

/**
 * An incremental Server-Sent Events decoder working on latin1 text: one char per byte, so a
 * chunk split inside a UTF-8 sequence needs no decoder state, and SSE/JSON structure (all
 * ASCII) is found without decoding the rest. `utf8()` turns a latin1 slice back into text.
 * Chunks may split anywhere; only the unfinished line is kept.
 */
export class SseDecoder {
  private partial = '';
  private eventName = '';
  /** The common case, one data line per event, without an array. */
  private single: string | undefined;
  private data: string[] = [];

  constructor(
    private readonly onEvent: (data: string, event: string) => void,
    private readonly opts: { names?: boolean } = {},
  ) {}

  /** Bytes, or latin1 text made from bytes (not decoded text: use pushText for that). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const text = (
      Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    ).toString('latin1');
    this.scan(text);
  }

  pushText(text: string): void {
    this.push(Buffer.from(text, 'utf8'));
  }

  /** Flushes a final event that was not followed by a blank line. */
  end(): void {
    const rest = this.partial;
    this.partial = '';
    if (rest.length) this.scan(`${rest}\n`);
    this.dispatch();
  }

  private scan(text: string): void {
    let pos = 0;
    if (this.partial.length) {
      // Finish the carried-over line on its own, so the big batch string stays flat (a
      // concatenated string would make every indexOf/charCodeAt below take V8's slow path).
      const nl = text.indexOf('\n');
      if (nl === -1) {
        this.partial += text;
        return;
      }
      const line = this.partial + text.slice(0, nl + 1);
      this.partial = '';
      this.lines(line, 0);
      pos = nl + 1;
    }
    pos = this.lines(text, pos);
    this.partial = pos === text.length ? '' : text.slice(pos);
  }

  /** Handles every complete line of `buf` from `pos`; returns where the unfinished line starts. */
  private lines(buf: string, from: number): number {
    let pos = from;
    for (;;) {
      const nl = buf.indexOf('\n', pos);
      if (nl === -1) return pos;
      const end = nl > pos && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end === pos) this.dispatch();
      else if (buf.startsWith('data:', pos)) {
        const at = buf.charCodeAt(pos + 5) === 32 ? pos + 6 : pos + 5;
        this.addData(buf.slice(at, end));
      } else if (this.opts.names && buf.startsWith('event:', pos)) {
        const at = buf.charCodeAt(pos + 6) === 32 ? pos + 7 : pos + 6;
        this.eventName = buf.slice(at, end);
      }
      pos = nl + 1;
    }
  }

  private addData(value: string): void {
    if (this.single === undefined && this.data.length === 0) {
      this.single = value;
      return;
    }
    if (this.single !== undefined) {
      this.data.push(this.single);
      this.single = undefined;
    }
    this.data.push(value);
  }

  private dispatch(): void {
    const name = this.eventName;
    this.eventName = '';
    if (this.single !== undefined) {
      const data = this.single;
      this.single = undefined;
      this.onEvent(data, name);
      return;
    }
    if (this.data.length === 0) return;
    const data = this.data.join('\n');
    this.data = [];
    this.onEvent(data, name);
  }
}

/** latin1 slice of UTF-8 bytes → text (a no-op for ASCII). */
export function utf8(latin1: string): string {
  // A regex test runs natively; a charCodeAt loop over a sliced string does not.
  return NON_ASCII.test(latin1) ? Buffer.from(latin1, 'latin1').toString('utf8') : latin1;
}
const NON_ASCII = /[\x80-\xff]/;
