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
 * Time-ordered ids in the ULID layout (10 chars of milliseconds, 16 of counter), monotonic within
 * a process even when the clock steps back or many ids share a millisecond, so sorting ids as
 * strings gives append order.
 */
export class IdClock {
  private lastMs = 0;
  private counter = 0n;

  /** Returns [id suffix, epoch ms used for it]. */
  next(): [string, number] {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      // Random start leaves room to count up; top bit clear so increments never overflow 80 bits.
      this.counter = BigInt('0x' + randomBytes(10).toString('hex')) >> 1n;
    } else {
      this.counter++;
    }
    let c = this.counter;
    let tail = '';
    for (let i = 0; i < 16; i++) {
      tail = ALPHABET[Number(c & 31n)] + tail;
      c >>= 5n;
    }
    return [encodeTime(this.lastMs) + tail, this.lastMs];
  }
}
