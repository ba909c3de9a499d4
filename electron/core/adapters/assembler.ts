import { Buffer } from 'node:buffer';
import type { ResponseParser, ResponseParserOptions, ParsedResponse } from './types.js';
import { SseDecoder, utf8 } from './sse.js';

/** Whole (non-streamed) JSON bodies above this size are not parsed: the call is recorded without them. */
export const MAX_JSON_BODY_BYTES = 32 * 1024 * 1024;
/** SSE bytes are framed in batches of about this size (and at end): a typical reply is framed once, at end(). */
const SSE_BATCH_BYTES = 64 * 1024;

/**
 * The shared half of every response parser: decides between SSE and a whole JSON body, frames
 * SSE events, and hands each parsed event (or the parsed body) to the protocol's assembler.
 */
export abstract class StreamAssembler implements ResponseParser {
  private mode: 'sse' | 'json' | undefined;
  private sse: SseDecoder | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly jsonDecoder = new TextDecoder('utf-8');
  private json: string[] = [];
  private jsonBytes = 0;
  private finished: ParsedResponse | undefined;
  protected sawDone = false;

  constructor(protected readonly opts: ResponseParserOptions = {}) {
    const ct = opts.contentType?.toLowerCase();
    if (ct?.includes('text/event-stream')) this.mode = 'sse';
    else if (ct?.includes('json')) this.mode = 'json';
  }

  push(chunk: Uint8Array | string): void {
    if (this.finished) return;
    if (this.mode === undefined) {
      const first = firstNonSpace(chunk);
      if (first === undefined) return;
      this.mode = first === 123 /* { */ ? 'json' : 'sse';
    }
    if (this.mode === 'sse') {
      this.sse ??= new SseDecoder((data) => this.onSse(data));
      if (typeof chunk === 'string') {
        this.flush();
        this.sse.pushText(chunk);
        return;
      }
      // The parser only has to be right at end(), so it frames a copy in batches; the agent's
      // bytes never wait for it (the gateway forwards first, then pushes).
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes >= SSE_BATCH_BYTES) this.flush();
      return;
    }
    this.jsonBytes += chunk.length;
    if (this.jsonBytes > MAX_JSON_BODY_BYTES) return;
    this.json.push(typeof chunk === 'string' ? chunk : this.jsonDecoder.decode(chunk, { stream: true }));
  }

  pushEvent(event: unknown): void {
    if (this.finished) return;
    if (event !== null && typeof event === 'object') this.onEvent(event as Record<string, unknown>);
  }

  end(): ParsedResponse {
    if (this.finished) return this.finished;
    this.flush();
    this.sse?.end();
    if (this.mode === 'json' && this.jsonBytes <= MAX_JSON_BODY_BYTES) {
      this.json.push(this.jsonDecoder.decode());
      const body = safeParse(this.json.join(''));
      this.json = [];
      if (body !== undefined && typeof body === 'object' && body !== null) {
        this.onBody(body as Record<string, unknown>);
      }
    }
    this.finished = this.result();
    return this.finished;
  }

  private flush(): void {
    if (!this.pending.length || !this.sse) return;
    const buf = this.pending.length === 1 ? (this.pending[0] as Uint8Array) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.sse.push(buf);
  }

  /** `data` is latin1 (bytes as chars): fast paths read it as is, everything else is decoded first. */
  private onSse(data: string): void {
    if (data === '[DONE]') {
      this.sawDone = true;
      return;
    }
    if (this.fast(data)) return;
    const parsed = safeParse(utf8(data));
    if (parsed !== null && typeof parsed === 'object') this.onEvent(parsed as Record<string, unknown>);
  }

  /** A hot delta event handled without JSON.parse; false = not its exact shape, parse it in full. */
  protected fast(_data: string): boolean {
    return false;
  }
  /** One streamed event (SSE data or a WebSocket message), already parsed. */
  protected abstract onEvent(event: Record<string, unknown>): void;
  /** A whole non-streamed JSON body. */
  protected abstract onBody(body: Record<string, unknown>): void;
  protected abstract result(): ParsedResponse;
}

function firstNonSpace(chunk: Uint8Array | string): number | undefined {
  for (let i = 0; i < chunk.length; i++) {
    const c = typeof chunk === 'string' ? chunk.charCodeAt(i) : (chunk[i] as number);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return c;
  }
  return undefined;
}

export function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses assembled tool arguments; keeps the raw string when the model produced invalid JSON. */
export function parseArguments(raw: string): unknown {
  if (raw.trim() === '') return {};
  const parsed = safeParse(raw);
  return parsed === undefined ? raw : parsed;
}
