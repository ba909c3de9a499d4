/** One piece of a container's output, after Docker's multiplexed framing is removed. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

const STREAMS: Record<number, OutputChunk['stream']> = { 0: 'stdout', 1: 'stdout', 2: 'stderr' };

/**
 * Incremental parser for Docker's non-TTY stream format: frames of an 8-byte header
 * (stream id, 3 zero bytes, big-endian length) followed by the payload. Docker's framing
 * stays in here; the rest of Gatehouse sees OutputChunks.
 */
export class Demuxer {
  private buffer: Buffer = Buffer.alloc(0);

  push(data: Buffer): OutputChunk[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    const out: OutputChunk[] = [];
    while (this.buffer.length >= 8) {
      const len = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + len) break;
      const stream = STREAMS[this.buffer[0]!] ?? 'stdout';
      out.push({ stream, data: this.buffer.subarray(8, 8 + len) });
      this.buffer = this.buffer.subarray(8 + len);
    }
    return out;
  }

  /** Bytes of an unfinished frame. */
  get pending(): number {
    return this.buffer.length;
  }
}

/** Demultiplexes a whole buffer (a non-follow `logs` answer). */
export function demuxAll(data: Buffer): OutputChunk[] {
  return new Demuxer().push(data);
}
