import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: sorts like the numbers it encodes

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/**
 * Time-ordered ids in the ULID layout (10 chars of milliseconds, 6 of per-process noise, 10 of
 * counter), monotonic within
 * a process even when the clock steps back or many ids share a millisecond, so sorting ids as
 * strings gives append order.
 */
export class IdClock {
  private lastMs = 0;
  private timePart = '';
  /** 6 random chars per process: ids from two processes in the same millisecond still differ. */
  private readonly noise = encodeRandom(6);
  private counter = 0;

  /** Returns [id, epoch ms used for it]. */
  next(): [string, number] {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.timePart = encodeTime(now);
      this.counter = 0;
    } else if (++this.counter >= 2 ** 50) {
      // 2^50 ids in one millisecond cannot happen; step the clock rather than wrap.
      this.lastMs++;
      this.timePart = encodeTime(this.lastMs);
      this.counter = 0;
    }
    let c = this.counter;
    let tail = '';
    for (let i = 0; i < 10; i++) {
      tail = ALPHABET[c % 32] + tail;
      c = Math.floor(c / 32);
    }
    return [this.timePart + this.noise + tail, this.lastMs];
  }
}

function encodeRandom(n: number): string {
  return [...randomBytes(n)].map((b) => ALPHABET[b % 32]).join('');
}
