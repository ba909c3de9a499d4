/**
 * An incremental Server-Sent Events decoder. Chunks may split anywhere (inside a UTF-8
 * sequence, a line, or between `\r` and `\n`); only the unfinished line is kept.
 */
export class SseDecoder {
  private readonly decoder = new TextDecoder('utf-8');
  private partial = '';
  private eventName = '';
  private data: string[] = [];

  constructor(private readonly onEvent: (event: string, data: string) => void) {}

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (text.length === 0) return;
    let buf = this.partial.length ? this.partial + text : text;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf('\n', start);
      if (nl === -1) break;
      const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(buf.slice(start, end));
      start = nl + 1;
    }
    buf = start === 0 ? buf : buf.slice(start);
    this.partial = buf;
  }

  /** Flushes a final event that was not followed by a blank line. */
  end(): void {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    if (rest.length) this.line(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    this.dispatch();
  }

  private line(line: string): void {
    if (line.length === 0) return this.dispatch();
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventName = value;
  }

  private dispatch(): void {
    if (this.data.length === 0) {
      this.eventName = '';
      return;
    }
    const data = this.data.length === 1 ? (this.data[0] as string) : this.data.join('\n');
    const name = this.eventName;
    this.data = [];
    this.eventName = '';
    this.onEvent(name, data);
  }
}
