import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveKeyWrap } from './key-wrap.js';

describe('deriveKeyWrap', () => {
  const master = randomBytes(32);
  const aad = Buffer.from('gatehouse:ca-key:v1');

  it('round-trips, and the sealed form holds neither the plaintext nor the master key', () => {
    const wrap = deriveKeyWrap(master, 'ca-key');
    const plain = Buffer.from('-----BEGIN PRIVATE KEY----- canary-7f3a');
    const sealed = wrap.seal(plain, aad);
    expect(sealed.includes(plain)).toBe(false);
    expect(sealed.includes(master)).toBe(false);
    expect(wrap.open(sealed, aad).equals(plain)).toBe(true);
  });

  it('refuses another purpose, another master key, other AAD or an altered byte', () => {
    const sealed = deriveKeyWrap(master, 'ca-key').seal(Buffer.from('secret'), aad);
    expect(() => deriveKeyWrap(master, 'other').open(sealed, aad)).toThrow(/does not open/);
    expect(() => deriveKeyWrap(randomBytes(32), 'ca-key').open(sealed, aad)).toThrow(/does not open/);
    expect(() => deriveKeyWrap(master, 'ca-key').open(sealed, Buffer.from('x'))).toThrow(/does not open/);
    const altered = Buffer.from(sealed);
    altered[altered.length - 1]! ^= 1;
    expect(() => deriveKeyWrap(master, 'ca-key').open(altered, aad)).toThrow(/does not open/);
  });
});
