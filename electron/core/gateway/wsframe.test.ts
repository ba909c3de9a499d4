import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeFrame, encodeFrame, FrameError, MessageReader, OP } from './wsframe.js';

/** Splits a buffer at the given cut points (sorted, deduplicated, inside the buffer). */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(buf.subarray(from, c));
    from = c;
  }
  out.push(buf.subarray(from));
  return out;
}

describe('wsframe', () => {
  it('reads back any sequence of (masked or not) messages whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 70_000 }), fc.boolean()), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (msgs, cuts) => {
          const wire = Buffer.concat(msgs.map(([p, mask]) => encodeFrame(OP.binary, Buffer.from(p), mask)));
          const r = new MessageReader(1 << 20);
          const got = split(wire, cuts).flatMap((c) => r.push(c));
          expect(got.map((m) => Buffer.from(m.payload).toString('hex'))).toEqual(
            msgs.map(([p]) => Buffer.from(p).toString('hex')),
          );
          // Raw bytes are the frames exactly as sent (what the relay forwards untouched).
          expect(Buffer.concat(got.flatMap((m) => m.raw)).equals(wire)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('covers the 7-bit, 16-bit and 64-bit length forms at their edges', () => {
    for (const n of [0, 125, 126, 65535, 65536, 70_001])
      for (const mask of [false, true]) {
        const p = Buffer.alloc(n, n % 251);
        const [m] = new MessageReader(1 << 20).push(encodeFrame(OP.binary, p, mask));
        expect(m!.payload.equals(p)).toBe(true);
      }
  });

  it('reassembles fragmented messages around interleaved control frames', () => {
    const first = Buffer.from(encodeFrame(OP.text, Buffer.from('{"type":'), true));
    first[0] = first[0]! & 0x7f; // not final
    const cont = Buffer.from(encodeFrame(OP.continuation, Buffer.from('"x"}'), true));
    const ping = encodeFrame(OP.ping, Buffer.from('p'), true);
    const r = new MessageReader(1024);
    const got = r.push(Buffer.concat([first, ping, cont]));
    expect(got.map((m) => [m.opcode, m.payload.toString()])).toEqual([
      [OP.ping, 'p'],
      [OP.text, '{"type":"x"}'],
    ]);
    expect(got[1]!.raw).toHaveLength(2);
  });

  it('refuses oversize messages, reserved bits (no extensions) and stray continuations', () => {
    expect(() => new MessageReader(10).push(encodeFrame(OP.text, Buffer.alloc(11), false))).toThrow(
      FrameError,
    );
    const rsv = Buffer.from(encodeFrame(OP.text, Buffer.from('x'), false));
    rsv[0] = rsv[0]! | 0x40; // RSV1: permessage-deflate, never negotiated
    expect(() => new MessageReader(10).push(rsv)).toThrow(FrameError);
    expect(() => new MessageReader(10).push(encodeFrame(OP.continuation, Buffer.from('x'), false))).toThrow(
      FrameError,
    );
    const close = new MessageReader(200).push(closeFrame(1008, 'kill', false))[0]!;
    expect(close.opcode).toBe(OP.close);
    expect(close.payload.readUInt16BE(0)).toBe(1008);
    expect(close.payload.subarray(2).toString()).toBe('kill');
  });
});
