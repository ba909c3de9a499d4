import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { GuardrailScan, GuardrailsPort } from './ports.js';

/**
 * How long the held-back tail of a stream without line structure waits for more before it is
 * passed on anyway. Line-oriented streams (SSE, NDJSON) never idle-flush: a partial line is of
 * no use to the agent until its newline arrives, and passing it early could split a finding.
 */
const IDLE_MS = 250;
const LINE_ORIENTED = /event-stream|ndjson|jsonl/i;

/**
 * The response stream's tap: every chunk goes to `parse` (the adapter's parser, byte counts)
 * and, when guardrails apply, through the stream scanner, which may hold back the tail of a
 * chunk until the rest of a split finding arrives (see IDLE_MS).
 * Findings go to `found`; a block ends the stream with an error. Text content is decoded as
 * UTF-8 (a character split across chunks is kept whole); anything else as latin1, one char per
 * byte, so binary bodies pass unchanged.
 */
export function scanningTap(
  contentType: string,
  guardrails: { port: GuardrailsPort; ctx: Parameters<GuardrailsPort['stream']>[1] } | undefined,
  on: { parse(chunk: Buffer): void; found(scan: GuardrailScan): void },
): Transform {
  const lineOriented = LINE_ORIENTED.test(contentType);
  const scanner = guardrails?.port.stream('response', guardrails.ctx, lineOriented);
  if (!scanner) {
    return new Transform({
      transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
        on.parse(chunk);
        cb(null, chunk);
      },
    });
  }
  const encoding: BufferEncoding = /^text\/|json|event-stream|xml|javascript|ndjson/i.test(contentType)
    ? 'utf8'
    : 'latin1';
  const decoder = new StringDecoder(encoding);
  let idle: NodeJS.Timeout | undefined;
  let failed = false;
  /** The decoder may hold the start of a character split across chunks (UTF-8 only). */
  let split = false;
  /**
   * Passes on a scan's text; an error (the stream must end) if a guardrail blocks. `original`:
   * the chunk as it came, passed as is when the scan passed exactly its text, unchanged (no
   * re-encoding: the usual case).
   */
  const pass = (tap: Transform, scan: GuardrailScan, original?: Buffer): Error | undefined => {
    if (scan.detections.length) on.found(scan);
    if (scan.action === 'block') {
      failed = true;
      return new Error('guardrail block');
    }
    if (original && !scan.detections.length) tap.push(original);
    else if (scan.text.length) tap.push(Buffer.from(scan.text, encoding));
    return undefined;
  };
  const tap: Transform = new Transform({
    transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
      clearTimeout(idle);
      on.parse(chunk);
      const whole = !split && scanner.pending === 0;
      split = encoding === 'utf8' && chunk.length > 0 && (chunk[chunk.length - 1] as number) >= 0x80;
      const scan = scanner.push(decoder.write(chunk));
      const err = pass(tap, scan, whole && !split && scanner.pending === 0 ? chunk : undefined);
      if (err) return cb(err);
      if (scanner.pending && !lineOriented)
        idle = setTimeout(() => {
          if (failed || tap.destroyed) return;
          const e = pass(tap, scanner.flush());
          if (e) tap.destroy(e);
        }, IDLE_MS);
      cb();
    },
    flush(cb: TransformCallback) {
      clearTimeout(idle);
      const rest = decoder.end();
      cb((rest ? pass(tap, scanner.push(rest)) : undefined) ?? pass(tap, scanner.end()));
    },
    destroy(err, cb) {
      clearTimeout(idle);
      cb(err);
    },
  });
  return tap;
}
