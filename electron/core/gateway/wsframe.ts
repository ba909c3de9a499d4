import { randomBytes } from 'node:crypto';

/**
 * A minimal RFC 6455 frame codec for the WebSocket relay: frames are read from a byte stream
 * (masked or not), kept with their raw bytes so they can be forwarded untouched, and messages
 * (a data frame plus its continuations) are reassembled. No extensions: the relay never lets
 * permessage-deflate be negotiated, so RSV bits must be clear.
 */

export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface Frame {
  fin: boolean;
  opcode: number;
  /** Unmasked payload. */
  payload: Buffer;
  /** The frame exactly as it arrived. */
  raw: Buffer;
}

/** A whole message: one data frame and its continuations, or one control frame. */
export interface Message {
  opcode: number;
  payload: Buffer;
  raw: Buffer[];
}

export class FrameError extends Error {}

/** Incremental reader; `maxMessageBytes` caps a reassembled message. */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  private parts: Frame[] = [];
  private partBytes = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Feeds bytes; returns every message completed by them. Throws FrameError on bad framing. */
  push(chunk: Buffer): Message[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Message[] = [];
    for (;;) {
      const f = this.nextFrame();
      if (!f) break;
      if (f.opcode >= 8) {
        if (!f.fin || f.payload.length > 125) throw new FrameError('bad control frame');
        out.push({ opcode: f.opcode, payload: f.payload, raw: [f.raw] });
        continue;
      }
      if ((f.opcode === OP.continuation) !== this.parts.length > 0)
        throw new FrameError('unexpected continuation');
      this.parts.push(f);
      this.partBytes += f.payload.length;
      if (this.partBytes > this.maxMessageBytes) throw new FrameError('message too large');
      if (!f.fin) continue;
      const parts = this.parts;
      this.parts = [];
      this.partBytes = 0;
      out.push({
        opcode: parts[0]!.opcode,
        payload: parts.length === 1 ? parts[0]!.payload : Buffer.concat(parts.map((p) => p.payload)),
        raw: parts.map((p) => p.raw),
      });
    }
    return out;
  }

  private nextFrame(): Frame | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    const b0 = b[0]!;
    const b1 = b[1]!;
    if (b0 & 0x70) throw new FrameError('reserved bits set (no extension was negotiated)');
    let len = b1 & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.maxMessageBytes)) throw new FrameError('frame too large');
      len = Number(big);
      off = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    const maskAt = off;
    if (masked) off += 4;
    if (b.length < off + len) return undefined;
    const payload = Buffer.from(b.subarray(off, off + len));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskAt + (i & 3)]!;
    const raw = b.subarray(0, off + len);
    this.buf = b.subarray(off + len);
    return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload, raw };
  }
}

/** One final frame; `mask` for the client → server direction (RFC 6455 §5.3). */
export function encodeFrame(opcode: number, payload: Buffer, mask: boolean): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.alloc(head + (mask ? 4 : 0) + len);
  out[0] = 0x80 | opcode;
  if (len < 126) out[1] = len;
  else if (len < 65536) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!mask) {
    payload.copy(out, head);
    return out;
  }
  out[1]! |= 0x80;
  const key = randomBytes(4);
  key.copy(out, head);
  for (let i = 0; i < len; i++) out[head + 4 + i] = payload[i]! ^ key[i & 3]!;
  return out;
}

/** A close frame with a status code and a short reason. */
export function closeFrame(code: number, reason: string, mask: boolean): Buffer {
  const r = Buffer.from(reason.slice(0, 120));
  const p = Buffer.alloc(2 + r.length);
  p.writeUInt16BE(code, 0);
  r.copy(p, 2);
  return encodeFrame(OP.close, p, mask);
}
